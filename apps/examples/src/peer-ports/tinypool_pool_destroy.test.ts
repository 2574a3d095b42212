// Port of tinypool's test/pool-destroy.test.ts (tinylibs/tinypool abc247f85cba0309e3f1e5655db1837a2a1c2483)
// onto @spindle/workstealing, written from its README. `destroy()` is `shutdown({ mode: "cancel"
// })`, `isolateWorkers: true` is `maxJobsPerWorker: 1`.
//
// Not ported again: "can destroy pool while tasks are running" is piscina's, ported identically
// in piscina_pool_destroy.test.ts.
//
// Not portable: "cleans up async resources": `async_hooks` are Node-only (and the runtime makes
// no `AsyncResource`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { within, withRuntime } from "./piscina/support.ts";

test("destroy after initializing should work (#43)", async () => {
  // tinypool rejects the task with "Terminating worker thread"; here a job queued when the runtime
  // is cancelled fails with a RuntimeShutdownError-named error, a running one with CancelledError.
  await withRuntime({ workers: 1, maxJobsPerWorker: 1 }, async (runtime) => {
    const task = runtime.spawn("sleepThen", 100, 1);
    await within("shutdown", 30_000, runtime.shutdown({ mode: "cancel" }));
    await assert.rejects(
      within("task", 30_000, task),
      (error: Error) => error.name === "RuntimeShutdownError" || error.name === "CancelledError",
    );
  });
});
