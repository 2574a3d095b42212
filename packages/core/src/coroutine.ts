import type { Context } from "./context.ts";
import { dropCancelled } from "./drop-cancelled.ts";
import { CancelledError, caughtInstanceOf, completedError, describe, SpindleError, unreadableError } from "./errors.ts";
import { drop, Future, isFuture, yieldedFuture } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";

/**
 * A generator written against futures: it `yield*`s futures and returns `T`.
 *
 * Write coroutines as named top-level generator functions; creating a `function*` closure per
 * task costs about half a microsecond on V8.
 */
export type Coroutine<T> = Generator<Future<unknown>, T, unknown>;

/** Anything an executor can run: a future, or a coroutine (a started generator). */
export type IntoFuture<T> = Future<T> | Coroutine<T>;

/**
 * Turns a coroutine into a future that drives it: each `yield* f` polls `f` until it is ready and
 * resumes the generator with its output, or throws its error into the generator.
 *
 * Dropping the future (`[Symbol.dispose]`) drops the future it is waiting on and runs the
 * generator's `finally` blocks.
 *
 * @example
 * ```ts
 * import { blockOn, fromGenerator, ready, type Coroutine } from "@spindle/core";
 *
 * function* add(a: number, b: number): Coroutine<number> {
 *   const x: number = yield* ready(a);
 *   return x + b;
 * }
 * console.log(blockOn(fromGenerator(add(1, 2)))); // 3
 * ```
 */
export function fromGenerator<T>(coroutine: Coroutine<T>): CoroutineFuture<T> {
  return new CoroutineFuture(coroutine);
}

/**
 * Accepts a future or a coroutine and returns a future: futures are returned as they are.
 *
 * @example
 * ```ts
 * import { intoFuture, ready } from "@spindle/core";
 * const f = ready(1);
 * console.log(intoFuture(f) === f); // true
 * ```
 */
export function intoFuture<T>(work: IntoFuture<T>): Future<T> {
  if (isFuture(work)) return work as Future<T>;
  if (isCoroutine(work)) return new CoroutineFuture(work);
  throw new SpindleError("NOT_A_FUTURE", `expected a future or a generator, got ${describe(work)}`);
}

/** The error for driving what is not a generator as a coroutine (`fromGenerator(5)`). */
function notCoroutineError(value: unknown): SpindleError {
  return new SpindleError("NOT_A_FUTURE", `fromGenerator() needs a generator, got ${describe(value)}`);
}

/**
 * Whether `value` is a coroutine: a generator object (it has `next`, `throw` and
 * `[Symbol.iterator]`, so `yield*` can delegate to it), not just any iterable. Futures are not
 * coroutines (see `isFuture`), although both can be `yield*`ed. A value that throws when read (a
 * revoked Proxy) is `INVALID_ARGUMENT`, as in `isFuture`.
 *
 * @example
 * ```ts
 * import { type Coroutine, isCoroutine, ready } from "@spindle/core";
 *
 * function* one(): Coroutine<number> {
 *   return yield* ready(1);
 * }
 * console.log(isCoroutine(one()), isCoroutine([1]), isCoroutine(ready(1))); // true false false
 * ```
 */
export function isCoroutine(value: unknown): value is Coroutine<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Coroutine<unknown>>;
  try {
    // A future may iterate itself for `yield*` (sync's channel futures do): a `poll` makes it one.
    return typeof candidate.next === "function" && typeof candidate.throw === "function" &&
      typeof candidate[Symbol.iterator] === "function" && typeof (value as { poll?: unknown }).poll !== "function";
  } catch (cause) {
    throw unreadableError(value, "a future or a generator is needed", cause);
  }
}

/**
 * The future that drives a coroutine; see {@linkcode fromGenerator}.
 *
 * Cancelling it ({@linkcode CoroutineFuture.cancel}, what `abort()` does) throws a
 * `CancelledError` into the coroutine at the `yield*` where it waits, so that it unwinds through
 * every nested `yield*` as an exception does: no code after that `yield*` runs, each `finally`
 * block runs once and may wait on futures, and the future then fails with that error. It is a
 * throw, not the generator's `return()`, because a return cannot survive a `finally` block that
 * waits inside a nested `yield*`: once that block resumes, the generator that delegated to it
 * carries on after its `yield*` as if the inner one had returned (ECMAScript's `yield*`
 * semantics; effection issue 1190 describes the same trap).
 */
export class CoroutineFuture<T> extends Future<T> {
  #coroutine: Coroutine<T>;
  #awaiting: Future<unknown> | null = null;
  #finished = false;
  /** Set by `cancel()`: from then on the future can only fail (with `#cancellation` or a clean-up error). */
  #cancelled = false;
  #cancellation: unknown = undefined;

  /** Drives `coroutine`; prefer {@linkcode fromGenerator}. Anything but a generator is `NOT_A_FUTURE`. */
  constructor(coroutine: Coroutine<T>) {
    super();
    if (!isCoroutine(coroutine)) throw notCoroutineError(coroutine);
    this.#coroutine = coroutine;
  }

  /** Resumes the coroutine until it waits on a pending future or returns. */
  poll(cx: Context): Poll<T> {
    if (this.#finished) throw completedError("a coroutine future");
    let input: unknown;
    let failed = false;
    for (;;) {
      const awaiting = this.#awaiting;
      if (awaiting !== null) {
        try {
          const output = awaiting.poll(cx);
          if (output === PENDING) return PENDING;
          input = output;
          failed = false;
        } catch (error) {
          input = error;
          failed = true;
        }
        this.#awaiting = null;
      }
      const step = this.#resume(failed, input);
      if (step.done === true) return this.#complete(step.value);
      const next: unknown = step.value;
      let future: boolean;
      try {
        future = isFuture(next);
      } catch (unreadable) {
        input = unreadable; // a revoked Proxy, say: thrown back in, as for any value not a future
        failed = true;
        continue;
      }
      if (future) {
        this.#awaiting = next as Future<unknown>;
      } else {
        input = new SpindleError("NOT_A_FUTURE", `a coroutine yielded ${describe(next)}; use \`yield*\` on a future`);
        failed = true;
      }
    }
  }

  /**
   * Cancels the coroutine, as an executor does for `abort()`: drops the future it waits on and
   * throws `reason` (by default a new `CancelledError`) into it at that `yield*`. Returns `true` when the
   * coroutine finished unwinding; `false` when a `catch` or `finally` block waits on a future,
   * in which case polling continues the unwinding and then fails with `reason`. Throws the error
   * a clean-up block threw instead. A coroutine that catches `reason` and returns does not
   * complete: its value is discarded and the future fails with `reason` all the same.
   */
  cancel(reason: unknown = new CancelledError("the coroutine")): boolean {
    if (this.#finished) return true;
    if (this.#cancelled) return false; // already unwinding: polling goes on with it
    this.#cancelled = true;
    this.#cancellation = reason;
    // The future it waits on learns the cancellation's cause (fromPromise's signal: see there).
    const awaiting = this.#awaiting;
    this.#awaiting = null;
    if (awaiting !== null) dropCancelled(awaiting, caughtInstanceOf(reason, CancelledError) ? reason.cause : reason);
    let input = reason;
    for (;;) {
      let step: IteratorResult<Future<unknown>, T>;
      try {
        step = this.#resume(true, input);
      } catch (error) {
        if (error === reason) return true;
        throw error;
      }
      if (step.done === true) {
        this.#finished = true;
        return true;
      }
      try {
        this.#awaiting = isFuture(step.value) ? step.value : null;
        return false;
      } catch (unreadable) {
        input = unreadable; // a revoked Proxy in a `finally` block: thrown back in, as `poll` does
      }
    }
  }

  /**
   * Drops the coroutine at once: drops the awaited future and makes the coroutine return, which
   * runs its `finally` blocks (not its `catch` blocks); a `finally` block that waits on a future
   * has that future dropped and is left at that point, as nothing will poll it.
   */
  override [Symbol.dispose](): void {
    while (!this.#finished) {
      this.#dropAwaiting();
      let step: IteratorResult<Future<unknown>, T>;
      try {
        step = this.#coroutine.return(undefined as T);
      } catch (error) {
        this.#finished = true;
        throw error;
      }
      if (step.done === true) this.#finished = true;
      else this.#awaiting = yieldedFuture(step.value);
    }
  }

  /** Resumes the generator with `input` (thrown in when `failed`); a throw out of it finishes it. */
  #resume(failed: boolean, input: unknown): IteratorResult<Future<unknown>, T> {
    try {
      return failed ? this.#coroutine.throw(input) : this.#coroutine.next(input);
    } catch (error) {
      this.#finished = true;
      throw error;
    }
  }

  /** The coroutine returned: its output, or, when it was cancelled, the cancellation. */
  #complete(value: T): T {
    this.#finished = true;
    if (this.#cancelled) throw this.#cancellation;
    return value;
  }

  #dropAwaiting(): void {
    const awaiting = this.#awaiting;
    this.#awaiting = null;
    if (awaiting !== null) drop(awaiting);
  }
}
