// Jobs that do not stop when asked (issue 17, item 2): an endless loop, a finally block that waits
// for ever. After `abortGraceMs` their worker is terminated and replaced: the job fails as aborted,
// the other jobs running on that worker with WorkerLostError, and queued jobs still run, once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, SpindleError } from "@spindle/core";
import { JobAbortedError, type JobHandle, JobTimeoutError, WorkerLostError } from "./mod.ts";
import { sharedRuntime, until, withRuntime } from "@spindle/test-support";
import { assertShutdownCancelled, reasonOf, settleWithin, startTestRuntime } from "./test-support/runtime.ts";

const GRACE_MS = 100;
// Each handle must settle within this (a hang bound, not a measure: grace, termination and a
// replacement worker's start, which under `deno test` (it type-checks each worker's modules) took
// 2–3 s, and more under load).
const LIMIT_MS = 30_000;

type TestRuntime = Awaited<ReturnType<typeof startTestRuntime>>;

// The tests below share their scenarios (sharedRuntime): each asserts one behaviour of it, and
// starting a runtime and replacing its worker per test took 10–40 s each under `deno test` here.

/**
 * On a one-worker runtime: a job suspended on the worker (counter 60), then a job in an endless
 * loop (61) aborted with 40 jobs queued behind it (counters 0–39).
 */
const endlessJobAborted = sharedRuntime(async () => {
  const fixture = await startTestRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: GRACE_MS }, 64);
  const { runtime, counters } = fixture;
  const suspended = runtime.spawn("guarded", 60);
  await until(() => Atomics.load(counters, 60) === 1, "the suspended job to start", LIMIT_MS);
  const spinning = runtime.spawn("spin", 61);
  await until(() => Atomics.load(counters, 61) === 1, "the endless job to start", LIMIT_MS);
  const queued = Array.from({ length: 40 }, (_, i) => runtime.spawn("count", i));
  const abortedAt = performance.now();
  spinning.abort();
  return { ...fixture, suspended, spinning, queued, abortedAt };
});

test("abort() of a job in an endless loop fails it with CancelledError, not before abortGraceMs", async () => {
  const { spinning, abortedAt } = await endlessJobAborted();
  const stopped = reasonOf(await settleWithin(spinning, "the endless job", LIMIT_MS), "the endless job");
  assert.ok(stopped instanceof CancelledError, String(stopped));
  assert.ok(performance.now() - abortedAt >= GRACE_MS - 5, "not before the grace period");
  // Its cause says why it ended so: its worker was terminated.
  assert.match((stopped.cause as Error)?.message, /worker \d+ was terminated: job "spin" did not stop within 100 ms/);
});

test("a job suspended on the worker terminated for an endless job fails with WorkerLostError naming that job", async () => {
  const { suspended } = await endlessJobAborted();
  const lost = reasonOf(await settleWithin(suspended, "the suspended job", LIMIT_MS), "the suspended job");
  assert.ok(lost instanceof WorkerLostError, String(lost));
  assert.match((lost.cause as Error).message, /job "spin" did not stop within 100 ms/);
});

test("jobs queued behind an aborted endless job each run exactly once, and the runtime goes on", async () => {
  const { runtime, counters, queued } = await endlessJobAborted();
  for (const [i, handle] of queued.entries()) {
    assert.deepEqual(await settleWithin(handle, `queued job ${i}`, LIMIT_MS), { status: "fulfilled", value: 1 });
  }
  assert.ok(counters.slice(0, 40).every((count) => count === 1), "each queued job ran exactly once");
  assert.equal(await runtime.spawn("add", 2, 2), 4);
  await until(() => runtime.liveJobs === 0, "no live jobs", LIMIT_MS);
});

/** On a one-worker runtime: a job whose finally block waits for ever (counter 3), aborted. */
const stubbornJobAborted = sharedRuntime(async () => {
  const fixture = await startTestRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: GRACE_MS });
  const stubborn = fixture.runtime.spawn("stubbornFinally", 3);
  await until(() => Atomics.load(fixture.counters, 3) === 1, "the job to start", LIMIT_MS);
  stubborn.abort();
  return { ...fixture, stubborn };
});

test("a job whose finally block waits past abortGraceMs fails with CancelledError", async () => {
  const { counters, stubborn } = await stubbornJobAborted();
  const stopped = reasonOf(await settleWithin(stubborn, "the stubborn job", LIMIT_MS), "the stubborn job");
  assert.ok(stopped instanceof CancelledError, String(stopped));
  assert.equal(Atomics.load(counters, 3), 2, "its finally block began");
  // Its cause says why it ended so: its worker ended itself.
  assert.match(
    (stopped.cause as Error)?.message,
    /worker \d+ was ended: job "stubbornFinally" did not stop within 100 ms/,
  );
});

test("the worker of a job whose finally block waits past abortGraceMs is ended and replaced", async () => {
  const { runtime, stubborn } = await stubbornJobAborted();
  await settleWithin(stubborn, "the stubborn job", LIMIT_MS);
  // The only worker was held by the finally block for ever: a job that runs now runs on its
  // replacement.
  assert.equal(
    await settleWithin(runtime.spawn("hostPromise", 1), "a job on the replacement", LIMIT_MS).then((o) => o.status),
    "fulfilled",
  );
});

test("a long synchronous job aborted and terminated does not touch the runtime's state when it ends late (Deno's terminate() lets it run on)", async () => {
  // Deno 2.9.6: Worker.terminate() of a thread in a busy loop fires "exit" but the thread runs on
  // (measured: thread count and CPU unchanged). Without the generation check, that thread settled
  // its job a second time when the loop ended: the live-job count went negative.
  await withRuntime(
    startTestRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: GRACE_MS }),
    async ({ runtime, counters }) => {
      const long = runtime.spawn("hold", 2, 1_500);
      await until(() => Atomics.load(counters, 2) === 1, "the long job to start", LIMIT_MS);
      long.abort();
      assert.ok(reasonOf(await settleWithin(long, "the long job", LIMIT_MS), "the long job") instanceof CancelledError);
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // past the end of its loop
      assert.equal(runtime.liveJobs, 0);
      assert.equal(
        await settleWithin(runtime.spawn("add", 1, 1), "a later job", LIMIT_MS).then((o) =>
          o.status === "fulfilled" && o.value
        ),
        2,
      );
      assert.equal(runtime.liveJobs, 0);
    },
  );
});

test("spawnWith({ timeout }) aborts a running job at its deadline (JobTimeoutError), and removes a queued one without running it", async () => {
  await withRuntime(
    startTestRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: GRACE_MS }),
    async ({ runtime, counters }) => {
      const spinning = runtime.spawnWith({ timeout: 50 }, "spin", 1);
      const queued = runtime.spawnWith({ timeout: 50 }, "count", 2); // behind the endless job
      const error = reasonOf(await settleWithin(spinning, "the endless job", LIMIT_MS), "the endless job");
      assert.ok(error instanceof JobTimeoutError, String(error));
      assert.ok(error instanceof CancelledError);
      assert.equal(error.name, "TimeoutError");
      assert.equal(error.timeoutMs, 50);
      assert.ok(
        reasonOf(await settleWithin(queued, "the queued job", LIMIT_MS), "the queued job") instanceof JobTimeoutError,
      );
      assert.equal(Atomics.load(counters, 2), 0, "the queued job never ran");
      // A deadline that does not fire changes nothing (and holds nothing open: the test ends).
      assert.equal(await runtime.spawnWith({ timeout: 60_000 }, "add", 1, 2), 3);
      assert.throws(
        () => runtime.spawnWith({ timeout: -1 }, "add", 1, 2),
        (e: unknown) => e instanceof SpindleError && /timeout must be/.test(e.message),
      );
    },
  );
});

/** A one-worker runtime for the spawnWith({ signal }) tests. */
const signalRuntime = sharedRuntime(() =>
  startTestRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: GRACE_MS }, 64)
);

test("spawnWith({ signal }) with an aborted signal fails the job at once without running it (AbortError, the reason as cause)", async () => {
  const { runtime, counters } = await signalRuntime();
  const reason = new Error("not needed any more");
  const early = runtime.spawnWith({ signal: AbortSignal.abort(reason) }, "count", 4);
  const error = reasonOf(await settleWithin(early, "the job of an aborted signal", 1_000), "the early job");
  assert.ok(error instanceof JobAbortedError, String(error));
  assert.equal(error.name, "AbortError");
  assert.equal(error.cause, reason);
  assert.equal(await runtime.spawn("add", 1, 1), 2); // a job after it: the early one had its turn
  assert.equal(Atomics.load(counters, 4), 0, "the job of the aborted signal never ran");
});

test("spawnWith({ signal }): a later abort stops a running job (AbortError, the reason as cause), and jobs done before are untouched", async () => {
  const { runtime, counters } = await signalRuntime();
  const reason = new Error("not needed any more");
  const controller = new AbortController();
  const shared = Array.from(
    { length: 20 },
    (_, i) => runtime.spawnWith({ signal: controller.signal }, "count", 10 + i),
  );
  const spinning = runtime.spawnWith({ signal: controller.signal }, "spin", 5);
  assert.deepEqual(await Promise.all(shared), new Array(20).fill(1));
  await until(() => Atomics.load(counters, 5) === 1, "the endless job to start", LIMIT_MS);
  controller.abort(reason);
  const stopped = reasonOf(await settleWithin(spinning, "the endless job", LIMIT_MS), "the endless job");
  assert.ok(stopped instanceof JobAbortedError, String(stopped));
  assert.equal(stopped.cause, reason);
});

test("spawnWith rejects a signal that is not an AbortSignal", async () => {
  const { runtime } = await signalRuntime();
  assert.throws(() => runtime.spawnWith({ signal: "stop" as unknown as AbortSignal }, "add", 1, 2), SpindleError);
});

/**
 * A two-worker runtime with a job in an endless loop (counter 60) and 40 jobs queued (0–39), shut
 * down with { mode: "cancel" }; run once for the two tests below.
 */
let cancelled:
  | Promise<
    TestRuntime & { spinning: JobHandle<unknown>; queued: JobHandle<number>[]; outcome: PromiseSettledResult<void> }
  >
  | undefined;
const cancelledPastEndlessJob = () =>
  cancelled ??= (async () => {
    const fixture = await startTestRuntime({ workers: 2, maxExtraMachines: 0, abortGraceMs: GRACE_MS }, 64);
    const { runtime, counters } = fixture;
    const spinning = runtime.spawn("spin", 60);
    await until(() => Atomics.load(counters, 60) === 1, "the endless job to start", LIMIT_MS);
    const queued = Array.from({ length: 40 }, (_, i) => runtime.spawn("count", i));
    const outcome = await settleWithin(runtime.shutdown({ mode: "cancel" }), "the shutdown", LIMIT_MS);
    return { ...fixture, spinning, queued, outcome };
  })();

test('shutdown({ mode: "cancel" }) with a job in an endless loop resolves in bounded time, cancelling that job', async () => {
  const { runtime, spinning, outcome } = await cancelledPastEndlessJob();
  assert.equal(outcome.status, "fulfilled");
  // The shutdown's reason, caused by the termination of the worker.
  const stopped = reasonOf(await settleWithin(spinning, "the endless job", 1_000), "the endless job") as Error;
  assertShutdownCancelled(stopped, "spin", 'shutdown({ mode: "cancel" })', true);
  assert.match(((stopped.cause as Error).cause as Error)?.message, /job "spin" did not stop within 100 ms/);
  assert.equal(runtime.machines, 0);
});

test('after shutdown({ mode: "cancel" }) past an endless job, each queued job ran once or was cancelled without running', async () => {
  const { counters, queued } = await cancelledPastEndlessJob();
  for (const [i, handle] of queued.entries()) {
    const result = await settleWithin(handle, `queued job ${i}`, 1_000);
    if (result.status === "fulfilled") assert.equal(Atomics.load(counters, i), 1, `queued job ${i} ran once`);
    else {
      assertShutdownCancelled(result.reason, "count", 'shutdown({ mode: "cancel" })', false);
      assert.equal(Atomics.load(counters, i), 0, `queued job ${i} never ran`);
    }
  }
});

/** A one-worker runtime with a job in an endless loop (counter 1). */
async function endlessJob() {
  const fixture = await startTestRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: GRACE_MS });
  const spinning = fixture.runtime.spawn("spin", 1);
  await until(() => Atomics.load(fixture.counters, 1) === 1, "the endless job to start", LIMIT_MS);
  return { ...fixture, spinning };
}

test("a draining shutdown with a timeout cancels at the deadline", async () => {
  const { runtime, spinning } = await endlessJob();
  const draining = runtime.shutdown({ timeout: 50 });
  assert.equal((await settleWithin(draining, "the shutdown", LIMIT_MS)).status, "fulfilled");
  assert.ok(
    reasonOf(await settleWithin(spinning, "the endless job", 1_000), "the endless job") instanceof CancelledError,
  );
});

test("a cancelling shutdown called during a drain cancels the drain under way (the same shutdown)", async () => {
  const { runtime, spinning } = await endlessJob();
  const draining = runtime.shutdown();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(runtime.shutdown({ mode: "cancel" }), draining, "the same shutdown");
  assert.equal((await settleWithin(draining, "the shutdown", LIMIT_MS)).status, "fulfilled");
  assert.ok(
    reasonOf(await settleWithin(spinning, "the endless job", 1_000), "the endless job") instanceof CancelledError,
  );
});
