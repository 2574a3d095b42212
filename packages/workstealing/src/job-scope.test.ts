// Item 4 of issue 23: join(a, b) and scopes of child jobs inside a job, which end only when
// every child they own has ended.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, SpindleError } from "@spindle/core";
import { JobScope, JobSet, join, scope } from "./mod.ts";
import { until } from "@spindle/test-support";
import { settleWithin, startTestRuntime } from "./test-support/runtime.ts";

const SETTLE_WITHIN_MS = 10_000;

/** Counters of children that wait for ever: 0 never ran, 2 aborted (finally ran); 1 = still running (a leak). */
function assertNoneLeft(counters: Int32Array, from: number, count: number): void {
  const left = [...counters.slice(from, from + count)].indexOf(1);
  assert.equal(left, -1, `child ${from + left} is still running`);
}

test("join returns both children's results as a pair", async () => {
  const { runtime } = await startTestRuntime();
  try {
    assert.deepEqual(await runtime.spawn("joinPair", 1, 41), [2, 42]);
  } finally {
    await runtime.shutdown();
  }
});

test("join: when the first child fails, the second is aborted and waited for", async () => {
  const { runtime, counters } = await startTestRuntime();
  try {
    const outcome = await settleWithin(runtime.spawn("joinFirstFails", 0), "the join", SETTLE_WITHIN_MS);
    const error = (outcome as PromiseRejectedResult).reason;
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, "first");
    assertNoneLeft(counters, 0, 1);
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("a scope joins the children its body did not join before it returns", async () => {
  const { runtime } = await startTestRuntime({}, 64);
  try {
    assert.equal(await runtime.spawn("scopeJoinsTheRest", 0, 64), 64);
  } finally {
    await runtime.shutdown();
  }
});

test("a scope whose body throws aborts its children and waits for them", async () => {
  const { runtime, counters } = await startTestRuntime();
  try {
    const outcome = await settleWithin(runtime.spawn("scopeBodyFails", 0, 8), "the scope", SETTLE_WITHIN_MS);
    const error = (outcome as PromiseRejectedResult).reason;
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, "body failed");
    assertNoneLeft(counters, 0, 8);
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("a scope fails with a child's error and aborts the other children", async () => {
  const { runtime, counters } = await startTestRuntime();
  try {
    const outcome = await settleWithin(runtime.spawn("scopeChildFails", 0), "the scope", SETTLE_WITHIN_MS);
    const error = (outcome as PromiseRejectedResult).reason;
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, "child failed");
    assertNoneLeft(counters, 0, 1);
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("aborting a job inside a scope aborts the scope's children, and the job ends after them", async () => {
  const { runtime, counters } = await startTestRuntime();
  try {
    const handle = runtime.spawn("scopeWaits", 0, 6);
    await until(() => counters.slice(0, 6).every((count) => count === 1), "every child waiting");
    handle.abort();
    const outcome = await settleWithin(handle, "the aborted job", SETTLE_WITHIN_MS);
    assert.ok((outcome as PromiseRejectedResult).reason instanceof CancelledError);
    assert.deepEqual([...counters.slice(0, 6)], [2, 2, 2, 2, 2, 2]);
    await until(() => runtime.liveJobs === 0, "no job left");
  } finally {
    await runtime.shutdown();
  }
});

test("join and scope given something else than handles, a job set or a body are INVALID_ARGUMENT naming it, at the call", () => {
  // Before: join(5, 6) failed with a bare TypeError from `yield*` on a number; then with this
  // error, but only at the coroutine's first step, far from the call that was wrong.
  const invalid = (pattern: RegExp) => (error: unknown) =>
    error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && pattern.test(error.message);
  assert.throws(() => join(5 as never, 6 as never), invalid(/join\(\) takes two job handles.*got 5/));
  assert.throws(() => scope(null as never, function* () {}), invalid(/scope\(\) takes the job set.*got null/));
  assert.throws(
    () => scope({ spawn() {} } as never, 7 as never),
    invalid(/scope\(\) takes a generator function.*got 7/),
  );
  // The public constructors check what their factories check: new JobScope(undefined).spawn()
  // and new JobSet(undefined) threw the engine's TypeErrors.
  assert.throws(() => new JobScope(undefined as never), invalid(/scope\(\) takes the job set.*got undefined/));
  assert.throws(() => new JobSet(undefined as never), /defineJobs\(\) needs an object of job functions, got undefined/);
  assert.throws(() => new JobSet({ a: 5 } as never), /job "a" must be a function, got 5/);
});
