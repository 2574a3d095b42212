// Worker deaths from errors thrown asynchronously (issue 17, items 1 and 7): every handle of a job
// on the dead worker settles promptly, with the error that killed the worker as its cause, and the
// replacement serves jobs that wait on host timers and promises at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WorkerLostError } from "./mod.ts";
import { reasonOf, settleWithin, startTestRuntime, until } from "./test-support/runtime.ts";

// Each handle must settle within this (a hang bound; the jobs take a few milliseconds).
const LIMIT_MS = 5_000;

test("after a worker dies from an asynchronous error, its job fails promptly and jobs waiting on host timers and promises on the replacement are not held up", async () => {
  // Before the fix, the replacement inherited its predecessor's PARKED parker word; its first park
  // without blocking then spun on for good, so a job there waiting on a host timer (or a crashing
  // job's own timer) waited until some other job reached that worker: about half of the rounds.
  const { runtime, counters } = await startTestRuntime({ workers: 2, maxExtraMachines: 0 }, 256);
  try {
    for (let round = 0; round < 6; round++) {
      const crashed = runtime.spawn("crashWith", round % 2 === 0 ? "throw" : "reject");
      const queued = Array.from({ length: 20 }, (_, i) => runtime.spawn("count", round * 20 + i));
      const error = reasonOf(await settleWithin(crashed, `round ${round}: the crashing job`, LIMIT_MS), "the crashing job");
      assert.ok(error instanceof WorkerLostError, `round ${round}: ${String(error)}`);
      await until(() => runtime.machines === 2, `round ${round}: the replacement`, LIMIT_MS);
      const waiting = [
        ...Array.from({ length: 4 }, () => runtime.spawn("hostPromise", 1)),
        ...Array.from({ length: 2 }, () => runtime.spawn("hostPromise", 0)),
      ];
      for (const [i, handle] of waiting.entries()) {
        const outcome = await settleWithin(handle, `round ${round}: waiting job ${i}`, LIMIT_MS);
        assert.equal(outcome.status, "fulfilled", `round ${round}: waiting job ${i}`);
      }
      for (const [i, handle] of queued.entries()) {
        assert.deepEqual(await settleWithin(handle, `round ${round}: queued job ${i}`, LIMIT_MS), { status: "fulfilled", value: 1 });
      }
    }
    assert.ok(counters.slice(0, 120).every((count) => count === 1), "every queued job ran exactly once");
  } finally {
    await runtime.shutdown();
  }
});

test("WorkerLostError carries the uncaught error that killed the worker as its cause: name, message, stack and own properties", async () => {
  const { runtime } = await startTestRuntime({ workers: 2, maxExtraMachines: 0 });
  try {
    const error = reasonOf(await settleWithin(runtime.spawn("crashWith", "throw"), "the crashing job", LIMIT_MS), "the crashing job");
    assert.ok(error instanceof WorkerLostError);
    assert.equal(error.job, "crashWith");
    assert.equal(error.exitCode, 1);
    const cause = error.cause as Error & { code?: unknown };
    assert.ok(cause instanceof TypeError, `cause: ${String(cause)}`);
    assert.equal(cause.message, "thrown in a host callback");
    assert.equal(cause.code, "E_HOST");
    assert.match(cause.stack ?? "", /test-jobs\.ts/);
  } finally {
    await runtime.shutdown();
  }
});

test("WorkerLostError carries an unhandled rejection that killed the worker as its cause", async () => {
  const { runtime } = await startTestRuntime({ workers: 2, maxExtraMachines: 0 });
  try {
    const error = reasonOf(await settleWithin(runtime.spawn("crashWith", "reject"), "the crashing job", LIMIT_MS), "the crashing job");
    assert.ok(error instanceof WorkerLostError);
    const cause = error.cause as Error;
    assert.ok(cause instanceof RangeError, `cause: ${String(cause)}`);
    assert.equal(cause.message, "rejected with nobody listening");
    assert.match(cause.stack ?? "", /test-jobs\.ts/);
    // A worker that exits on purpose reports no error: no cause.
    const exited = reasonOf(await settleWithin(runtime.spawn("exit", 5), "the exiting job", LIMIT_MS), "the exiting job");
    assert.ok(exited instanceof WorkerLostError);
    assert.equal(exited.exitCode, 5);
    assert.equal(exited.cause, undefined);
  } finally {
    await runtime.shutdown();
  }
});
