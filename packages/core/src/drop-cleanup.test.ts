// A coroutine dropped or cancelled while its `finally` block yields something that is no future,
// even a value that cannot be read (a revoked Proxy), still unwinds to the end: every outer
// `finally` block runs, and a drop does not throw. Before, reading that value threw out of the
// drop, left the coroutine suspended with its outer `finally` blocks unrun, and failed the
// combinator dropping it (race, select, abortable, joinAll, an executor's close) with the read's
// error. And a drop of several futures drops every one, even when the clean-up of one throws,
// then throws that error.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  abortable,
  blockOn,
  CancellationToken,
  CancelledError,
  Context,
  type Coroutine,
  drop,
  fromGenerator,
  joinAll,
  LocalExecutor,
  merge,
  PENDING,
  pending,
  type Poll,
  race,
  ready,
  select,
  type SpindleError,
  Stream,
  type StreamEnd,
  takeUntil,
} from "./mod.ts";

/** What a coroutine's `finally` blocks did. */
interface Trace {
  inner: boolean;
  afterYield: boolean;
  outer: boolean;
}

const newTrace = (): Trace => ({ inner: false, afterYield: false, outer: false });

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** Waits forever; its inner `finally` yields `yielded`, its outer one records that it ran. */
function* yieldsInFinally(trace: Trace, yielded: unknown): Coroutine<string> {
  try {
    try {
      yield* pending<void>();
    } finally {
      trace.inner = true;
      yield yielded as never;
      trace.afterYield = true;
    }
  } finally {
    trace.outer = true;
  }
  return "returned";
}

/** Waits forever; its `finally` throws `error`. */
function* throwsInFinally(error: Error): Coroutine<string> {
  try {
    return yield* pending<string>();
  } finally {
    // deno-lint-ignore no-unsafe-finally
    throw error;
  }
}

/** Lets an executor's tasks run until each waits. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Asserts that a dropped coroutine ran both `finally` blocks and was left at the yield, as at any yielded future. */
function assertDropped(trace: Trace): void {
  assert.deepEqual(trace, { inner: true, afterYield: false, outer: true });
}

for (const [what, yielded] of [["a revoked Proxy", revoked()], ["a number", 5], ["a plain object", {}]] as const) {
  test(`a dropped coroutine whose finally yields ${what} unwinds to the end, and the drop does not throw`, () => {
    const trace = newTrace();
    const future = fromGenerator(yieldsInFinally(trace, yielded));
    assert.equal(future.poll(Context.noop()), PENDING);
    drop(future);
    assertDropped(trace);
  });
}

test("closing an executor drops such a task to the end; it and the other tasks are cancelled without a cause", async () => {
  const trace = newTrace();
  const executor = new LocalExecutor();
  const dropped = executor.spawn(yieldsInFinally(trace, revoked()));
  const other = executor.spawn(pending<void>());
  const run = executor.run();
  await settle();
  executor.close();
  assertDropped(trace);
  for (const handle of [dropped, other]) {
    const error = await Promise.resolve(handle).then(() => assert.fail("cancelled"), (e: unknown) => e);
    assert.ok(error instanceof CancelledError);
    assert.equal(error.cause, undefined, "the drop did not fail");
  }
  await run;
});

for (const wrapped of [false, true]) {
  test(`aborting a task${wrapped ? " spawned as fromGenerator(...)" : ""} whose finally yields a revoked Proxy throws the read's error back in, and its outer finally runs`, async () => {
    const trace = newTrace();
    const executor = new LocalExecutor();
    const coroutine = yieldsInFinally(trace, revoked());
    const handle = executor.spawn(wrapped ? fromGenerator(coroutine) : coroutine);
    const run = executor.run();
    await settle();
    handle.abort();
    const error = await Promise.resolve(handle).then(() => assert.fail("cancelled"), (e: unknown) => e);
    assert.ok(error instanceof CancelledError);
    assert.equal((error.cause as SpindleError).code, "INVALID_ARGUMENT", "what the clean-up block threw");
    assert.deepEqual(trace, { inner: true, afterYield: false, outer: true });
    await run;
  });
}

test("race, select, abortable and joinAll drop such a loser to the end and keep their own outcome", async () => {
  const traces = [newTrace(), newTrace(), newTrace(), newTrace()] as const;
  assert.equal(blockOn(race([yieldsInFinally(traces[0], revoked()), ready("won")])), "won");
  const selected = blockOn(select(yieldsInFinally(traces[1], revoked()), ready("won")));
  assert.equal(selected.value, "won");
  drop(selected.rest);
  const failure = new RangeError("sibling failed");
  assert.throws(
    () => blockOn(joinAll([yieldsInFinally(traces[2], revoked()), fromGenerator(failsAtOnce(failure))])),
    (error) => error === failure,
  );
  const executor = new LocalExecutor();
  const controller = new AbortController();
  const handle = executor.spawn(abortable(yieldsInFinally(traces[3], revoked()), controller.signal));
  const run = executor.run();
  await settle();
  const reason = new Error("stop");
  controller.abort(reason);
  await assert.rejects(Promise.resolve(handle), (error) => error === reason);
  await run;
  for (const trace of traces) assertDropped(trace);
});

// deno-lint-ignore require-yield
function* failsAtOnce(error: Error): Coroutine<string> {
  throw error;
}

test("a drop of several futures drops every one when a clean-up throws, then throws that error", () => {
  const cleanup = new TypeError("clean-up failed");
  const trace = newTrace();
  assert.throws(
    () => blockOn(race([throwsInFinally(cleanup), yieldsInFinally(trace, 5), ready("won")])),
    (error) => error === cleanup,
  );
  assertDropped(trace);
  const selectTrace = newTrace();
  const both = select(throwsInFinally(cleanup), yieldsInFinally(selectTrace, 5));
  assert.equal(both.poll(Context.noop()), PENDING);
  assert.throws(() => drop(both), (error) => error === cleanup);
  assertDropped(selectTrace);
  const second = new RangeError("second clean-up failed");
  const two = race([throwsInFinally(cleanup), throwsInFinally(second)]);
  assert.equal(two.poll(Context.noop()), PENDING);
  assert.throws(
    () => drop(two),
    (error) => error instanceof AggregateError && error.errors[0] === cleanup && error.errors[1] === second,
  );
});

/** A stream that never yields; its drop throws `error` when given, and is counted. */
class DropStream extends Stream<number> {
  dropped = 0;
  readonly error: Error | null;
  constructor(error: Error | null) {
    super();
    this.error = error;
  }
  pollNext(): Poll<number | StreamEnd> {
    return PENDING;
  }
  override [Symbol.dispose](): void {
    this.dropped++;
    if (this.error !== null) throw this.error;
  }
}

test("merge, takeUntil and runUntilCancelled drop both of what they hold when the first drop throws", () => {
  const cleanup = new TypeError("clean-up failed");
  const failing = new DropStream(cleanup);
  const other = new DropStream(null);
  assert.throws(() => merge(failing, other)[Symbol.dispose](), (error) => error === cleanup);
  assert.deepEqual([failing.dropped, other.dropped], [1, 1]);
  const trace = newTrace();
  const stop = fromGenerator(yieldsInFinally(trace, 5));
  assert.equal(stop.poll(Context.noop()), PENDING);
  assert.throws(() => takeUntil(new DropStream(cleanup), stop)[Symbol.dispose](), (error) => error === cleanup);
  assertDropped(trace);
  const workTrace = newTrace();
  const run = new CancellationToken().runUntilCancelled(throwsInFinally(cleanup));
  assert.equal(run.poll(Context.noop()), PENDING);
  assert.throws(() => drop(run), (error) => error === cleanup);
  const both = new CancellationToken().runUntilCancelled(yieldsInFinally(workTrace, 5));
  assert.equal(both.poll(Context.noop()), PENDING);
  drop(both);
  assertDropped(workTrace);
});
