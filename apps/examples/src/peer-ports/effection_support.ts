// Effection's test helpers (test/suite.ts) for the effection_* ports, on Spindle's public API: an
// Effection `Operation` is a core `Coroutine`, `suspend()` is `pending()`, `sleep(ms)` a
// VirtualClock's `timer.sleep(ms)` (tests run under paused-clock.ts's `pausedTask`), a `Task` is a
// `JoinHandle` (`halt()` is `abort()`, and "halted" is a `CancelledError`), and an operation that
// spawns children is `scoped(body)`: its tasks end when the body ends.
import {
  CancelledError,
  type Coroutine,
  type Future,
  type JoinHandle,
  pending,
  race,
  type TaskScope,
  yieldNow,
} from "@spindle/core";
import { oneshot } from "@spindle/sync";
import type { Timer } from "@spindle/timer";

/** How a task ended: its value, or what it threw. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Joins `handle` and tells how it ended, without throwing (Effection's `expect(task).rejects`). */
export function* settle<T>(handle: JoinHandle<T>): Coroutine<Settled<T>> {
  try {
    return { ok: true, value: yield* handle };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The error `handle` failed with; throws when it succeeded. */
export function* failure<T>(handle: JoinHandle<T>): Coroutine<unknown> {
  const settled = yield* settle(handle);
  if (settled.ok) throw new Error(`expected the task to fail, it returned ${String(settled.value)}`);
  return settled.error;
}

/**
 * What became of a child: Effection's spawned task is a promise you can await, a scope task's
 * `spawn` gives an `AbortHandle` (abort, `id`, `isFinished`) and its result comes out of
 * `joinNext`, so the ports record each child's end themselves.
 */
export type Outcome =
  | { status: "unstarted" | "running" | "halted" }
  | { status: "returned"; value: unknown }
  | { status: "failed"; error: unknown };

/** Runs `work`, recording in `outcome.current` how it ended (a `CancelledError` is "halted"). */
export function* tracked<T>(work: Future<T> | Coroutine<T>, outcome: { current: Outcome }): Coroutine<T> {
  outcome.current = { status: "running" };
  try {
    const value = yield* intoCoroutine(work);
    outcome.current = { status: "returned", value };
    return value;
  } catch (error) {
    outcome.current = error instanceof CancelledError && error.cause === undefined
      ? { status: "halted" }
      : { status: "failed", error };
    throw error;
  }
}

/** A fresh record for `tracked`. */
export function outcome(): { current: Outcome } {
  return { current: { status: "unstarted" } };
}

function* intoCoroutine<T>(work: Future<T> | Coroutine<T>): Coroutine<T> {
  return yield* work;
}

/** Whether `error` is Effection's "halted": here a `CancelledError`. */
export function isHalted(error: unknown): boolean {
  return error instanceof CancelledError;
}

/** Effection's `await task.halt()`: spawns `work`, aborts it once it waits, and gives what it failed with. */
export function* haltOnceWaiting(
  spawner: { spawn<T>(work: Coroutine<T>): JoinHandle<T> },
  work: Coroutine<unknown>,
): Coroutine<unknown> {
  const task = spawner.spawn(work);
  yield* yieldNow(); // the task starts and waits
  task.abort();
  return yield* failure(task);
}

/** Spawns `work` and gives the message of the error it failed with. */
export function* failureMessage(
  spawner: { spawn<T>(work: Coroutine<T>): JoinHandle<T> },
  work: Coroutine<unknown>,
): Coroutine<string> {
  return messageOf(yield* failure(spawner.spawn(work)));
}

/** The message of an `Error`, for Effection's `toHaveProperty("message", ...)`. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : `not an Error: ${String(error)}`;
}

/**
 * Effection's parent is interrupted as soon as one of its children fails; a `scoped` body learns
 * of a failure only where it waits on its scope (`joinNext`, `joinAll`, `close`). This is the
 * closest form: `work` raced against the scope's failure, which throws that failure once the
 * scope's token was cancelled and its other tasks settled (`joinAll` re-throws it). `work` is
 * dropped then, so its `finally` blocks run but cannot wait.
 */
export function untilChildFails<R>(scope: TaskScope<unknown>, work: Future<R> | Coroutine<R>): Future<R> {
  return race([work, scopeFailure(scope)]);
}

function* scopeFailure(scope: TaskScope<unknown>): Coroutine<never> {
  const reason = yield* scope.token.cancelled();
  yield* scope.joinAll();
  throw reason; // cancelled without a failure (the scope's `token` option): its reason
}

/** suite.ts `createNumber`: `value` after a 1 ms sleep. */
export function* createNumber(timer: Timer, value: number): Coroutine<number> {
  yield* timer.sleep(1);
  return value;
}

/** suite.ts `blowUp`: fails with "boom" after a 1 ms sleep. */
export function* blowUp<T>(timer: Timer): Coroutine<T> {
  yield* timer.sleep(1);
  throw new Error("boom");
}

/** suite.ts `asyncResolve`: `value` after `ms`. */
export function* asyncResolve(timer: Timer, ms: number, value: string): Coroutine<string> {
  yield* timer.sleep(ms);
  return value;
}

/** suite.ts `asyncReject`: fails with `boom: value` after `ms`. */
export function* asyncReject(timer: Timer, ms: number, value: string): Coroutine<string> {
  yield* timer.sleep(ms);
  throw new Error(`boom: ${value}`);
}

/** suite.ts `syncResolve`: `value` without waiting. */
export function* syncResolve(value: string): Coroutine<string> {
  return value;
}

/** suite.ts `syncReject`: fails with `boom: value` without waiting. */
export function* syncReject(value: string): Coroutine<string> {
  throw new Error(`boom: ${value}`);
}

/**
 * Effection's `resource(function* (provide) { ... })`, in its closest form: the resource runs as a
 * task of the caller's scope (Effection ties it to the caller's scope too), `provide(value)` hands
 * the value over a oneshot and then holds the resource open until the scope aborts it, so the
 * `finally` around `provide` is the teardown. The caller waits for the value, or for the scope's
 * failure (an error in the resource's setup).
 */
export function* useResource<T>(
  scope: TaskScope<unknown>,
  body: (provide: (value: T) => Coroutine<never>) => Coroutine<void>,
): Coroutine<T> {
  const [tx, rx] = oneshot<T>();
  scope.spawn(body(function* (value: T): Coroutine<never> {
    tx.send(value);
    return yield* pending<never>();
  }));
  return yield* untilChildFails(scope, rx);
}
