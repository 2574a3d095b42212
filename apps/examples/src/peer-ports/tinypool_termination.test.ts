// Port of tinypool's test/termination.test.ts (tinylibs/tinypool abc247f85cba0309e3f1e5655db1837a2a1c2483)
// onto @spindle/workstealing, written from its README. `isolateWorkers: true` is
// `maxJobsPerWorker: 1`, `destroy()` is `shutdown({ mode: "cancel" })`.
//
// Not portable:
// - "termination timeout throws when worker does not terminate in time": it replaces a worker's
//   `terminate` method; the runtime's threads are not exposed (a worker that does not stop is
//   terminated after `abortGraceMs`: piscina_pool_close's ports).
// - "writing to terminating worker does not crash": a child-process runtime with a per-task channel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { within, withRuntime } from "./piscina/support.ts";

test("recycling workers while closing pool does not crash", async () => {
  // Each job's worker is recycled after it; the runtime is cancelled while the last replacement
  // may still be starting. tinypool's job starts a nested child-process pool and recycles it
  // without waiting: the recycling under way at the close is the runtime's own here.
  await withRuntime({ workers: 1, maxJobsPerWorker: 1 }, async (runtime) => {
    const results = await within(
      "ten jobs",
      120_000,
      Promise.all(Array.from({ length: 10 }, () => runtime.spawn("answer"))),
    );
    assert.deepEqual(results, Array.from({ length: 10 }, () => 42));
    await within("shutdown", 30_000, runtime.shutdown({ mode: "cancel" }));
    assert.equal(runtime.machines, 0);
  });
});
