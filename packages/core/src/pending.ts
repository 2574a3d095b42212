import type { Context } from "./context.ts";
import { completedError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";

/**
 * A future that never completes; useful to test cancellation and time-outs.
 *
 * @example
 * ```ts
 * import { Context, pending, PENDING } from "@spindle/core";
 * console.log(pending().poll(Context.noop()) === PENDING); // true
 * ```
 */
export function pending<T = never>(): Future<T> {
  return new Never<T>();
}

class Never<T> extends Future<T> {
  #dropped = false;

  poll(_cx: Context): Poll<T> {
    if (this.#dropped) throw completedError("pending()");
    return PENDING;
  }

  /** Dropped, it stays inert: a later poll throws `FUTURE_COMPLETED`. */
  override [Symbol.dispose](): void {
    this.#dropped = true;
  }
}
