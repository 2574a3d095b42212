// A job whose coroutine never suspends although it awaits (it joins children that run in place,
// each join complete at once, as an always-ready future is) must still return to its worker's
// executor after its cooperative budget: the worker's other jobs run, and its machine takes stop
// requests, so that a progressing job's worker is not taken for stuck and terminated. Before,
// a join in place took nothing from the budget: with one worker, the other jobs waited until the
// loop ended, and an abort of another job on that worker terminated it (its looping job then
// failed with WorkerLostError).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError } from "@spindle/core";
import { until, withRuntime } from "@spindle/test-support";
import { Runtime } from "./mod.ts";
import { reasonOf, settleWithin } from "./test-support/runtime.ts";
import type jobs from "./test-support/coop-jobs.ts";

/**
 * How long the looping job loops at most without seeing the flag, and how long the other jobs may
 * take to settle: hang bounds that no load reaches, not measures. What is asserted is the order of
 * events, by the looping job's count of joins: the abort settled, and the flag was set, while the
 * loop went on. The old code (a join in place taking no budget) ran the loop to its limit first.
 */
const LOOP_LIMIT_MS = 60_000;
const SETTLE_MS = 30_000;
/**
 * Longer than any pause of a worker that takes stop requests (a false death would fail the looping
 * job), shorter than the loop's limit: a worker that takes none is terminated.
 */
const GRACE_MS = 20_000;

test("a job joining always-ready children in a loop lets its worker's other jobs run and answer aborts (no false death)", async () => {
  const words = new Int32Array(new SharedArrayBuffer(8));
  const started = Runtime.start<typeof jobs>(new URL("./test-support/coop-jobs.ts", import.meta.url), {
    workers: 1,
    maxExtraMachines: 0,
    abortGraceMs: GRACE_MS,
    workerData: { words },
  });
  await withRuntime(started, async (runtime) => {
    const waiting = runtime.spawn("waitForever");
    const looping = runtime.spawn("joinUntilFlag", LOOP_LIMIT_MS);
    await until(() => Atomics.load(words, 1) > 0, "the looping job starting", SETTLE_MS);
    // Another job on the same (only) worker is aborted while the loop runs: the machine must take
    // the request within the grace period, or the runtime terminates the worker.
    waiting.abort();
    const aborted = reasonOf(await settleWithin(waiting, "the aborted job", SETTLE_MS), "the aborted job");
    assert.ok(aborted instanceof CancelledError, String(aborted));
    const joinsWhenAborted = Atomics.load(words, 1);
    // A job spawned now runs on that worker while the loop goes on, and ends the loop.
    const setter = runtime.spawn("setFlag");
    assert.deepEqual(await settleWithin(setter, "the flag job", SETTLE_MS), { status: "fulfilled", value: undefined });
    const outcome = await settleWithin(looping, "the looping job", SETTLE_MS + LOOP_LIMIT_MS);
    assert.equal(outcome.status, "fulfilled", `the looping job: ${String((outcome as PromiseRejectedResult).reason)}`);
    const { sawFlag, joins } = (outcome as PromiseFulfilledResult<{ sawFlag: boolean; joins: number }>).value;
    assert.ok(sawFlag, `the flag job ran while the loop ran (${joins} joins)`);
    assert.ok(
      joins > joinsWhenAborted,
      `the loop went on after the abort settled (${joinsWhenAborted} then ${joins} joins)`,
    );
  });
});
