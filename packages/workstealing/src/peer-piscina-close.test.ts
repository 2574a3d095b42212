// Piscina's pool-close and pool-destroy tests (one Spindle test per piscina test, named after it)
// and tinypool's termination test, ported onto `close()`: piscina's `close()` is `close()` here
// (`shutdown()`), `close({ force: true })` and `destroy()` are `close({ force: true })`
// (`shutdown({ mode: "cancel" })`, which aborts running jobs where piscina lets them finish), and
// piscina's `closeTimeout` is `shutdown({ timeout })`. Then this package's own tests of
// `close({ force: true })`. PEER-TESTS.md maps them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { until } from "@spindle/test-support";
import { type JobHandle, type Runtime, RuntimeShutdownError } from "./mod.ts";
import { assertShutdownCancelled, settleWithin, startTestRuntime } from "./test-support/runtime.ts";

const ONE_WORKER = { workers: 1, maxExtraMachines: 0 } as const;
const FORCE = "close({ force: true })";
/** A hang bound for a close, generous for a loaded 2-vCPU machine; not a measure. */
const CLOSE_MS = 30_000;

/** Opens gate `index` of the test jobs (see `gate` in test-jobs.ts). */
function openGate(counters: Int32Array, index: number): void {
  Atomics.store(counters, index, 2);
  Atomics.notify(counters, index);
}

/** The rejection reason of `handle`, which must fail within a bound. */
async function failureOf(handle: PromiseLike<unknown>, what: string): Promise<unknown> {
  const outcome = await settleWithin(handle, what, CLOSE_MS);
  assert.equal(outcome.status, "rejected", `${what} failed`);
  return (outcome as PromiseRejectedResult).reason;
}

test("close(): no pending tasks", async () => {
  const { runtime } = await startTestRuntime({ workers: 2 });
  assert.equal((await settleWithin(runtime.close(), "the close", CLOSE_MS)).status, "fulfilled");
  assert.equal(runtime.machines, 0);
});

test("close(): no pending tasks (with minThreads=0)", async () => {
  // minWorkers is at least 1: the nearest is one worker running and one started on demand.
  const { runtime } = await startTestRuntime({ workers: 2, minWorkers: 1 });
  assert.equal((await settleWithin(runtime.close(), "the close", CLOSE_MS)).status, "fulfilled");
  assert.equal(runtime.machines, 0);
});

test("close(): queued tasks waits for all tasks to complete", async () => {
  const { runtime, counters } = await startTestRuntime(ONE_WORKER);
  const running = runtime.spawn("gate", 15);
  await until(() => Atomics.load(counters, 15) === 1, "the gate to hold the worker");
  const queued = [0, 1, 2].map((i) => runtime.spawn("count", i));
  const closed = runtime.close();
  openGate(counters, 15);
  assert.equal((await settleWithin(closed, "the close", CLOSE_MS)).status, "fulfilled");
  assert.deepEqual(await Promise.all(queued), [1, 1, 1]);
  assert.equal(typeof (await running), "number");
  assert.equal(runtime.machines, 0);
});

test("close(): abort any task enqueued during closing up", async () => {
  const { runtime, counters } = await startTestRuntime(ONE_WORKER);
  const running = runtime.spawn("gate", 15);
  await until(() => Atomics.load(counters, 15) === 1, "the gate to hold the worker");
  const closed = runtime.close();
  assert.throws(
    () => runtime.spawn("count", 0),
    (error: unknown) => error instanceof RuntimeShutdownError && /job "count"/.test(error.message),
  );
  openGate(counters, 15);
  assert.equal(typeof (await running), "number", "the running job completed");
  assert.equal((await settleWithin(closed, "the close", CLOSE_MS)).status, "fulfilled");
  assert.equal(Atomics.load(counters, 0), 0, "the refused job never ran");
});

test("close({force: true}): queued tasks waits for all tasks already running and aborts tasks that are not started yet (one task per worker)", async () => {
  // One worker held by a job that never suspends: it cannot be aborted, so its worker is ended
  // after abortGraceMs (piscina waits for it instead); the queued job never runs.
  const { runtime, counters } = await startTestRuntime({ ...ONE_WORKER, abortGraceMs: 100 });
  try {
    const running = runtime.spawn("gate", 15);
    await until(() => Atomics.load(counters, 15) === 1, "the gate to hold the worker");
    const queued = runtime.spawn("count", 0);
    assert.equal((await settleWithin(runtime.close({ force: true }), "the close", CLOSE_MS)).status, "fulfilled");
    assertShutdownCancelled(await failureOf(queued, "the queued job"), "count", FORCE, false);
    assert.equal(Atomics.load(counters, 0), 0, "the queued job never ran");
    // Its worker was ended: it fails as aborted, the close's reason caused by the termination.
    const stopped = await failureOf(running, "the running job") as Error;
    assertShutdownCancelled(stopped, "gate", FORCE, true);
    assert.match(((stopped.cause as Error).cause as Error)?.message, /job "gate" did not stop within 100 ms/);
    assert.equal(runtime.machines, 0);
  } finally {
    openGate(counters, 15);
  }
});

test("close({force: true}): queued tasks waits for all tasks already running and aborts tasks that are not started yet (two tasks per worker)", async () => {
  // Two jobs running on one worker: one suspended (aborted at its suspension point, its finally
  // runs) and one synchronous (it finishes: the gate opens after the close). The jobs queued
  // behind them never run.
  const { runtime, counters } = await startTestRuntime(ONE_WORKER);
  const suspended = runtime.spawn("guarded", 14);
  await until(() => Atomics.load(counters, 14) === 1, "the guarded job to wait");
  const synchronous = runtime.spawn("gate", 15);
  await until(() => Atomics.load(counters, 15) === 1, "the gate to hold the worker");
  const queued = [0, 1].map((i) => runtime.spawn("count", i));
  const closed = runtime.close({ force: true });
  openGate(counters, 15);
  assert.equal((await settleWithin(closed, "the close", CLOSE_MS)).status, "fulfilled");
  assert.equal(typeof (await synchronous), "number", "the synchronous running job completed");
  assertShutdownCancelled(await failureOf(suspended, "the suspended job"), "guarded", FORCE, true);
  assert.equal(Atomics.load(counters, 14), 2, "its finally block ran");
  for (const [i, handle] of queued.entries()) {
    assertShutdownCancelled(await failureOf(handle, `queued job ${i}`), "count", FORCE, false);
    assert.equal(Atomics.load(counters, i), 0, `queued job ${i} never ran`);
  }
});

test("timed out close operation destroys the pool", async () => {
  // Piscina's closeTimeout is shutdown({ timeout }) here: the drain cancels what is left at the deadline.
  const { runtime, counters } = await startTestRuntime(ONE_WORKER);
  const running = runtime.spawn("guarded", 0);
  await until(() => Atomics.load(counters, 0) === 1, "the job to start");
  assert.equal((await settleWithin(runtime.shutdown({ timeout: 50 }), "the shutdown", CLOSE_MS)).status, "fulfilled");
  assertShutdownCancelled(
    await failureOf(running, "the running job"),
    "guarded",
    "shutdown({ timeout })'s expiry",
    true,
  );
  assert.equal(Atomics.load(counters, 0), 2, "its finally block ran");
});

test("can destroy pool while tasks are running", async () => {
  // piscina's eval('while(1){}'): a job that never suspends; the close ends in bounded time.
  const { runtime, counters } = await startTestRuntime({ ...ONE_WORKER, abortGraceMs: 100 });
  const spinning = runtime.spawn("spin", 0);
  await until(() => Atomics.load(counters, 0) === 1, "the endless job to start");
  assert.equal((await settleWithin(runtime.close({ force: true }), "the close", CLOSE_MS)).status, "fulfilled");
  const stopped = await failureOf(spinning, "the endless job") as Error;
  assertShutdownCancelled(stopped, "spin", FORCE, true);
  assert.match(((stopped.cause as Error).cause as Error)?.message, /job "spin" did not stop within 100 ms/);
  assert.equal(runtime.machines, 0);
});

test("tinypool: recycling workers while closing pool does not crash (each job runs once)", async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 2, maxJobsPerWorker: 10 }, 60);
  const handles = Array.from({ length: 60 }, (_, i) => runtime.spawn("count", i));
  assert.equal((await settleWithin(runtime.close(), "the close", 120_000)).status, "fulfilled");
  assert.deepEqual(await Promise.all(handles), new Array(60).fill(1));
  assert.ok(counters.every((ran) => ran === 1), "each job ran exactly once");
});

// This package's own tests of close({ force: true }).

test("close({ force: true }): a queued job never runs, and its handle fails with CancelledError naming the close", async () => {
  const { runtime, counters } = await startTestRuntime(ONE_WORKER, 64);
  const running = runtime.spawn("gate", 63);
  await until(() => Atomics.load(counters, 63) === 1, "the gate to hold the worker");
  const queued = Array.from({ length: 40 }, (_, i) => runtime.spawn("count", i));
  const closed = runtime.close({ force: true });
  openGate(counters, 63); // the worker then finds the close before anything else
  assert.equal((await settleWithin(closed, "the close", CLOSE_MS)).status, "fulfilled");
  await running;
  for (const [i, handle] of queued.entries()) {
    assertShutdownCancelled(await failureOf(handle, `queued job ${i}`), "count", FORCE, false);
  }
  assert.deepEqual([...counters.slice(0, 40)], new Array(40).fill(0), "no queued job ran (its side effect)");
});

test("close({ force: true }): running jobs are aborted with the close as reason, their finally blocks run", async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 2, maxExtraMachines: 0 });
  const running = [0, 1, 2, 3].map((i) => runtime.spawn("guarded", i));
  await until(() => [0, 1, 2, 3].every((i) => Atomics.load(counters, i) === 1), "every job to wait");
  assert.equal((await settleWithin(runtime.close({ force: true }), "the close", CLOSE_MS)).status, "fulfilled");
  for (const [i, handle] of running.entries()) {
    assertShutdownCancelled(await failureOf(handle, `running job ${i}`), "guarded", FORCE, true);
    assert.equal(Atomics.load(counters, i), 2, `job ${i}'s finally block ran`);
  }
});

for (
  const [by, stop] of [
    [FORCE, (runtime: Runtime) => runtime.close({ force: true })],
    ['shutdown({ mode: "cancel" })', (runtime: Runtime) => runtime.shutdown({ mode: "cancel" })],
  ] as const
) {
  test(`${by}: a running job's own code sees the shutdown as the cause of the CancelledError thrown into it and of its fromPromise signal's reason`, async () => {
    const { runtime, counters } = await startTestRuntime({ workers: 2, maxExtraMachines: 0 });
    const running = [0, 4].map((at) => runtime.spawn("observeStop", at, by));
    await until(() => Atomics.load(counters, 3) === 1 && Atomics.load(counters, 7) === 1, "both jobs to wait");
    assert.equal((await settleWithin(stop(runtime), "the shutdown", CLOSE_MS)).status, "fulfilled");
    for (const [i, handle] of running.entries()) {
      const at = i * 4;
      assertShutdownCancelled(await failureOf(handle, `job ${i}`), "observeStop", by, true);
      // Codes: see observeStop in test-jobs.ts (1: a CancelledError caused by the shutdown's reason).
      assert.equal(Atomics.load(counters, at), 1, `job ${i}: what its catch block caught`);
      assert.equal(Atomics.load(counters, at + 1), 1, `job ${i}: its signal's reason`);
      assert.equal(Atomics.load(counters, at + 2), 1, `job ${i}: its finally block ran`);
    }
  });
}

test("abort() of a running job: its code sees a CancelledError with no shutdown's cause (its handle's thread alone knows why)", async () => {
  const { runtime, counters } = await startTestRuntime(ONE_WORKER);
  try {
    const running = runtime.spawn("observeStop", 0, FORCE);
    await until(() => Atomics.load(counters, 3) === 1, "the job to wait");
    running.abort();
    const error = await failureOf(running, "the aborted job") as Error;
    assert.equal(error.name, "CancelledError");
    assert.equal(error.cause, undefined);
    // Codes: see observeStop in test-jobs.ts (2: a CancelledError without the shutdown's cause).
    assert.equal(Atomics.load(counters, 0), 2, "what its catch block caught");
    assert.equal(Atomics.load(counters, 1), 2, "its signal's reason");
    assert.equal(Atomics.load(counters, 2), 1, "its finally block ran");
  } finally {
    await runtime.close();
  }
});

for (const whenFull of ["reject", "wait"] as const) {
  test(`close({ force: true }) gives every place in a bounded "${whenFull}" queue back at once`, async () => {
    const { runtime, counters } = await startTestRuntime({
      ...ONE_WORKER,
      queue: { limit: 4, whenFull },
    });
    const running = runtime.spawn("gate", 15);
    await until(() => Atomics.load(counters, 15) === 1 && runtime.queueSize === 0, "the gate to hold the worker");
    const queued = Array.from({ length: whenFull === "wait" ? 6 : 4 }, (_, i) => runtime.spawn("count", i));
    assert.equal(runtime.needsDrain, true);
    assert.equal(runtime.queueSize, queued.length);
    const closed = runtime.close({ force: true });
    // Synchronously: the jobs in the injector and those waiting for room were cancelled in the call.
    assert.equal(runtime.queueSize, 0, "no job holds a place");
    assert.equal(runtime.needsDrain, false);
    openGate(counters, 15);
    await running;
    assert.equal((await settleWithin(closed, "the close", CLOSE_MS)).status, "fulfilled");
    for (const [i, handle] of queued.entries()) {
      assertShutdownCancelled(await failureOf(handle, `queued job ${i}`), "count", FORCE, false);
      assert.equal(Atomics.load(counters, i), 0, `queued job ${i} never ran`);
    }
  });
}

test("close({ force: true }) ends the children of running jobs too (scope, join, map chunks, a fork/join tree)", async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 2, maxExtraMachines: 0 }, 512);
  const scoped = runtime.spawn("scopeWaits", 0, 8); // children 0-7 wait for ever
  const joined = runtime.spawn("joinFirstFails", 8); // its second child waits at 8
  const map = runtime.map("waitItem", [16, 17, 18, 19], { chunkSize: 1 });
  map.catch(() => {}); // looked at below: the close may reject it before
  const tree = runtime.spawn("tree", 100, 0, 5, 3); // 364 nodes counting at 100-463
  await until(() => Atomics.load(counters, 0) === 1 || Atomics.load(counters, 16) === 1, "the jobs to run");
  assert.equal((await settleWithin(runtime.close({ force: true }), "the close", CLOSE_MS)).status, "fulfilled");
  for (const [what, handle] of [["scope", scoped], ["join", joined], ["map", map]] as const) {
    const reason = await failureOf(handle, `the ${what} job`) as Error;
    assert.ok(reason.name === "CancelledError" || reason.name === "RangeError", `${what}: ${String(reason)}`);
  }
  const treeOutcome = await settleWithin(tree, "the tree", CLOSE_MS);
  if (treeOutcome.status === "rejected") assert.equal((treeOutcome.reason as Error).name, "CancelledError");
  for (const i of [...Array(9).keys(), 16, 17, 18, 19]) {
    const state = Atomics.load(counters, i);
    assert.ok(state === 0 || state === 2, `waiting child ${i} never ran or unwound (${state})`);
  }
  for (let node = 100; node < 464; node++) {
    assert.ok(Atomics.load(counters, node) <= 1, `tree node ${node} ran once at most`);
  }
  assert.equal(runtime.machines, 0);
});

test("close() rejects a bad option naming it, and the runtime stays open", async () => {
  const { runtime } = await startTestRuntime({ workers: 1 });
  for (
    const [bad, named] of [
      [{ force: "yes" }, '"yes"'],
      [{ force: 1 }, "1"],
      ["yes", '"yes"'],
      [null, "null"],
    ] as const
  ) {
    await assert.rejects(
      runtime.close(bad as never),
      (error: unknown) =>
        error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && error.message.includes(named),
      String(named),
    );
  }
  assert.equal(await runtime.spawn("add", 1, 2), 3, "still open");
  await runtime.close({ force: false });
  assert.throws(() => runtime.spawn("add", 1, 2), RuntimeShutdownError);
});

test("stress: random spawns racing close({ force: true }) on two workers; each handle completes once or is cancelled and never ran", async () => {
  for (let round = 0; round < 6; round++) {
    const n = 400;
    const { runtime, counters } = await startTestRuntime({ workers: 2, maxExtraMachines: 0 }, n);
    const handles: (JobHandle<number> | null)[] = [];
    const closeAfter = Math.floor(Math.random() * n);
    let closed: Promise<void> | null = null;
    for (let i = 0; i < n; i++) {
      if (i === closeAfter) closed = runtime.close({ force: true });
      try {
        handles.push(runtime.spawn("count", i));
      } catch (error) {
        assert.ok(closed !== null && error instanceof RuntimeShutdownError, `spawn ${i}: ${String(error)}`);
        handles.push(null);
      }
      // Now and then let the workers take jobs before the next spawns.
      if (Math.random() < 0.05) await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.5 ? 0 : 1));
    }
    assert.equal((await settleWithin(closed!, `round ${round}: the close`, CLOSE_MS)).status, "fulfilled");
    let completed = 0;
    for (const [i, handle] of handles.entries()) {
      if (handle === null) {
        assert.equal(Atomics.load(counters, i), 0, `refused job ${i} never ran`);
        continue;
      }
      const outcome = await settleWithin(handle, `round ${round}: job ${i}`, CLOSE_MS);
      if (outcome.status === "fulfilled") {
        assert.equal(outcome.value, 1, `job ${i} ran once`);
        completed++;
      } else {
        assertShutdownCancelled(outcome.reason, "count", FORCE, false);
      }
      assert.equal(Atomics.load(counters, i), outcome.status === "fulfilled" ? 1 : 0, `job ${i} ran once or never`);
    }
    assert.ok(completed <= closeAfter, `round ${round}: only jobs spawned before the close completed`);
    assert.equal(runtime.machines, 0);
  }
});
