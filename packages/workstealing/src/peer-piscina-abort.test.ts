// Piscina's abort-task tests (and tinypool's "queued tasks can be cancelled"), ported onto
// `spawnWith({ signal, timeout })`: an AbortSignal that already fired, one that fires while the
// job is queued or running, and one that races the job's completion. PEER-TESTS.md maps them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { until, withRuntime } from "@spindle/test-support";
import { JobAbortedError, JobTimeoutError } from "./mod.ts";
import { reasonOf, settleWithin, startTestRuntime } from "./test-support/runtime.ts";

const ONE_WORKER = { workers: 1, maxExtraMachines: 0 } as const;

test("an already aborted signal fails the job at once with its reason as cause; the job never runs (piscina: aborted AbortSignal rejects task immediately, with reason)", async () => {
  await withRuntime(startTestRuntime(ONE_WORKER), async ({ runtime, counters }) => {
    const reason = new Error("the user left");
    const handle = runtime.spawnWith({ signal: AbortSignal.abort(reason) }, "count", 0);
    const error = reasonOf(await settleWithin(handle, "the aborted job"), "the aborted job");
    assert.ok(error instanceof JobAbortedError);
    assert.equal(error.name, "AbortError");
    assert.equal(error.cause, reason);
    assert.equal(await runtime.spawn("add", 1, 1), 2);
    assert.equal(Atomics.load(counters, 0), 0, "it never ran");
  });
});

test("a signal that fires while the job is queued removes it: it never runs (piscina: aborted before running; tinypool: queued tasks can be cancelled)", async () => {
  await withRuntime(startTestRuntime(ONE_WORKER), async ({ runtime, counters }) => {
    const gate = runtime.spawn("gate", 1);
    await until(() => Atomics.load(counters, 1) === 1, "the gate to hold the only worker");
    const controller = new AbortController();
    const queued = runtime.spawnWith({ signal: controller.signal }, "count", 0);
    controller.abort("changed my mind");
    const error = reasonOf(await settleWithin(queued, "the queued job"), "the queued job");
    assert.ok(error instanceof JobAbortedError);
    assert.equal(error.cause, "changed my mind");
    Atomics.store(counters, 1, 2);
    Atomics.notify(counters, 1);
    await gate;
    assert.equal(await runtime.spawn("add", 1, 1), 2, "the worker went past the removed job");
    assert.equal(Atomics.load(counters, 0), 0, "the aborted job never ran");
  });
});

test("a signal that fires while the job runs cancels it at its suspension point, finally blocks run (piscina: aborted through AbortController while running)", async () => {
  await withRuntime(startTestRuntime({ workers: 2 }), async ({ runtime, counters }) => {
    const controller = new AbortController();
    const running = runtime.spawnWith({ signal: controller.signal }, "guarded", 2);
    await until(() => Atomics.load(counters, 2) === 1, "the job to start");
    controller.abort();
    const error = reasonOf(await settleWithin(running, "the running job"), "the running job");
    assert.ok(error instanceof JobAbortedError);
    assert.equal(Atomics.load(counters, 2), 2, "its finally block ran");
    assert.equal(runtime.liveJobs, 0);
  });
});

test("a job that ignores its abort (never suspends) has its worker replaced after abortGraceMs; queued work still runs", async () => {
  await withRuntime(startTestRuntime({ ...ONE_WORKER, abortGraceMs: 50 }), async ({ runtime, counters }) => {
    const controller = new AbortController();
    const spinning = runtime.spawnWith({ signal: controller.signal }, "spin", 3);
    await until(() => Atomics.load(counters, 3) === 1, "the spinning job to start");
    const queued = runtime.spawn("add", 2, 2);
    controller.abort();
    assert.ok(reasonOf(await settleWithin(spinning, "the spinning job", 20_000), "spin") instanceof JobAbortedError);
    assert.equal((await settleWithin(queued, "the queued job", 20_000)).status, "fulfilled");
  });
});

test("a deadline fails a job that has not settled with JobTimeoutError", async () => {
  await withRuntime(startTestRuntime({ workers: 1 }), async ({ runtime }) => {
    const error = reasonOf(await settleWithin(runtime.spawnWith({ timeout: 20 }, "guarded", 4), "the job"), "guarded");
    assert.ok(error instanceof JobTimeoutError);
    assert.equal(error.name, "TimeoutError");
  });
});

test("a signal that fires as jobs complete: each handle gives its result or JobAbortedError, never both or neither, and every job ends once (abort racing completion)", async () => {
  await withRuntime(startTestRuntime({ workers: 2 }, 300), async ({ runtime, counters }) => {
    const controllers = Array.from({ length: 300 }, () => new AbortController());
    const handles = controllers.map((controller, i) => runtime.spawnWith({ signal: controller.signal }, "count", i));
    // Aborted in a spread of moments: before, during and after each job runs.
    for (let i = 0; i < controllers.length; i++) {
      if (i % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      controllers[i]!.abort(i);
    }
    const outcomes = await settleWithin(Promise.allSettled(handles), "the racing jobs", 20_000);
    assert.equal(outcomes.status, "fulfilled");
    const settled = (outcomes as PromiseFulfilledResult<PromiseSettledResult<number>[]>).value;
    settled.forEach((outcome, i) => {
      const ran = Atomics.load(counters, i);
      assert.ok(ran <= 1, `job ${i} ran at most once (${ran})`);
      if (outcome.status === "fulfilled") {
        assert.equal(outcome.value, 1, `job ${i}'s result`);
        assert.equal(ran, 1, `a fulfilled job ${i} ran`);
      } else {
        assert.ok(outcome.reason instanceof JobAbortedError, `job ${i}: ${String(outcome.reason)}`);
        assert.equal(outcome.reason.cause, i);
      }
    });
    await until(() => runtime.liveJobs === 0, "every job to settle");
  });
});

test("aborting after the job settled changes nothing, and the signal keeps no job alive (piscina: task with AbortSignal cleans up properly)", async () => {
  await withRuntime(startTestRuntime({ workers: 1 }), async ({ runtime }) => {
    const controller = new AbortController();
    const handle = runtime.spawnWith({ signal: controller.signal }, "add", 20, 22);
    assert.equal(await handle, 42);
    controller.abort();
    assert.equal(await handle, 42, "the handle keeps its result");
    assert.equal(runtime.liveJobs, 0);
    // One signal for many jobs: each one's watch ends with the job.
    const shared = new AbortController();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => runtime.spawnWith({ signal: shared.signal }, "add", i, 1)),
    );
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i + 1));
    shared.abort();
    assert.equal(runtime.liveJobs, 0);
  });
});
