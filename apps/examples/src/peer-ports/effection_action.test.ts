// Port of Effection's test/action.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6), written from the core and sync READMEs and the
// structured concurrency guide. Spindle has no `action()`; its closest form, `action(body)` below,
// is a `scoped` whose body runs as a task of the scope and settles the action through a oneshot
// (@spindle/sync): once settled, the scope closes and aborts the body, so its `finally` (the
// action's teardown) runs before the action's value is returned. `fromPromise((signal) =>
// new Promise(...))` is the other form (core README), with a teardown only when it is dropped, not
// when it settles. Timers here are the host's `setTimeout`, as Effection's test uses.
// Differs: a teardown that throws fails the action with a CancelledError whose `cause` is the
// thrown error (a clean-up that throws while its task is aborted, core README), not with the error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, type Coroutine, pending, scoped, type TaskScope } from "@spindle/core";
import { oneshot } from "@spindle/sync";
import { pausedTask } from "./paused-clock.ts";
import { failure, messageOf, type Settled, untilChildFails } from "./effection_support.ts";

/** Effection's `action(function* (resolve, reject) { ... })` on a scope and a oneshot. */
function action<T>(
  body: (resolve: (value: T) => void, reject: (error: unknown) => void) => Coroutine<void>,
): Coroutine<T> {
  return scoped(function* (scope: TaskScope<unknown>): Coroutine<T> {
    const [tx, rx] = oneshot<Settled<T>>();
    scope.spawn(body((value) => tx.send({ ok: true, value }), (error) => tx.send({ ok: false, error })));
    const settled = yield* untilChildFails(scope, rx);
    if (!settled.ok) throw settled.error;
    return settled.value;
  });
}

test("can resolve", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    let didClear = false;
    const task = executor.spawn(action<number>(function* (resolve): Coroutine<void> {
      const timeout = setTimeout(() => resolve(42), 5);
      try {
        yield* pending<void>();
      } finally {
        didClear = true;
        clearTimeout(timeout);
      }
    }));
    assert.equal(yield* task, 42);
    assert.equal(didClear, true);
  });
});

test("can reject", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    let didClear = false;
    const error = new Error("boom");
    const task = executor.spawn(action<number>(function* (_, reject): Coroutine<void> {
      const timeout = setTimeout(() => reject(error), 5);
      try {
        yield* pending<void>();
      } finally {
        didClear = true;
        clearTimeout(timeout);
      }
    }));
    assert.equal(yield* failure(task), error);
    assert.equal(didClear, true);
  });
});

test("can resolve without ever suspending", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const result = yield* executor.spawn(action<string>(function* (resolve): Coroutine<void> {
      resolve("hello");
    }));
    assert.equal(result, "hello");
  });
});

test("can reject without ever suspending", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const error = new Error("boom");
    const task = executor.spawn(action(function* (_, reject): Coroutine<void> {
      reject(error);
    }));
    assert.equal(yield* failure(task), error);
  });
});

test("can resolve before it suspends", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const result = yield* executor.spawn(action<string>(function* (resolve): Coroutine<void> {
      resolve("hello");
      yield* pending<void>();
    }));
    assert.equal(result, "hello");
  });
});

test("can reject before it suspends", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const error = new Error("boom");
    const task = executor.spawn(action(function* (_, reject): Coroutine<void> {
      reject(error);
      yield* pending<void>();
    }));
    assert.equal(yield* failure(task), error);
  });
});

test("fails if the operation fails", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const task = executor.spawn(action(function* (): Coroutine<void> {
      throw new Error("boom");
    }));
    assert.equal(messageOf(yield* failure(task)), "boom");
  });
});

test("fails if the shutdown fails", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const error = new Error("boom");
    const task = executor.spawn(action(function* (resolve): Coroutine<void> {
      const timeout = setTimeout(resolve, 5);
      try {
        yield* pending<void>();
      } finally {
        clearTimeout(timeout);
        // deno-lint-ignore no-unsafe-finally
        throw error;
      }
    }));
    const thrown = yield* failure(task);
    assert.ok(thrown instanceof CancelledError, String(thrown));
    assert.equal(thrown.cause, error);
  });
});

test("does not reach code that should be aborted", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    let didReach = false;
    const result = yield* executor.spawn(action<number>(function* (resolve): Coroutine<void> {
      resolve(10);
      yield* pending<void>();
      didReach = true;
    }));
    assert.equal(result, 10);
    assert.equal(didReach, false);
  });
});
