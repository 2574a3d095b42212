import type { Context } from "./context.ts";
import { consumeBudget } from "./coop-budget.ts";
import { completedError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import type { RawWaker } from "./waker.ts";
import { dropRawWaker, replaceRawWaker, wakeRawWaker } from "./waker-slot.ts";

/**
 * A promise as a future: ready with the promise's value, or throwing its rejection reason. The
 * rejection counts as handled from the start; dropping the future ignores the outcome.
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
export function fromPromise<T>(promise: PromiseLike<T>): Future<T> {
  return new PromiseFuture(promise);
}

const WAITING = 0;
const FULFILLED = 1;
const REJECTED = 2;
const TAKEN = 3;

class PromiseFuture<T> extends Future<T> {
  #state = WAITING;
  #result: unknown = undefined;
  #waker: RawWaker<unknown> | null = null;

  constructor(promise: PromiseLike<T>) {
    super();
    promise.then(
      (value) => this.#settle(FULFILLED, value),
      (error: unknown) => this.#settle(REJECTED, error),
    );
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
    this.#waker = dropRawWaker(this.#waker);
  }

  #settle(state: number, result: unknown): void {
    this.#state = state;
    this.#result = result;
    this.#waker = wakeRawWaker(this.#waker);
  }
}
