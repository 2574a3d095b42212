// Piscina's pool-close and pool-destroy tests and tinypool's termination and pool-destroy tests,
// ported onto `shutdown()`: piscina's `close()` is `shutdown()` ("drain"), `close({ force: true })`
// and `destroy()` are `shutdown({ mode: "cancel" })` (which also aborts running jobs, where piscina
// lets them finish), and a timed-out close is `shutdown({ timeout })`. PEER-TESTS.md maps them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError } from "@spindle/core";
import { until } from "@spindle/test-support";
import { RuntimeShutdownError } from "./mod.ts";
import { settleWithin, startTestRuntime } from "./test-support/runtime.ts";

const ONE_WORKER = { workers: 1, maxExtraMachines: 0 } as const;

test("shutdown with no job resolves and leaves no machine running (piscina: close() with no pending tasks, thread count 0 upon destruction)", async () => {
  for (const options of [{ workers: 2 }, { workers: 2, minWorkers: 1 }]) {
    const { runtime } = await startTestRuntime(options);
    assert.equal((await settleWithin(runtime.shutdown(), "the shutdown", 20_000)).status, "fulfilled");
    assert.equal(runtime.machines, 0);
  }
});

test("a draining shutdown waits for queued jobs to complete (piscina: close() queued tasks waits for all tasks to complete)", async () => {
  const { runtime, counters } = await startTestRuntime(ONE_WORKER);
  const gate = runtime.spawn("gate", 15);
  await until(() => Atomics.load(counters, 15) === 1, "the gate to hold the worker");
  const queued = [0, 1, 2].map((i) => runtime.spawn("count", i));
  const shutdown = runtime.shutdown();
  Atomics.store(counters, 15, 2);
  Atomics.notify(counters, 15);
  assert.equal((await settleWithin(shutdown, "the shutdown", 20_000)).status, "fulfilled");
  assert.deepEqual(await Promise.all(queued), [1, 1, 1]);
  assert.equal(typeof (await gate), "number");
});

test("a job spawned while the runtime shuts down is refused with RuntimeShutdownError (piscina: abort any task enqueued during closing up)", async () => {
  const { runtime, counters } = await startTestRuntime(ONE_WORKER);
  const gate = runtime.spawn("gate", 15);
  await until(() => Atomics.load(counters, 15) === 1, "the gate to hold the worker");
  const shutdown = runtime.shutdown();
  assert.throws(() => runtime.spawn("count", 0), RuntimeShutdownError);
  Atomics.store(counters, 15, 2);
  Atomics.notify(counters, 15);
  await gate;
  await shutdown;
  assert.equal(Atomics.load(counters, 0), 0);
});

test("a cancelling shutdown fails queued jobs, aborts running ones, and ends in bounded time even when one never suspends (piscina: close({ force: true }), destroy while tasks are running)", async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 2, maxExtraMachines: 0, abortGraceMs: 100 }, 100);
  const spinning = runtime.spawn("spin", 98);
  const guarded = runtime.spawn("guarded", 99);
  await until(() => Atomics.load(counters, 98) === 1 && Atomics.load(counters, 99) === 1, "both jobs to start");
  const queued = Array.from({ length: 50 }, (_, i) => runtime.spawn("count", i));
  assert.equal((await settleWithin(runtime.shutdown({ mode: "cancel" }), "the shutdown", 20_000)).status, "fulfilled");
  const [spun, guard, ...rest] = await Promise.allSettled([spinning, guarded, ...queued]);
  assert.equal(spun!.status, "rejected", "the job that never suspends was stopped (its worker terminated)");
  assert.equal(guard!.status, "rejected");
  assert.ok((guard as PromiseRejectedResult).reason instanceof CancelledError);
  assert.equal(Atomics.load(counters, 99), 2, "its finally block ran");
  rest.forEach((outcome, i) => {
    const ran = Atomics.load(counters, i);
    if (outcome.status === "fulfilled") assert.equal(ran, 1, `job ${i} ran once`);
    else {
      assert.equal(ran, 0, `cancelled job ${i} never ran`);
      assert.equal((outcome.reason as Error).name, "RuntimeShutdownError");
    }
  });
});

test("a draining shutdown with a timeout cancels what is left when it expires (piscina: timed out close operation destroys the pool)", async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 1, maxExtraMachines: 0 });
  const guarded = runtime.spawn("guarded", 0);
  await until(() => Atomics.load(counters, 0) === 1, "the job to start");
  assert.equal((await settleWithin(runtime.shutdown({ timeout: 50 }), "the shutdown", 20_000)).status, "fulfilled");
  await assert.rejects(Promise.resolve(guarded), CancelledError);
});

test("shutting down while workers recycle under load loses no job and runs each once (tinypool: recycling workers while closing pool does not crash)", async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 2, maxJobsPerWorker: 10 }, 60);
  const handles = Array.from({ length: 60 }, (_, i) => runtime.spawn("count", i));
  assert.equal((await settleWithin(runtime.shutdown(), "the shutdown", 120_000)).status, "fulfilled");
  assert.deepEqual(await Promise.all(handles), new Array(60).fill(1));
  assert.ok(counters.every((ran) => ran === 1), "each job ran exactly once");
});
