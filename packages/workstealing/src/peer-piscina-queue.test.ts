// Piscina's task-queue and post-task backpressure tests (maxQueue, needsDrain, queueSize), ported
// onto the runtime's bounded queue (`queue: { limit, whenFull }`) and its `queueSize`,
// `needsDrain` and `completed` getters. PEER-TESTS.md maps them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { until, withRuntime } from "@spindle/test-support";
import { QueueFullError, Runtime } from "./mod.ts";
import { startTestRuntime, TEST_JOBS } from "./test-support/runtime.ts";

const ONE_WORKER = { workers: 1, maxExtraMachines: 0 } as const;

/** Holds the only worker in `gate(index)` until `open` is called. */
async function holdWorker(
  runtime: Awaited<ReturnType<typeof startTestRuntime>>["runtime"],
  counters: Int32Array,
  index: number,
) {
  const gate = runtime.spawn("gate", index);
  await until(() => Atomics.load(counters, index) === 1, "the gate to hold the worker");
  return {
    gate,
    open() {
      Atomics.store(counters, index, 2);
      Atomics.notify(counters, index);
    },
  };
}

test("jobs queue while the workers are busy and all run once they are free; queueSize counts them (piscina: will put items into a task queue until they can run)", async () => {
  await withRuntime(startTestRuntime(ONE_WORKER), async ({ runtime, counters }) => {
    const held = await holdWorker(runtime, counters, 15);
    assert.equal(runtime.queueSize, 0);
    const queued = [0, 1, 2, 3, 4].map((i) => runtime.spawn("count", i));
    assert.equal(runtime.queueSize, 5);
    assert.equal(runtime.needsDrain, false, "an unbounded queue never needs draining");
    held.open();
    assert.deepEqual(await Promise.all(queued), [1, 1, 1, 1, 1]);
    await held.gate;
    assert.equal(runtime.queueSize, 0);
  });
});

test("a bounded queue refuses a job over its limit with QueueFullError, and needsDrain says so (piscina: will reject items over task queue limit, needsDrain)", async () => {
  await withRuntime(
    startTestRuntime({ ...ONE_WORKER, queue: { limit: 2, whenFull: "reject" } }),
    async ({ runtime, counters }) => {
      const held = await holdWorker(runtime, counters, 15);
      const queued = [runtime.spawn("count", 0), runtime.spawn("count", 1)];
      assert.equal(runtime.needsDrain, true);
      assert.throws(
        () => runtime.spawn("count", 2),
        (error: unknown) => error instanceof QueueFullError && /2/.test(error.message),
      );
      held.open();
      assert.deepEqual(await Promise.all(queued), [1, 1]);
      await held.gate;
      assert.equal(runtime.needsDrain, false);
      assert.equal(Atomics.load(counters, 2), 0, "the refused job never ran");
      assert.equal(await runtime.spawn("count", 2), 1, "room again");
    },
  );
});

test("a full queue with whenFull: wait holds further jobs on this thread and runs them in order", async () => {
  await withRuntime(startTestRuntime({ ...ONE_WORKER, queue: { limit: 1 } }), async ({ runtime, counters }) => {
    const held = await holdWorker(runtime, counters, 15);
    const handles = [0, 1, 2, 3].map((i) => runtime.spawn("count", i));
    assert.equal(runtime.needsDrain, true);
    assert.equal(runtime.queueSize, 4, "the queued job and the three waiting for room");
    held.open();
    assert.deepEqual(await Promise.all(handles), [1, 1, 1, 1]);
    await held.gate;
    assert.equal(runtime.queueSize, 0);
  });
});

test("a producer that waits while needsDrain keeps the queue within its limit and loses no job (piscina: emits drain)", async () => {
  await withRuntime(
    startTestRuntime({ ...ONE_WORKER, queue: { limit: 3, whenFull: "reject" } }, 200),
    async ({ runtime, counters }) => {
      const pending = new Set<Promise<unknown>>();
      let deepest = 0;
      for (let i = 0; i < 200; i++) {
        while (runtime.needsDrain) await Promise.race(pending);
        const settled: Promise<unknown> = Promise.resolve(runtime.spawn("count", i)).finally(() =>
          pending.delete(settled)
        );
        pending.add(settled);
        deepest = Math.max(deepest, runtime.queueSize);
      }
      await Promise.all(pending);
      assert.ok(deepest <= 3, `the queue held at most its limit (${deepest})`);
      assert.ok(counters.every((ran) => ran === 1), "each job ran once");
    },
  );
});

test("completed counts every settled job, failed and aborted ones too (piscina: completed)", async () => {
  const { runtime } = await startTestRuntime({ workers: 2 });
  const results = await Promise.allSettled([
    ...Array.from({ length: 10 }, (_, i) => runtime.spawn("add", i, 1)),
    runtime.spawn("fail", "TypeError", "no"),
    runtime.spawnWith({ signal: AbortSignal.abort() }, "add", 1, 1),
  ]);
  assert.equal(results.filter((outcome) => outcome.status === "rejected").length, 2);
  await runtime.shutdown();
  assert.equal(runtime.completed, 12);
});

test("a queue limit below 1 is refused (piscina: will reject items when task queue is unavailable)", async () => {
  for (const limit of [0, -1, 1.5]) {
    await assert.rejects(
      Runtime.start(TEST_JOBS, { workers: 1, queue: { limit } }),
      (error: unknown) => error instanceof SpindleError && error.code === "INVALID_ARGUMENT",
      `limit ${limit}`,
    );
  }
});
