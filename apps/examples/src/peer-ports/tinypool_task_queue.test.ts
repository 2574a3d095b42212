// Port of tinypool's test/task-queue.test.ts (tinylibs/tinypool abc247f85cba0309e3f1e5655db1837a2a1c2483)
// onto @spindle/workstealing, written from its README. Its first seven tests are piscina's
// task-queue tests, ported (or listed as not portable, with the reasons) in
// piscina_task_queue.test.ts: "will put items into a task queue until they can run", "will reject
// items over task queue limit", "will reject items when task queue is unavailable", "... (fixed
// thread count)", "tasks can share a Worker if requested (both tests blocking)", "... (both tests
// finish)", "custom task queue works". Not repeated here.
//
// `cancelPendingTasks()` has no counterpart: each queued job's handle is aborted (`abort()`),
// which removes it from the queue at once (README, "Faults and bad input").
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError } from "@spindle/core";
import { within, withRuntime, wordReaches } from "./piscina/support.ts";

test("queued tasks can be cancelled (onto abort() of each queued job)", async () => {
  // tinypool's sleep fixture suspends; a job that suspends shares its worker here, so the jobs
  // block their thread instead, and `maxExtraMachines: 0` keeps them queued.
  await withRuntime({ workers: 1, maxExtraMachines: 0 }, async (runtime, words) => {
    const taskCount = 10;
    let finished = 0;
    let cancelled = 0;
    const count = (handle: PromiseLike<unknown>) =>
      Promise.resolve(handle).then(
        () => void finished++,
        (error) => {
          if (!(error instanceof CancelledError)) throw error;
          cancelled++;
        },
      );
    const first = runtime.spawn("blockUntilReleased", 0);
    await wordReaches(words, 0, 1, "the first job starts");
    const pending = Array.from({ length: taskCount - 1 }, () => runtime.spawn("blockUntilReleased", 0));
    const outcomes = [first, ...pending].map(count);
    assert.equal(runtime.queueSize, taskCount - 1);
    for (const handle of pending) handle.abort();
    assert.equal(finished, 0, "the first job still runs");
    assert.equal(runtime.queueSize, 0);
    Atomics.store(words, 1, 1);
    Atomics.notify(words, 1);
    await within("all settle", 30_000, Promise.all(outcomes));
    assert.deepEqual({ finished, cancelled }, { finished: 1, cancelled: taskCount - 1 });
    assert.equal(Atomics.load(words, 0), 1, "no cancelled job ran");
  });
});
