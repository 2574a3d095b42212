// Item 2 of issue 23: workers beyond `minWorkers` exit after `idleTimeout` without work and come
// back when work is queued and no machine is free (piscina's minThreads / maxThreads /
// idleTimeout).
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { Runtime } from "./mod.ts";
import { until } from "@spindle/test-support";
import { settleWithin, startTestRuntime, TEST_JOBS } from "./test-support/runtime.ts";

/** Hang bounds, generous for a loaded 2-vCPU machine (idleTimeout is 50 ms here). */
const RETIRE_WITHIN_MS = 5_000;
const SETTLE_WITHIN_MS = 10_000;
/**
 * For the second job of a round to run, which waits for the second worker's start: a Deno worker
 * start took 5–6 s at load 10–13 and more than 10 s at load 15 (measured, the runtime's own start
 * 16 s), past the 10 s `until` default.
 */
const START_WITHIN_MS = 60_000;

/**
 * Opens the gates of a round's held jobs (counters 0 and 1): in the round, and again before the
 * shutdown should an assertion fail while they run: a drained shutdown waits for running jobs, and
 * a gate never opened held it forever (the test ran for more than 8 minutes on Deno once the start
 * above took longer than its bound).
 */
function openGates(counters: Int32Array): void {
  Atomics.store(counters, 0, 2);
  Atomics.store(counters, 1, 2);
}

test("a runtime starts minWorkers workers and the others on demand, which retire after idleTimeout", async () => {
  const { runtime, counters } = await startTestRuntime({
    workers: 2,
    minWorkers: 1,
    idleTimeout: 50,
    maxExtraMachines: 0,
  });
  try {
    assert.equal(runtime.machines, 1, "only minWorkers start");
    for (let round = 0; round < 2; round++) {
      counters.fill(0);
      // Two jobs that each hold a worker until the gate opens: the second finds no free machine,
      // so the runtime starts the second worker, and both jobs run at the same time (with one
      // worker the second would never start).
      const first = runtime.spawn("gate", 0);
      const second = runtime.spawn("gate", 1);
      await until(
        () => counters[0] === 1 && counters[1] === 1,
        `round ${round}: both jobs running at once`,
        START_WITHIN_MS,
      );
      assert.equal(runtime.machines, 2);
      openGates(counters);
      const [a, b] = await Promise.all([settleWithin(first, "first"), settleWithin(second, "second")]);
      assert.equal(a.status, "fulfilled");
      assert.equal(b.status, "fulfilled");
      assert.notEqual((a as PromiseFulfilledResult<number>).value, (b as PromiseFulfilledResult<number>).value);
      await until(() => runtime.machines === 1, `round ${round}: the second worker retiring`, RETIRE_WITHIN_MS);
    }
    // Children spawned inside a job (where only the runtime's monitor sees the demand) bring the
    // retired worker back too.
    assert.equal(await runtime.spawn("fib", 27, 12), 196_418);
    assert.ok(runtime.stats()[1]!.jobsRun > 0, "the restarted worker took children");
  } finally {
    openGates(counters);
    await runtime.shutdown();
  }
});

test("a worker that retires ends its thread even when a job left a host timer behind, and comes back on demand", async () => {
  // The timers outlast the test by far: a retired worker whose thread waited for its event loop
  // to empty stayed counted (and could not be started again) for as long as they ran.
  const LINGER_MS = 600_000;
  const { runtime, counters } = await startTestRuntime({
    workers: 2,
    minWorkers: 1,
    idleTimeout: 50,
    maxExtraMachines: 0,
  });
  try {
    for (let round = 0; round < 2; round++) {
      counters.fill(0);
      // As above: two jobs held at once need both workers; each leaves a timer on its worker.
      const held = [runtime.spawn("gateThenLinger", 0, LINGER_MS), runtime.spawn("gateThenLinger", 1, LINGER_MS)];
      await until(
        () => counters[0] === 1 && counters[1] === 1,
        `round ${round}: both jobs running at once`,
        START_WITHIN_MS,
      );
      openGates(counters);
      for (const handle of held) assert.equal((await settleWithin(handle, `round ${round}`)).status, "fulfilled");
      await until(() => runtime.machines === 1, `round ${round}: the second worker retiring`, RETIRE_WITHIN_MS);
    }
  } finally {
    openGates(counters);
    await runtime.shutdown();
  }
});

test("jobs spawned while workers retire and restart run exactly once", async () => {
  const WAVES = 12;
  const PER_WAVE = 2_000;
  // idleTimeout 0: the second worker retires as soon as it parks without work, so retirements
  // race with every wave's spawns.
  const { runtime, counters } = await startTestRuntime(
    { workers: 2, minWorkers: 1, idleTimeout: 0, maxExtraMachines: 0 },
    WAVES * PER_WAVE,
  );
  try {
    for (let wave = 0; wave < WAVES; wave++) {
      const handles = [];
      for (let i = 0; i < PER_WAVE; i++) handles.push(runtime.spawn("count", wave * PER_WAVE + i));
      const outcome = await settleWithin(Promise.all(handles), `wave ${wave}`, SETTLE_WITHIN_MS);
      assert.equal(outcome.status, "fulfilled");
      assert.ok((outcome as PromiseFulfilledResult<number[]>).value.every((n) => n === 1), `wave ${wave}`);
      await new Promise((resolve) => setTimeout(resolve, wave % 3)); // let the worker retire sometimes
    }
    const wrong = counters.findIndex((count) => count !== 1);
    assert.equal(wrong, -1, `job ${wrong} ran ${counters[wrong]} times`);
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("bad minWorkers, idleTimeout and unref options fail with INVALID_ARGUMENT naming the value", async () => {
  const invalid = (pattern: RegExp) => (error: unknown) =>
    error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && pattern.test(error.message);
  await assert.rejects(Runtime.start(TEST_JOBS, { workers: 2, minWorkers: 3 }), invalid(/minWorkers .*got 3/));
  await assert.rejects(Runtime.start(TEST_JOBS, { workers: 2, minWorkers: 0 }), invalid(/minWorkers .*got 0/));
  // null was taken as "not given" (`??`), where every other option refuses it.
  for (const name of ["workers", "minWorkers", "maxExtraMachines"]) {
    await assert.rejects(
      Runtime.start(TEST_JOBS, { workers: 2, [name]: null }),
      invalid(new RegExp(`${name} .*got null`)),
    );
  }
  await assert.rejects(Runtime.start(TEST_JOBS, { workers: 2, idleTimeout: -1 }), invalid(/idleTimeout .*got -1/));
  await assert.rejects(
    // @ts-expect-error: not a boolean
    Runtime.start(TEST_JOBS, { workers: 2, unref: "yes" }),
    invalid(/unref must be a boolean, got "yes"/),
  );
  // Every boolean option alike (metrics: "yes" was accepted), and the heap's size and the timer.
  await assert.rejects(
    // @ts-expect-error: not a boolean
    Runtime.start(TEST_JOBS, { workers: 2, metrics: "yes" }),
    invalid(/metrics must be a boolean, got "yes"/),
  );
  for (const maxHeapBytes of [-1, 0, 1.5, 2 ** 32]) {
    await assert.rejects(
      Runtime.start(TEST_JOBS, { workers: 2, maxHeapBytes }),
      invalid(new RegExp(`maxHeapBytes .*got ${maxHeapBytes}`)),
    );
  }
  await assert.rejects(
    // @ts-expect-error: not a timer
    Runtime.start(TEST_JOBS, { workers: 2, timer: 5 }),
    invalid(/timer must be .*got 5/),
  );
});
