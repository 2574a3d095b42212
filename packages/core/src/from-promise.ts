import type { Context } from "./context.ts";
import { consumeBudget } from "./coop-budget.ts";
import { droppedFor } from "./drop-cancelled.ts";
import { CancelledError, completedError, describe, SpindleError, unreadableError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import type { RawWaker } from "./waker.ts";
import { dropRawWaker, replaceRawWaker, wakeRawWaker } from "./waker-slot.ts";

/**
 * A promise as a future: ready with the promise's value, or throwing its rejection reason. The
 * rejection counts as handled from the start; dropping the future ignores the outcome.
 *
 * Given a function instead, `fromPromise` calls it on the first poll with an `AbortSignal` and
 * waits for the promise it returns; dropping the future before that promise settles (a task
 * aborted while it waits, a `race` lost, a `timeout` elapsed) aborts the signal with a
 * {@linkcode CancelledError}, so `fromPromise((signal) => fetch(url, { signal }))` stops the fetch.
 *
 * @example
 * ```ts
 * import { fromPromise, toPromise, type Coroutine } from "@spindle/core";
 * function* double(): Coroutine<number> {
 *   const n: number = yield* fromPromise(Promise.resolve(21));
 *   return n * 2;
 * }
 * console.log(await toPromise(double())); // 42
 * ```
 */
export function fromPromise<T>(promise: PromiseLike<T> | ((signal: AbortSignal) => PromiseLike<T>)): Future<T> {
  if (typeof promise === "function") return new AbortingPromiseFuture(promise);
  checkThenable(promise, "fromPromise() needs a promise (or a function returning one)");
  return new PromiseFuture(promise);
}

/** Throws `INVALID_ARGUMENT` with `needs` and `value` named unless `value` has a `then` method. */
function checkThenable(value: unknown, needs: string): void {
  let then: unknown;
  try {
    then = (value as { then?: unknown } | null)?.then;
  } catch (cause) {
    throw unreadableError(value, needs, cause);
  }
  if (typeof then !== "function") throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(value)}`);
}

const WAITING = 0;
const FULFILLED = 1;
const REJECTED = 2;
const TAKEN = 3;
/** Dropped: the outcome is ignored, and a later poll throws instead of keeping a waker. */
const DROPPED = 4;

class PromiseFuture<T> extends Future<T> {
  #state = WAITING;
  #result: unknown = undefined;
  #waker: RawWaker<unknown> | null = null;

  constructor(promise: PromiseLike<T> | null) {
    super();
    if (promise !== null) this.watch(promise);
  }

  /** Waits for `promise`. */
  protected watch(promise: PromiseLike<T>): void {
    try {
      promise.then(
        (value) => this.#settle(FULFILLED, value),
        (error: unknown) => this.#settle(REJECTED, error),
      );
    } catch (error) {
      // A thenable whose `then` throws rejects, as `await` and `Promise.resolve` treat it, unless
      // it called back first.
      this.#settle(REJECTED, error);
    }
  }

  /** Whether the promise is still unsettled. */
  protected get isWaiting(): boolean {
    return this.#state === WAITING;
  }

  poll(cx: Context): Poll<T> {
    switch (this.#state) {
      case WAITING:
        this.#waker = replaceRawWaker(this.#waker, cx.waker);
        return PENDING;
      case FULFILLED:
        if (!consumeBudget(cx)) return PENDING;
        this.#state = TAKEN;
        return this.#result as T;
      case REJECTED:
        if (!consumeBudget(cx)) return PENDING;
        this.#state = TAKEN;
        throw this.#result;
      default:
        throw completedError("fromPromise()");
    }
  }

  override [Symbol.dispose](): void {
    this.#state = DROPPED;
    this.#result = undefined;
    this.#waker = dropRawWaker(this.#waker);
  }

  #settle(state: number, result: unknown): void {
    // Only the first call counts, as with a promise's resolve functions: a thenable may call back
    // twice, or both ways; dropped, the outcome is ignored.
    if (this.#state !== WAITING) return;
    this.#state = state;
    this.#result = result;
    this.#waker = wakeRawWaker(this.#waker);
  }
}

/**
 * `fromPromise(factory)`: calls the factory with a signal on the first poll, and aborts the signal
 * when dropped while the promise is unsettled.
 */
class AbortingPromiseFuture<T> extends PromiseFuture<T> {
  #factory: ((signal: AbortSignal) => PromiseLike<T>) | null;
  #controller: AbortController | null = null;

  constructor(factory: (signal: AbortSignal) => PromiseLike<T>) {
    super(null);
    this.#factory = factory;
  }

  override poll(cx: Context): Poll<T> {
    const factory = this.#factory;
    if (factory !== null) {
      this.#factory = null;
      const controller = this.#controller = new AbortController();
      const promise = factory(controller.signal);
      checkThenable(promise, "fromPromise(): the function must return a promise");
      this.watch(promise);
    }
    return super.poll(cx);
  }

  override [Symbol.dispose](): void {
    this.#factory = null;
    const controller = this.#controller;
    this.#controller = null;
    if (controller !== null && this.isWaiting) {
      // Dropped by a cancellation with a cause (a task's `abort(cause)`): the signal's reason says why.
      const cause = droppedFor();
      controller.abort(new CancelledError("fromPromise()", cause === undefined ? undefined : { cause }));
    }
    super[Symbol.dispose]();
  }
}
