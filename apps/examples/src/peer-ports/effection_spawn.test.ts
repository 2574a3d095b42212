// Port of Effection's test/spawn.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/core, written from the core README and
// the structured concurrency guide. Effection's `run(op)` is a task of a LocalExecutor whose idle
// turns advance a VirtualClock (`pausedTask`); an operation that spawns is `scoped(body)`, and
// `spawn` is `scope.spawn`; `task.halt()` is `handle.abort()` and "halted" a `CancelledError`.
// Differs: a child's failure does not interrupt its parent's body, which learns of it where it
// waits on the scope (`joinAll`, `close`, or `untilChildFails` in effection_support.ts); a cleanup
// that throws while its task is aborted fails the task with a CancelledError whose `cause` is the
// error (core README); `close()` aborts the tasks left all at once, so their `finally` blocks run
// concurrently, where Effection tears children down one by one, the last spawned first (nested
// scopes give that order). A scope's `spawn` returns an `AbortHandle`, not a task to await: a
// child's value comes out of `joinNext`, and these ports record each child's end with `tracked`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, type Coroutine, fromPromise, pending, scoped, type TaskScope, yieldNow } from "@spindle/core";
import type { VirtualClock } from "@spindle/timer";
import { pausedTask } from "./paused-clock.ts";
import {
  failure,
  haltOnceWaiting,
  isHalted,
  messageOf,
  outcome,
  tracked,
  untilChildFails,
} from "./effection_support.ts";

test("can spawn a new child task", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const root = executor.spawn(scoped(function* (scope: TaskScope<number>): Coroutine<number> {
      scope.spawn(function* (): Coroutine<number> {
        const one = yield* fromPromise(Promise.resolve(12));
        const two = yield* fromPromise(Promise.resolve(55));
        return one + two;
      }());
      return (yield* scope.joinNext()) as number;
    }));
    assert.equal(yield* root, 67);
  });
});

test("halts child when halted", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const child = outcome();
    const root = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(tracked(pending<void>(), child));
      yield* pending<void>();
    }));
    yield* yieldNow();
    root.abort();
    assert.ok(isHalted(yield* failure(root)));
    assert.deepEqual(child.current, { status: "halted" });
  });
});

test("halts child when finishing normally", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const child = outcome();
    const root = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<number> {
      scope.spawn(tracked(pending<void>(), child));
      yield* yieldNow(); // the child starts (Effection's spawn runs it at once)
      return 1;
    }));
    assert.equal(yield* root, 1);
    assert.deepEqual(child.current, { status: "halted" });
  });
});

test("halts child when errored", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const child = outcome();
    const root = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(tracked(pending<void>(), child));
      yield* yieldNow(); // the child starts (Effection's spawn runs it at once)
      throw new Error("boom");
    }));
    assert.equal(messageOf(yield* failure(root)), "boom");
    assert.deepEqual(child.current, { status: "halted" });
  });
});

test("rejects parent when child errors", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const error = new Error("moo");
    const child = outcome();
    // The parent waits on its scope (Effection's parent suspends and is interrupted).
    const root = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(tracked(
        function* (): Coroutine<void> {
          yield* clock.timer.sleep(1);
          throw error;
        }(),
        child,
      ));
      yield* untilChildFails(scope, pending<void>());
    }));
    assert.equal(yield* failure(root), error);
    assert.deepEqual(child.current, { status: "failed", error });
  });
});

test("finishes normally when child halts", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const child = outcome();
    const root = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<string> {
      const handle = scope.spawn(tracked(pending<void>(), child));
      yield* yieldNow(); // the child starts (Effection's spawn runs it at once)
      handle.abort();
      while (!handle.isFinished) yield* yieldNow();
      return "foo";
    }));
    assert.equal(yield* root, "foo");
    assert.deepEqual(child.current, { status: "halted" });
  });
});

/** A child whose cleanup throws "moo". */
function* throwsOnCleanup(): Coroutine<void> {
  try {
    yield* pending<void>();
  } finally {
    // deno-lint-ignore no-unsafe-finally
    throw new Error("moo");
  }
}

test("rejects when child errors during completing", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const child = outcome();
    const root = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<string> {
      scope.spawn(tracked(throwsOnCleanup(), child));
      yield* yieldNow(); // the child enters its `try` (an unstarted coroutine has no `finally` to run)
      return "foo";
    }));
    const rootError = yield* failure(root);
    // Effection: both reject with "moo"; here the child's abort failed with "moo" as its cause.
    assert.ok(child.current.status === "failed" && messageOf(child.current.error) === "moo");
    assert.ok(rootError instanceof CancelledError, String(rootError));
    assert.equal(messageOf(rootError.cause), "moo");
  });
});

test("rejects when child errors during halting", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const child = outcome();
    const root = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<string> {
      scope.spawn(tracked(throwsOnCleanup(), child));
      yield* pending<void>();
      return "foo";
    }));
    yield* yieldNow();
    root.abort();
    const rootError = yield* failure(root);
    // The root's abort failed in its clean-up (closing the scope), with the child's as the cause.
    assert.ok(rootError instanceof CancelledError, String(rootError));
    assert.ok(rootError.cause instanceof CancelledError, String(rootError.cause));
    assert.equal(messageOf(rootError.cause.cause), "moo");
    assert.ok(child.current.status === "failed" && messageOf(child.current.error) === "moo");
    // Halting again changes nothing. Effection's second `halt()` rejects with the failure again; a
    // JoinHandle is a future, joined once (a second join throws FUTURE_COMPLETED).
    root.abort();
    assert.equal(root.isFinished, true);
  });
});

test("halts when child finishes during asynchronous halt", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    let didFinish = false;
    assert.ok(isHalted(
      yield* haltOnceWaiting(
        executor,
        scoped(function* (scope: TaskScope<void>): Coroutine<void> {
          scope.spawn(clock.timer.sleep(5));
          try {
            yield* pending<void>();
          } finally {
            yield* clock.timer.sleep(20);
            didFinish = true;
          }
        }),
      ),
    ));
    assert.equal(didFinish, true);
  });
});

/** A child that waits forever and logs its two-step cleanup. */
function* loggedTeardown(clock: VirtualClock, name: string, ms: number, log: string[]): Coroutine<void> {
  try {
    yield* pending<void>();
  } finally {
    log.push(`${name} start`);
    yield* clock.timer.sleep(ms);
    log.push(`${name} done`);
  }
}

test("runs destructors in reverse order and in series", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    // One scope: close() aborts both at once, and their cleanups overlap.
    const together: string[] = [];
    yield* executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(loggedTeardown(clock, "first", 5, together));
      scope.spawn(loggedTeardown(clock, "second", 10, together));
      yield* yieldNow();
    }));
    assert.deepEqual(together, ["first start", "second start", "first done", "second done"]);
    // Effection's order, in series and last first: a scope per child, the later one inside.
    const nested: string[] = [];
    yield* executor.spawn(scoped(function* (outer: TaskScope<void>): Coroutine<void> {
      outer.spawn(loggedTeardown(clock, "first", 5, nested));
      yield* scoped(function* (inner: TaskScope<void>): Coroutine<void> {
        inner.spawn(loggedTeardown(clock, "second", 10, nested));
        yield* yieldNow();
      });
    }));
    assert.deepEqual(nested, ["second start", "second done", "first start", "first done"]);
  });
});

test("can catch an error spawned inside of an action", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const error = new Error("boom!");
    const start = clock.now();
    const value = yield* executor.spawn(function* (): Coroutine<unknown> {
      try {
        yield* scoped(function* (scope: TaskScope<void>): Coroutine<void> {
          scope.spawn(function* (): Coroutine<void> {
            yield* clock.timer.sleep(1);
            throw error;
          }());
          yield* untilChildFails(scope, clock.timer.sleep(5000));
        });
      } catch (err) {
        return err;
      }
    }());
    assert.equal(value, error);
    assert.ok(clock.now().since(start) < 5000, "the failure interrupted the 5 s sleep");
  });
});

test("halts children on explicit halt", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const child = outcome();
    const root = executor.spawn(scoped(function* (scope: TaskScope<string>): Coroutine<number> {
      scope.spawn(tracked(
        function* (): Coroutine<string> {
          yield* clock.timer.sleep(20);
          return "foo";
        }(),
        child,
      ));
      return 1;
    }));
    // Effection halts the root before it ran; here abort() before the first poll does the same.
    root.abort();
    assert.ok(isHalted(yield* failure(root)));
    assert.deepEqual(child.current, { status: "unstarted" }, "an aborted task that never ran spawned nothing");
  });
});
