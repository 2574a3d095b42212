// Port of Effection's test/scope.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/core's TaskScope and TaskLocal, written
// from the core README and the structured concurrency guide. `createScope()` is `new TaskScope()`
// (run by `blockOn` where no task is around, as the guide shows), `scope.run(op)` is
// `scope.spawn(op)`, whose value comes out of `joinNextWithId` (its handle is an `AbortHandle`);
// Effection's contexts are `TaskLocal`s, set for a piece of work by `local.scope(value, work)`;
// an Effection resource is a task holding it open until its `finally` releases it.
// Differs: there is no ambient scope (`useScope()`): `scoped(body)` hands its scope to the body;
// a scope re-throws a failure nobody took from `close()`, where Effection's `scope.run` task
// carries it alone ("still closes open resources whenever something errors"); a scope holds no
// context values of its own (`scope.get`/`scope.set`): values are set around the work spawned.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  CancelledError,
  type Coroutine,
  pending,
  scoped,
  SpindleError,
  STREAM_END,
  TaskLocal,
  TaskScope,
  yieldNow,
} from "@spindle/core";
import { pausedTask } from "./paused-clock.ts";
import { failure, untilChildFails } from "./effection_support.ts";

test("can be used to run actions", () => {
  const scope = new TaskScope<number>();
  const t1 = scope.spawn(function* (): Coroutine<number> {
    return 1;
  }());
  const t2 = scope.spawn(function* (): Coroutine<number> {
    return 2;
  }());
  const values = new Map<number, number>();
  for (let outcome; (outcome = blockOn(scope.joinNextWithId())) !== STREAM_END;) {
    if (outcome.status === "fulfilled") values.set(outcome.id, outcome.value);
  }
  assert.equal(values.get(t1.id), 1);
  assert.equal(values.get(t2.id), 2);
  blockOn(scope.close());
});

test("succeeds on close if the frame has errored", () => {
  const error = new Error("boom!");
  const scope = new TaskScope();
  scope.spawn(function* (): Coroutine<void> {
    throw error;
  }());
  assert.throws(() => blockOn(scope.joinNext()), (thrown) => thrown === error);
  assert.equal(blockOn(scope.close()), undefined);
});

test("errors on close if there is an problem in teardown", async () => {
  await pausedTask(function* (): Coroutine<void> {
    const error = new Error("boom!");
    const scope = new TaskScope();
    scope.spawn(function* (): Coroutine<void> {
      try {
        yield* pending<void>();
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw error;
      }
    }());
    yield* yieldNow(); // the task enters its try
    let thrown: unknown;
    try {
      yield* scope.close();
    } catch (e) {
      thrown = e;
    }
    // The task's abort failed: a CancelledError whose cause is the teardown's error.
    assert.ok(thrown instanceof CancelledError, String(thrown));
    assert.equal(thrown.cause, error);
  });
});

/** Effection's `useTester`: a resource open while its task runs, closed by its `finally`. */
function* tester(state: { status?: string }): Coroutine<void> {
  try {
    state.status = "open";
    yield* pending<void>();
  } finally {
    state.status = "closed";
  }
}

test("still closes open resources whenever something errors", async () => {
  await pausedTask(function* (): Coroutine<void> {
    const error = new Error("boom!");
    const state: { status?: string } = {};
    const scope = new TaskScope();
    scope.spawn(tester(state));
    const bomb = scope.spawn(function* (): Coroutine<void> {
      yield* yieldNow(); // the tester opens first
      throw error;
    }());
    while (!bomb.isFinished) yield* yieldNow(); // a close() before the tasks ran would abort them unstarted
    let thrown: unknown;
    try {
      yield* scope.close();
    } catch (e) {
      thrown = e;
    }
    // Effection's close() succeeds (the failing task carried its error); a scope re-throws the
    // failure nobody took. Either way the resource is closed.
    assert.equal(thrown, error);
    assert.equal(state.status, "closed");
  });
});

test("let's you capture scope from an operation", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const state: { status?: string } = {};
    yield* executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(tester(state));
      yield* yieldNow();
      assert.equal(state.status, "open");
    }));
    assert.equal(state.status, "closed");
  });
});

test("has a separate context for each operation it runs", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const cxt = new TaskLocal<number>("number");
    function* incr(): Coroutine<number> {
      const value = cxt.get()!;
      return yield* cxt.scope(
        value + 1,
        function* (): Coroutine<number> {
          return cxt.get()!;
        }(),
      );
    }
    yield* cxt.scope(
      1,
      function* (): Coroutine<void> {
        const first = yield* executor.spawn(incr());
        const second = yield* executor.spawn(incr());
        const third = yield* executor.spawn(incr());
        assert.equal(cxt.get(), 1);
        assert.deepEqual([first, second, third], [2, 2, 2]);
      }(),
    );
  });
});

test("can get and set a context programatically", () => {
  const context = new TaskLocal<string>("aString");
  // Outside any scope of the local, get() gives undefined (isSet tells it from a value set to undefined).
  assert.equal(context.get(), undefined);
  assert.equal(context.isSet, false);
  const scope = new TaskScope<string>();
  // Effection sets the value on the scope; here around the work spawned into it.
  scope.spawn(context.scope(
    "Hello World!",
    function* (): Coroutine<string> {
      return context.get()!;
    }(),
  ));
  assert.equal(blockOn(scope.joinNext()), "Hello World!");
  assert.equal(context.get(), undefined);
  blockOn(scope.close());
});

test("propagates uncaught errors within a scope", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const error = new Error("boom");
    const result = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(function* (): Coroutine<void> {
        throw error;
      }());
      yield* untilChildFails(scope, pending<void>());
    }));
    assert.equal(yield* failure(result), error);
  });
});

test("throws an error if you try to run() with a dead scope", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const scope = yield* executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<TaskScope<void>> {
      return scope;
    }));
    assert.throws(
      () => scope.spawn(function* (): Coroutine<void> {}()),
      (e) => e instanceof SpindleError && e.code === "SCOPE_CLOSED",
    );
  });
});
