import type { Context } from "./context.ts";
import { describe, SpindleError } from "./errors.ts";
import { Future } from "./future.ts";
import type { Poll } from "./poll.ts";

/**
 * A future whose `poll` is `fn`, for small hand-written futures. Dropping it calls `onDrop`.
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

  constructor(fn: (cx: Context) => Poll<T>, onDrop: (() => void) | undefined) {
    super();
    this.#fn = fn;
    this.#onDrop = onDrop;
  }

  poll(cx: Context): Poll<T> {
    return this.#fn(cx);
  }

  override [Symbol.dispose](): void {
    const onDrop = this.#onDrop;
    this.#onDrop = undefined;
    onDrop?.();
  }
}
