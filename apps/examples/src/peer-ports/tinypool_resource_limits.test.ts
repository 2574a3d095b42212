// Port of tinypool's test/resource-limits.test.ts (tinylibs/tinypool
// abc247f85cba0309e3f1e5655db1837a2a1c2483) onto @spindle/workstealing, written from its README
// ("Resource limits and recycling"). `maxMemoryLimitBeforeRecycle` is `maxMemoryBeforeRecycle`,
// `isolateWorkers: false` is the default, `pool.threads[0].threadId` is what a job answers for
// `threadId` (the `leak` job answers it). tinypool's limit of 10,000,000 bytes is 64 MiB here: a
// worker's heap holds more than 10 MB before its first job (the runtime's own modules), so it would
// be recycled after its first job, where the test wants more than one round.
//
// Not ported again: "resourceLimits causes task to reject" is piscina's, ported identically in
// piscina_test_resourcelimits.test.ts.
//
// Not portable: the `child_process` runs of both tests (there are worker threads only).
import assert from "node:assert/strict";
import { test } from "node:test";
import { within, withRuntime } from "./piscina/support.ts";

test("worker_threads: worker is recycled after reaching maxMemoryLimitBeforeRecycle", async () => {
  await withRuntime({ workers: 1, maxMemoryBeforeRecycle: 64 * 2 ** 20 }, async (runtime) => {
    const original = await runtime.spawn("threadId");
    let final = original;
    let rounds = 0;
    for (let i = 0; i < 100; i++) {
      final = await within("leak", 60_000, runtime.spawn("leak", 2048)); // about 2 MiB more each round
      if (final !== original) break;
      rounds++;
    }
    assert.ok(rounds > 1, "not recycled after the first round");
    assert.notEqual(final, original, "recycled");
  });
});

test("worker_threads: recycled workers should not crash pool (regression)", async () => {
  // A limit of 10 bytes: every worker is over it after each job, and recycled.
  await withRuntime({ workers: 2, maxMemoryBeforeRecycle: 10 }, async (runtime) => {
    const threads = await within(
      "ten jobs",
      120_000,
      Promise.all(Array.from({ length: 10 }, () => runtime.spawn("leak", 16))),
    );
    assert.equal(threads.length, 10);
    assert.equal(await runtime.spawn("answer"), 42, "the runtime goes on");
  });
});
