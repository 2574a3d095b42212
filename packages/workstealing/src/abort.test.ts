import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError } from "@spindle/core";
import { until, withRuntime } from "@spindle/test-support";
import { reasonOf, settleWithin, startTestRuntime } from "./test-support/runtime.ts";

test("abort() on a queued job removes it: it never runs and its handle fails with CancelledError", async () => {
  await withRuntime(startTestRuntime({ workers: 1, maxExtraMachines: 0 }), async ({ runtime, counters }) => {
    const blocker = runtime.spawn("block", 200); // holds the only worker
    const queued = runtime.spawn("count", 3);
    queued.abort();
    await assert.rejects(Promise.resolve(queued), CancelledError);
    await blocker;
    assert.equal(await runtime.spawn("add", 1, 1), 2); // the worker went past the removed job
    assert.equal(counters[3], 0);
  });
});

test("abort() on a running job cancels it at its suspension point and runs its finally blocks", async () => {
  await withRuntime(startTestRuntime({ workers: 2 }), async ({ runtime, counters }) => {
    const job = runtime.spawn("guarded", 5);
    await until(() => Atomics.load(counters, 5) === 1, "the job to start");
    job.abort();
    await assert.rejects(Promise.resolve(job), CancelledError);
    assert.equal(Atomics.load(counters, 5), 2, "its finally block ran");
    assert.equal(runtime.liveJobs, 0);
  });
});

for (const swallow of [false, true]) {
  test(`abort() of a running job whose finally waits inside a nested yield* rejects with CancelledError${swallow ? ", also when the job swallows the cancellation" : ""}`, async () => {
    await withRuntime(startTestRuntime({ workers: 2 }), async ({ runtime, counters }) => {
      const job = runtime.spawn("guardedNested", 4, swallow);
      await until(() => Atomics.load(counters, 4) === 1, "the job to wait in its nested yield*");
      job.abort();
      // The job waits on a future that never completes: only the cancellation settles it (the
      // bound is for a hang, not a measure).
      const outcome = await settleWithin(job, "the aborted job", 30_000);
      assert.ok(reasonOf(outcome, "the aborted job") instanceof CancelledError);
      assert.equal(Atomics.load(counters, 5), 1, "the inner finally ran once, after its wait");
      assert.equal(Atomics.load(counters, 6), 0, "no code ran after the cancelled yield*");
      assert.equal(Atomics.load(counters, 7), 1, "the outer finally ran once");
      assert.equal(runtime.liveJobs, 0);
    });
  });
}
