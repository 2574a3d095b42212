// Port of piscina's test/task-queue.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README ("Metrics": `queueSize`, `needsDrain` and the
// bounded queue; "Pool size, idle workers and process lifetime"). `maxQueue: n` is
// `queue: { limit: n, whenFull: "reject" }` ("Task queue is at limit" is `QueueFullError`);
// `pool.threads.length` is `runtime.machines`; piscina's blocking fixtures block their worker in
// `Atomics.wait`, as the `blockUntilReleased` job does. `maxExtraMachines: 0` keeps the blocking
// resilience's extra machines from taking queued jobs.
//
// Not portable:
// - "will reject items when task queue is unavailable" and "(fixed thread count)": `maxQueue: 0`
//   (refuse a task unless a worker is free) is not a mode here: `queue.limit` is at least 1
//   (INVALID_ARGUMENT, ported in piscina_option_validation).
// - "tasks can share a Worker if requested (both tests blocking)" and "(one test finishes)":
//   they combine `maxQueue: 0` with `concurrentTasksPerWorker` and a per-task `filename`; none
//   has a counterpart. "(both tests finish)" is ported: jobs that suspend always share a worker.
// - "custom task queue works": the queues are the scheduler's (injector, deques), not pluggable
//   (no `taskQueue` option).
import assert from "node:assert/strict";
import { test } from "node:test";
import { QueueFullError } from "@spindle/workstealing";
import { until, within, withRuntime, wordReaches } from "./piscina/support.ts";

test("will put items into a task queue until they can run", async () => {
  await withRuntime({ workers: 3, minWorkers: 2, maxExtraMachines: 0 }, async (runtime, words) => {
    assert.equal(runtime.machines, 2);
    assert.equal(runtime.queueSize, 0);
    const results = Array.from({ length: 4 }, () => runtime.spawn("blockUntilReleased", 0));
    await until("a third worker starts", () => runtime.machines === 3);
    await wordReaches(words, 0, 3, "three jobs hold the three workers");
    // The fourth waits for a worker: in the injector (queueSize) or in a busy worker's deque.
    assert.equal(Atomics.load(words, 0), 3);
    assert.equal(runtime.machines, 3);
    Atomics.store(words, 1, 1);
    await within("first", 30_000, results[0]!);
    await within("all", 30_000, Promise.all(results));
    assert.equal(runtime.queueSize, 0);
    assert.equal(Atomics.load(words, 0), 4);
  });
});

test("will reject items over task queue limit", async () => {
  await withRuntime(
    { workers: 1, maxExtraMachines: 0, queue: { limit: 2, whenFull: "reject" } },
    async (runtime, words) => {
      assert.equal(runtime.queueSize, 0);
      const running = runtime.spawn("blockUntilReleased", 0);
      await wordReaches(words, 0, 1, "the first job holds the worker");
      assert.equal(runtime.queueSize, 0);
      const queued = [runtime.spawn("blockUntilReleased", 0)];
      assert.equal(runtime.queueSize, 1);
      queued.push(runtime.spawn("blockUntilReleased", 0));
      assert.equal(runtime.queueSize, 2);
      assert.equal(runtime.needsDrain, true);
      assert.throws(() => runtime.spawn("blockUntilReleased", 0), QueueFullError);
      Atomics.store(words, 1, 1);
      await within("jobs", 30_000, Promise.all([running, ...queued]));
      assert.equal(runtime.needsDrain, false);
    },
  );
});

test("tasks can share a Worker if requested (both tests finish)", async () => {
  // No option: two jobs that wait by suspending run at once on the one worker.
  await withRuntime({ workers: 1, maxExtraMachines: 0 }, async (runtime, words) => {
    assert.equal(runtime.machines, 1);
    const first = runtime.spawn("suspendUntilReleased", 0);
    const second = runtime.spawn("suspendUntilReleased", 0);
    await wordReaches(words, 0, 2, "both jobs run on the one worker");
    assert.equal(runtime.queueSize, 0);
    Atomics.store(words, 1, 1);
    const [a, b] = await within("jobs", 30_000, Promise.all([first, second]));
    assert.equal(a, b, "the same thread");
    assert.equal(runtime.machines, 1);
  });
});
