// Port of piscina's test/pool-close.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README. `close()` is `shutdown()` (draining),
// `close({ force: true })` is `shutdown({ mode: "cancel" })`, which also aborts running jobs
// where piscina lets them finish; `closeTimeout` is `shutdown({ timeout })`. There is no `close`
// or `error` event: the shutdown's promise settles instead. piscina's subtests count one each.
//
// Not portable:
// - close() "no pending tasks (with minThreads=0)": `minWorkers` is at least 1 (a runtime always
//   keeps a worker; `minWorkers: 0` is INVALID_ARGUMENT).
// - close({force: true}) with `concurrentTasksPerWorker: 2` (the second subtest): Spindle has no
//   per-worker task limit, every job that suspends shares its worker, so all four run at once
//   and none is "not started yet"; the first subtest is the ported one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RuntimeShutdownError } from "@spindle/workstealing";
import { within, withRuntime } from "./piscina/support.ts";

test("close(): no pending tasks", async () => {
  await withRuntime({ workers: 2 }, async (runtime) => {
    await within("shutdown", 20_000, runtime.shutdown());
    assert.equal(runtime.machines, 0);
  });
});

test("close(): queued tasks waits for all tasks to complete", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const task1 = runtime.spawn("sleepThen", 100, 1);
    const task2 = runtime.spawn("sleepThen", 100, 2);
    const closed = runtime.shutdown();
    assert.deepEqual(await within("tasks", 20_000, Promise.all([task1, task2])), [1, 2]);
    await within("shutdown", 20_000, closed);
  });
});

test("close(): abort any task enqueued during closing up", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const running = runtime.spawn("sleepThen", 100, 1);
    const closed = runtime.shutdown();
    // piscina rejects the task with "The task has been aborted" (cause "queue is closing up");
    // here the spawn itself throws.
    assert.throws(() => runtime.spawn("sleepThen", 1_000, 2), RuntimeShutdownError);
    assert.equal(await running, 1);
    await within("shutdown", 20_000, closed);
  });
});

test("close({force: true}): queued tasks waits for all tasks already running and aborts tasks that are not started yet", async () => {
  // One worker held by a job that blocks it, so the second is not started yet when the runtime
  // shuts down. Differs on purpose: the running job is aborted too (piscina lets it finish).
  await withRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: 300 }, async (runtime, words) => {
    const task1 = runtime.spawn("blockUntilReleased", 0);
    while (Atomics.load(words, 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const task2 = runtime.spawn("sleepThen", 200, 2);
    const settled = Promise.allSettled([task1, task2]);
    await within("shutdown", 30_000, runtime.shutdown({ mode: "cancel" }));
    const [first, second] = await settled;
    assert.equal(first.status, "rejected", "the running job is aborted");
    assert.equal(second.status, "rejected");
    assert.equal((second.reason as Error).name, "CancelledError", "the queued job is cancelled by the shutdown");
    assert.equal(
      ((second.reason as Error).cause as Error).name,
      "RuntimeShutdownError",
      "its cause names the shutdown",
    );
    assert.equal(runtime.machines, 0);
  });
});

test("timed out close operation destroys the pool", async () => {
  await withRuntime({ workers: 1, abortGraceMs: 300 }, async (runtime) => {
    const task1 = runtime.spawn("sleepThen", 30_000, 1);
    const task2 = runtime.spawn("sleepThen", 30_000, 2);
    const settled = Promise.allSettled([task1, task2]);
    await within("shutdown", 20_000, runtime.shutdown({ timeout: 500 }));
    for (const outcome of await settled) {
      assert.equal(outcome.status, "rejected");
      assert.ok(["CancelledError", "RuntimeShutdownError"].includes((outcome.reason as Error).name));
    }
  });
});
