// Port of Effection's test/call.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6), written from the core README. Spindle has no `call()`:
// an operation function is called and its coroutine `yield*`ed, a promise or an async function is
// `fromPromise(promise)` / `fromPromise(() => promise)`, and a plain value is just the value
// (`ready(value)` where a future is wanted). Effection's vanilla-function tests guard against an
// iterable result (a string, an array, a Map, a Set, a generator function) being run as an
// operation: here such a value is neither a coroutine nor a future, and `ready` hands it back as is.
// Effection's `call` is also an error boundary (its children's failures end it); that is `scoped`.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Coroutine,
  fromPromise,
  isCoroutine,
  isFuture,
  pending,
  ready,
  scoped,
  SpindleError,
  type TaskScope,
} from "@spindle/core";
import { pausedTask } from "./paused-clock.ts";
import { untilChildFails } from "./effection_support.ts";

test("evaluates an operation function", async () => {
  await pausedTask(function* (): Coroutine<void> {
    function* fn(): Coroutine<number> {
      return 10;
    }
    assert.equal(yield* fn(), 10);
  });
});

test("evaluates an operation directly", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const operation = {
      *[Symbol.iterator](): Coroutine<number> {
        return 42;
      },
    };
    assert.equal(yield* operation, 42);
    // An iterable object is no future: spawning it is a typed error naming it.
    assert.throws(
      () => executor.spawn(operation as never),
      (e) => e instanceof SpindleError && e.code === "NOT_A_FUTURE",
    );
  });
});

test("evaluates an async function", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.equal(
      yield* executor.spawn(fromPromise(async function (): Promise<number> {
        await Promise.resolve();
        return 42;
      })),
      42,
    );
  });
});

test("evaluates a no-arg async function", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.equal(yield* executor.spawn(fromPromise(() => Promise.resolve(42))), 42);
  });
});

test("evaluates a promise directly", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.equal(yield* executor.spawn(fromPromise(Promise.resolve(42))), 42);
  });
});

test("can be used as an error boundary", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const error = new Error("boom!");
    const result = yield* executor.spawn(function* (): Coroutine<unknown> {
      try {
        yield* scoped(function* (scope: TaskScope<void>): Coroutine<void> {
          scope.spawn(function* (): Coroutine<void> {
            throw error;
          }());
          yield* untilChildFails(scope, pending<void>());
        });
      } catch (error) {
        return error;
      }
    }());
    assert.equal(result, error);
  });
});

/** Calls `fn` and hands its value back through a task, checking it is not taken for work. */
function* callVanilla<T>(fn: () => T): Coroutine<T> {
  const value = fn();
  assert.equal(isCoroutine(value), false);
  assert.equal(isFuture(value), false);
  return yield* ready(value);
}

test("evaluates a vanilla function", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.equal(yield* executor.spawn(callVanilla(() => 42)), 42);
  });
});

test("evaluates a vanilla function that returns an iterable string", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.equal(yield* executor.spawn(callVanilla(() => "123")), "123");
  });
});

test("evaluates a vanilla function that returns an iterable array", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.deepEqual(yield* executor.spawn(callVanilla(() => [1, 2, 3])), [1, 2, 3]);
  });
});

test("evaluates a vanilla function that returns an iterable map", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const map = new Map([["1", 1], ["2", 2], ["3", 3]]);
    assert.equal(yield* executor.spawn(callVanilla(() => map)), map);
  });
});

test("evaluates a vanilla function that returns an iterable set", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const set = new Set([1, 2, 3]);
    assert.equal(yield* executor.spawn(callVanilla(() => set)), set);
  });
});

test("evaluates a vanilla function that returns an iterator", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    function* eq(): Coroutine<string> {
      return "value";
    }
    assert.equal(yield* executor.spawn(callVanilla(() => eq)), eq);
  });
});
