import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CancelledError,
  Context,
  type Coroutine,
  CoroutineFuture,
  fromGenerator,
  fromPromise,
  LocalExecutor,
  PENDING,
  pending,
  yieldNow,
} from "./mod.ts";
import { within } from "@spindle/test-support";

/** A real wait in a `finally` block: a host timer, so that the unwinding spans event-loop turns. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `depth` nested coroutines (`yield*`), the innermost waiting forever; every level logs its
 * `finally` (after waiting in it when `waits`) and logs "after" if it ever runs past its `yield*`.
 */
function* level(depth: number, waits: boolean, log: string[], started: () => void): Coroutine<number> {
  try {
    if (depth === 1) {
      started();
      yield* pending<void>();
    } else {
      yield* level(depth - 1, waits, log, started);
    }
    log.push(`after ${depth}`);
    yield* yieldNow();
    log.push(`after ${depth}, waited`);
    return depth;
  } finally {
    if (waits) {
      yield* fromPromise(sleep(2));
      yield* yieldNow();
    }
    log.push(`finally ${depth}`);
  }
}

for (const depth of [1, 2, 3]) {
  for (const waits of [false, true]) {
    test(`abort unwinds ${depth} nested yield* level(s) ${waits ? "whose finally blocks wait" : "with plain finally blocks"}: each finally once, no code after a cancelled yield*`, async () => {
      const executor = new LocalExecutor();
      const log: string[] = [];
      let started = false;
      const handle = executor.spawn(level(depth, waits, log, () => (started = true)));
      const run = executor.run();
      while (!started) await sleep(0);
      handle.abort();
      await within(assert.rejects(Promise.resolve(handle), CancelledError), 5000, "the aborted handle");
      await within(run, 5000, "run()");
      const finallies = Array.from({ length: depth }, (_, i) => `finally ${i + 1}`);
      assert.deepEqual(log, finallies, "innermost finally first, each once, nothing after a yield*");
    });
  }
}

test("the cancelled coroutine sees the handle's CancelledError at its yield*, and a catch that rethrows it keeps unwinding", async () => {
  const executor = new LocalExecutor();
  const seen: unknown[] = [];
  const log: string[] = [];
  function* inner(): Coroutine<void> {
    try {
      yield* pending<void>();
    } catch (error) {
      seen.push(error);
      yield* fromPromise(sleep(1)); // a catch block may wait too
      throw error;
    } finally {
      log.push("inner finally");
    }
  }
  function* outer(): Coroutine<string> {
    try {
      yield* inner();
      log.push("after inner");
    } catch (error) {
      seen.push(error);
      throw error;
    }
    return "completed";
  }
  const handle = executor.spawn(outer());
  const run = executor.run();
  await sleep(0);
  handle.abort();
  const error = await within(Promise.resolve(handle).then(() => null, (e: unknown) => e), 5000, "the handle");
  await run;
  assert.ok(error instanceof CancelledError);
  assert.equal(error.code, "CANCELLED");
  assert.equal(seen.length, 2);
  assert.ok(seen.every((e) => e === error), "each catch saw the very error the handle fails with");
  assert.deepEqual(log, ["inner finally"]);
});

test("abort(cause): the coroutine sees that cause on the CancelledError at its yield*, its handle fails with that very error, and a spawned future's drop and a fromPromise signal learn it", async () => {
  const executor = new LocalExecutor();
  const cause = new Error("the runtime is closing");
  // A coroutine task, aborted while it waits in fromPromise(factory), then in a finally block.
  let signal: AbortSignal | null = null;
  let seen: unknown = null;
  function* waits(): Coroutine<void> {
    try {
      yield* fromPromise((given) => {
        signal = given;
        return new Promise<void>(() => {});
      });
    } catch (error) {
      seen = error;
      throw error;
    }
  }
  const coroutine = executor.spawn(waits());
  // A spawned future (no coroutine of the task's own): a CoroutineFuture, then a bare fromPromise.
  let nestedSignal: AbortSignal | null = null;
  const nested = executor.spawn(fromGenerator((function* (): Coroutine<void> {
    yield* fromPromise((given) => {
      nestedSignal = given;
      return new Promise<void>(() => {});
    });
  })()));
  let bareSignal: AbortSignal | null = null;
  const bare = executor.spawn(fromPromise((given) => {
    bareSignal = given;
    return new Promise<void>(() => {});
  }));
  // Without a cause: as before, no cause anywhere.
  let plainSignal: AbortSignal | null = null;
  const plain = executor.spawn(fromPromise((given) => {
    plainSignal = given;
    return new Promise<void>(() => {});
  }));
  // Aborted during its own poll (the unwinding starts once that poll is over).
  let self = null as { abort(cause?: unknown): void } | null;
  const selfAborting = executor.spawn((function* (): Coroutine<void> {
    yield* yieldNow();
    self?.abort(cause);
    yield* pending<void>();
  })());
  self = selfAborting;
  const run = executor.run();
  await sleep(0);
  coroutine.abort(cause);
  coroutine.abort(new Error("a second abort's cause is ignored"));
  nested.abort(cause);
  bare.abort(cause);
  plain.abort();
  const failure = (handle: PromiseLike<unknown>) =>
    within(Promise.resolve(handle).then(() => null, (e: unknown) => e), 5000, "the handle");
  const error = await failure(coroutine);
  assert.ok(error instanceof CancelledError);
  assert.equal(error.cause, cause);
  assert.equal(seen, error, "the coroutine saw the very error its handle fails with");
  for (
    const [what, handle, given] of [["coroutine", null, signal], ["nested", nested, nestedSignal], [
      "bare",
      bare,
      bareSignal,
    ]] as const
  ) {
    if (handle !== null) assert.equal(((await failure(handle)) as Error).cause, cause, `${what}'s handle`);
    const reason = (given as AbortSignal | null)?.reason as unknown;
    assert.ok(reason instanceof CancelledError, `${what}'s signal was aborted with a CancelledError`);
    assert.equal(reason.cause, cause, `${what}'s signal's reason has the abort's cause`);
  }
  assert.equal(((await failure(selfAborting)) as Error).cause, cause, "aborted during its own poll");
  const plainError = await failure(plain);
  assert.ok(plainError instanceof CancelledError);
  assert.equal(plainError.cause, undefined);
  assert.equal(((plainSignal as AbortSignal | null)?.reason as Error).cause, undefined);
  await run;
});

test("a catch that swallows the cancellation cannot turn it into a result: the task still fails with CancelledError (the statements after its try statement run, as after any caught error)", async () => {
  const executor = new LocalExecutor();
  const log: string[] = [];
  function* inner(): Coroutine<void> {
    try {
      yield* pending<void>();
      log.push("after pending");
    } finally {
      yield* fromPromise(sleep(1));
      log.push("inner finally");
    }
  }
  function* swallowing(): Coroutine<string> {
    try {
      yield* inner();
      log.push("after yield* inner");
    } catch (error) {
      log.push(`caught ${(error as Error).name}`);
    } finally {
      yield* yieldNow();
      log.push("outer finally");
    }
    // JavaScript gives a catch block that swallows an error no way to be undone: the statements
    // after its try statement run, as after any caught exception. The task stays cancelled.
    log.push("after the try statement");
    yield* fromPromise(sleep(1));
    return "resurrected?";
  }
  const handle = executor.spawn(swallowing());
  const run = executor.run();
  await sleep(0);
  handle.abort();
  await within(assert.rejects(Promise.resolve(handle), CancelledError), 5000, "the handle");
  await within(run, 5000, "run()");
  assert.deepEqual(log, ["inner finally", "caught CancelledError", "outer finally", "after the try statement"]);
  assert.equal(executor.taskCount, 0);
});

test("a finally block that throws while unwinding: the handle fails with CancelledError, the thrown error as its cause", async () => {
  const executor = new LocalExecutor();
  const failure = new RangeError("clean-up failed");
  function* inner(): Coroutine<void> {
    try {
      yield* pending<void>();
    } finally {
      yield* yieldNow();
      // deno-lint-ignore no-unsafe-finally -- the clean-up that throws is what this test is about
      throw failure;
    }
  }
  function* outer(): Coroutine<void> {
    yield* inner();
  }
  const handle = executor.spawn(outer());
  const run = executor.run();
  await sleep(0);
  handle.abort();
  const error = await within(Promise.resolve(handle).then(() => null, (e: unknown) => e), 5000, "the handle");
  await run;
  assert.ok(error instanceof CancelledError);
  assert.equal(error.cause, failure);
});

test("closing the executor while a nested finally waits runs no code after the yield* (a drop cannot wait: the wait is cut short)", async () => {
  const executor = new LocalExecutor();
  const log: string[] = [];
  function* inner(): Coroutine<void> {
    try {
      yield* pending<void>();
    } finally {
      log.push("inner finally starts");
      yield* pending<void>(); // waits until the drop cuts it short
      log.push("inner finally done");
    }
  }
  function* outer(): Coroutine<void> {
    try {
      yield* inner();
      log.push("after yield* inner");
    } finally {
      log.push("outer finally");
    }
  }
  const handle = executor.spawn(outer());
  const run = executor.run();
  await sleep(0);
  handle.abort();
  await sleep(0);
  assert.deepEqual(log, ["inner finally starts"]);
  executor.close();
  await within(assert.rejects(Promise.resolve(handle), CancelledError), 5000, "the handle");
  await run;
  assert.deepEqual(log, ["inner finally starts", "outer finally"]);
});

test("CoroutineFuture.cancel() by hand: the unwinding goes on under poll, and poll then throws the cancellation", () => {
  const log: string[] = [];
  function* inner(): Coroutine<number> {
    try {
      yield* pending<void>();
      return 1;
    } finally {
      yield* yieldNow(); // pending once: the unwinding waits here
      log.push("inner finally");
    }
  }
  function* outer(): Coroutine<number> {
    const n: number = yield* inner();
    log.push("after inner");
    return n;
  }
  const future = fromGenerator(outer());
  const cx = Context.noop();
  assert.equal(future.poll(cx), PENDING);
  const reason = new CancelledError("the test's coroutine");
  assert.equal(future.cancel(reason), false, "the finally waits");
  assert.deepEqual(log, []);
  assert.equal(future.poll(cx), PENDING, "yieldNow() in the finally is pending once");
  assert.throws(() => future.poll(cx), (e: unknown) => e === reason);
  assert.deepEqual(log, ["inner finally"]);
  assert.equal(new CoroutineFuture(outer()).cancel(), true, "a coroutine that never ran has nothing to unwind");
});
