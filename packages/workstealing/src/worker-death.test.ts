// Worker deaths from errors thrown asynchronously (issue 17, items 1 and 7): every handle of a job
// on the dead worker settles promptly, with the error that killed the worker as its cause, and the
// replacement serves jobs that wait on host timers and promises at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WorkerLostError } from "./mod.ts";
import { until, withRuntime } from "@spindle/test-support";
import { reasonOf, settleWithin, startTestRuntime } from "./test-support/runtime.ts";

// Each handle must settle within these (hang bounds, not measures): a job that needs no new
// worker takes milliseconds; one that waits for the replacement waits for a worker's start,
// which under `deno test` (it type-checks each worker's modules) took 2–3 s, and more under load.
const SETTLE_MS = 5_000;
const REPLACEMENT_MS = 30_000;

test("after a worker dies from an asynchronous error, its job fails promptly and jobs waiting on host timers and promises on the replacement are not held up", async () => {
  // Before the fix, the replacement inherited its predecessor's PARKED parker word (a machine
  // dies in a host callback, which runs while it is parked); its first park without blocking then
  // spun on for good, so jobs there waiting on a host timer or promise (or a crashing job's own
  // timer) waited until some other job reached that worker. With one worker, the jobs spawned
  // right after the death all go to the replacement: every round hung.
  await withRuntime(startTestRuntime({ workers: 1, maxExtraMachines: 0 }, 64), async ({ runtime, counters }) => {
    for (const [round, how] of (["throw", "reject"] as const).entries()) {
      const queued = Array.from({ length: 20 }, (_, i) => runtime.spawn("count", round * 20 + i));
      const crashed = runtime.spawn("crashWith", how);
      const error = reasonOf(
        await settleWithin(crashed, `round ${round}: the crashing job`, SETTLE_MS),
        "the crashing job",
      );
      assert.ok(error instanceof WorkerLostError, `round ${round}: ${String(error)}`);
      const waiting = [
        ...Array.from({ length: 4 }, () => runtime.spawn("hostPromise", 1)),
        ...Array.from({ length: 2 }, () => runtime.spawn("hostPromise", 0)),
      ];
      for (const [i, handle] of waiting.entries()) {
        const outcome = await settleWithin(handle, `round ${round}: waiting job ${i}`, REPLACEMENT_MS);
        assert.equal(outcome.status, "fulfilled", `round ${round}: waiting job ${i}`);
      }
      for (const [i, handle] of queued.entries()) {
        assert.deepEqual(await settleWithin(handle, `round ${round}: queued job ${i}`, SETTLE_MS), {
          status: "fulfilled",
          value: 1,
        });
      }
      // Once the replacement has settled in, a job that waits on a host timer is as quick.
      await until(() => runtime.machines === 1, "the replacement", REPLACEMENT_MS);
      assert.equal(
        (await settleWithin(runtime.spawn("hostPromise", 1), `round ${round}: a later waiting job`, SETTLE_MS)).status,
        "fulfilled",
      );
    }
    assert.ok(counters.slice(0, 40).every((count) => count === 1), "every queued job ran exactly once");
  });
});

test("WorkerLostError carries the uncaught error that killed the worker as its cause: name, message, stack and own properties", async () => {
  await withRuntime(startTestRuntime({ workers: 2, maxExtraMachines: 0 }), async ({ runtime }) => {
    const error = reasonOf(
      await settleWithin(runtime.spawn("crashWith", "throw"), "the crashing job", SETTLE_MS),
      "the crashing job",
    );
    assert.ok(error instanceof WorkerLostError);
    assert.equal(error.job, "crashWith");
    assert.equal(error.exitCode, 1);
    const cause = error.cause as Error & { code?: unknown };
    assert.ok(cause instanceof TypeError, `cause: ${String(cause)}`);
    assert.equal(cause.message, "thrown in a host callback");
    assert.equal(cause.code, "E_HOST");
    assert.match(cause.stack ?? "", /test-jobs\.ts/);
  });
});

test("WorkerLostError carries an unhandled rejection that killed the worker as its cause", async () => {
  await withRuntime(startTestRuntime({ workers: 2, maxExtraMachines: 0 }), async ({ runtime }) => {
    const error = reasonOf(
      await settleWithin(runtime.spawn("crashWith", "reject"), "the crashing job", SETTLE_MS),
      "the crashing job",
    );
    assert.ok(error instanceof WorkerLostError);
    const cause = error.cause as Error;
    assert.ok(cause instanceof RangeError, `cause: ${String(cause)}`);
    assert.equal(cause.message, "rejected with nobody listening");
    assert.match(cause.stack ?? "", /test-jobs\.ts/);
    // A worker that exits on purpose reports no error: the cause names its exit code instead.
    const exited = reasonOf(
      await settleWithin(runtime.spawn("exit", 5), "the exiting job", SETTLE_MS),
      "the exiting job",
    );
    assert.ok(exited instanceof WorkerLostError);
    assert.equal(exited.exitCode, 5);
    assert.match((exited.cause as Error)?.message, /worker \d+ exited with code 5 and no error while running a job/);
  });
});
