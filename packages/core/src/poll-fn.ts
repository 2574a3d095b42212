import type { Context } from "./context.ts";
import { completedError, describe, SpindleError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";

/**
 * A future whose `poll` is `fn`, for small hand-written futures. Dropping it calls `onDrop`. Once
 * `fn` returned a value, the future has completed: polling it again throws `FUTURE_COMPLETED`.
 *
 * @example
 * ```ts
 * import { blockOn, pollFn, PENDING } from "@spindle/core";
 *
 * let polls = 0;
 * const third = pollFn((cx) => {
 *   if (++polls === 3) return "third poll";
 *   cx.waker.wakeByRef();
 *   return PENDING;
 * });
 * console.log(blockOn(third)); // third poll
 * ```
 */
export function pollFn<T>(fn: (cx: Context) => Poll<T>, onDrop?: () => void): Future<T> {
  if (typeof fn !== "function") {
    throw new SpindleError("INVALID_ARGUMENT", `pollFn() needs a function, got ${describe(fn)}`);
  }
  if (onDrop !== undefined && typeof onDrop !== "function") {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `pollFn()'s onDrop must be a function or undefined, got ${describe(onDrop)}`,
    );
  }
  return new PollFn(fn, onDrop);
}

class PollFn<T> extends Future<T> {
  readonly #fn: (cx: Context) => Poll<T>;
  #onDrop: (() => void) | undefined;
  #done = false;

  constructor(fn: (cx: Context) => Poll<T>, onDrop: (() => void) | undefined) {
    super();
    this.#fn = fn;
    this.#onDrop = onDrop;
  }

  poll(cx: Context): Poll<T> {
    if (this.#done) throw completedError("pollFn()");
    const result = this.#fn(cx);
    if (result !== PENDING) this.#done = true;
    return result;
  }

  override [Symbol.dispose](): void {
    this.#done = true; // polled again, `fn` could register what `onDrop` just released
    const onDrop = this.#onDrop;
    this.#onDrop = undefined;
    onDrop?.();
  }
}
