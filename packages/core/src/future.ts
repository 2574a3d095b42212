import type { Context } from "./context.ts";
import { describe, SpindleError, unreadableError } from "./errors.ts";
import type { Poll } from "./poll.ts";

/**
 * A value that becomes ready later and does nothing until it is polled.
 *
 * Implement `poll`: return the output when it is ready; otherwise arrange for `cx.waker` to be
 * woken when progress is possible and return {@linkcode PENDING}. Override `[Symbol.dispose]` when
 * the future holds a resource: dropping a pending future must deregister it wherever it registered.
 *
 * Inside a generator, `yield* future` waits for it: `const n: number = yield* someFuture`.
 *
 * @example
 * ```ts
 * import { Future, PENDING, blockOn, type Context, type Poll } from "@spindle/core";
 *
 * class Countdown extends Future<string> {
 *   #left = 3;
 *   poll(cx: Context): Poll<string> {
 *     if (this.#left-- === 0) return "lift-off";
 *     cx.waker.wakeByRef(); // ready to make progress again at once
 *     return PENDING;
 *   }
 * }
 * console.log(blockOn(new Countdown())); // lift-off
 * ```
 */
export abstract class Future<T> implements Disposable {
  /** Advances the future: its output, or {@linkcode PENDING} with `cx.waker` arranged to be woken. */
  abstract poll(cx: Context): Poll<T>;

  /** Makes `yield* future` wait for the future inside a generator. */
  [Symbol.iterator](): Iterator<Future<unknown>, T, unknown> {
    const iterator = current;
    iterator.pending = this;
    return iterator as Iterator<Future<unknown>, T, unknown>;
  }

  /** Drops the future: releases what it holds and deregisters it everywhere. */
  [Symbol.dispose](): void {}
}

/** The output type of a future. */
export type Output<F> = F extends Future<infer T> ? T : never;

/**
 * The iterator behind every `yield* future` of this thread: it yields the future once to the
 * driver, and returns what the driver sends back. It is also its own iterator result (a sync
 * `yield*` hands the inner result object to its caller as it is), so a `yield*` allocates nothing.
 * One object serves every `yield*` because each step is read before the next can happen: `yield*`
 * calls `next()` right after `[Symbol.iterator]()` (which set `pending`), the first `next()` takes
 * `pending`, and `yield*` and the driver read `done` and `value` before anything else resumes a
 * generator; a suspended `yield*` keeps no state here (its future is the driver's). A hand-written
 * object per `yield*` was 8 % of a task that suspends once on Bun (its allocation and the
 * collections it brought; `bun --cpu-prof`). So an iterator taken by hand must be stepped at once.
 * Executors replace it with a new one per batch of task polls ({@linkcode renewAwait}).
 */
class Await implements Iterator<Future<unknown>, unknown, unknown> {
  done = false;
  value: unknown = undefined;
  /** The future whose `[Symbol.iterator]` was called and which the next `next()` yields. */
  pending: Future<unknown> | null = null;

  next(output?: unknown): IteratorResult<Future<unknown>, unknown> {
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      this.done = false;
      this.value = pending;
    } else {
      this.done = true;
      this.value = output;
    }
    return this as IteratorResult<Future<unknown>, unknown>;
  }

  throw(error: unknown): never {
    this.value = undefined; // keeps no future alive
    throw error;
  }

  return(value?: unknown): IteratorResult<Future<unknown>, unknown> {
    this.value = undefined;
    return { done: true, value };
  }
}

/** The `Await` of this thread's `yield*`s (see {@linkcode renewAwait}). */
let current = new Await();

/**
 * Gives the `yield*`s of this thread a new `Await`, called by executors before each batch of task
 * polls (internal to core). Every `yield*` stores its future into it, and the future's output
 * when it returns an object: into a long-lived object (promoted by the garbage collector) that is
 * a write-barrier call per store on V8, two per `yield*` (3 % of a task that suspends once,
 * callgrind), and none into a young one. One `Await` in use when it is replaced stays consistent:
 * each of its uses is over before the next `yield*` starts (see `Await`).
 */
export function renewAwait(): void {
  current = new Await();
}

/**
 * Whether `value` looks like a future (has a `poll` method). A value whose `poll` cannot be read
 * (a revoked Proxy, a throwing trap or getter) is `INVALID_ARGUMENT` naming it, the engine's
 * error kept as `cause`.
 */
export function isFuture(value: unknown): value is Future<unknown> {
  // The `try` costs nothing on the path that reads: V8 and JSC optimize code inside one.
  try {
    return typeof (value as { poll?: unknown } | null)?.poll === "function";
  } catch (cause) {
    throw unreadableError(value, "a future or a generator is needed", cause);
  }
}

/**
 * Drops a future: `future[Symbol.dispose]()`, for futures that may be plain objects. Anything
 * without a `[Symbol.dispose]` method is `NOT_A_FUTURE` naming it (`INVALID_ARGUMENT` when it
 * cannot be read), not an engine `TypeError`.
 */
export function drop(future: Future<unknown>): void {
  let dispose: unknown;
  try {
    dispose = (future as Partial<Disposable> | null | undefined)?.[Symbol.dispose];
  } catch (cause) {
    throw unreadableError(future, "drop() needs a future", cause);
  }
  if (typeof dispose !== "function") {
    throw new SpindleError("NOT_A_FUTURE", `drop() needs a future, got ${describe(future)}`);
  }
  dispose.call(future);
}

/**
 * Drops each of `droppables` (futures or streams; `null` and `undefined` are skipped), every one
 * even when the clean-up of one throws, then throws what was thrown: the one error, or an
 * `AggregateError` of all. Each drop of several things goes through here (or
 * {@linkcode throwDropErrors}): a clean-up that fails must not leave the others undropped, their
 * `finally` blocks never run and what they hold never given back.
 */
export function dropEach(...droppables: (Disposable | null | undefined)[]): void {
  let errors: unknown[] | null = null;
  for (const droppable of droppables) {
    if (droppable === null || droppable === undefined) continue;
    try {
      droppable[Symbol.dispose]();
    } catch (error) {
      (errors ??= []).push(error);
    }
  }
  throwDropErrors(errors);
}

/** Throws the errors of drops ({@linkcode dropEach}): nothing for `null`, the one error, or an `AggregateError`. */
export function throwDropErrors(errors: unknown[] | null): void {
  if (errors === null) return;
  if (errors.length === 1) throw errors[0];
  throw new AggregateError(errors, `${errors.length} futures threw while being dropped`);
}

/**
 * The future a coroutine being dropped yielded from a `finally` block, or `null` when it yielded
 * anything else: a value that is no future, or one that cannot even be read (a revoked Proxy).
 * The drop has nothing to drop then and goes on unwinding the coroutine; it does not stop
 * halfway with the read's error, leaving the coroutine's outer `finally` blocks unrun.
 */
export function yieldedFuture(value: unknown): Future<unknown> | null {
  try {
    return isFuture(value) ? value : null;
  } catch {
    return null;
  }
}
