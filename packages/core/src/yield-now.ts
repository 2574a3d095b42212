import type { Context } from "./context.ts";
import { completedError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";

/**
 * A future that is pending once (waking itself at once) and then ready: it lets the executor run
 * other ready tasks before this one continues.
 *
 * @example
 * ```ts
 * import { blockOn, yieldNow, type Coroutine } from "@spindle/core";
 * function* polite(): Coroutine<string> {
 *   yield* yieldNow();
 *   return "after others had a turn";
 * }
 * console.log(blockOn(polite()));
 * ```
 */
export function yieldNow(): Future<void> {
  return new YieldNow();
}

class YieldNow extends Future<void> {
  #state = 0; // 0 not polled, 1 yielded, 2 done

  poll(cx: Context): Poll<void> {
    if (this.#state === 0) {
      this.#state = 1;
      cx.waker.wakeByRef();
      return PENDING;
    }
    if (this.#state === 2) throw completedError("yieldNow()");
    this.#state = 2;
  }

  /** Dropped, it stays inert: a later poll throws `FUTURE_COMPLETED`. */
  override [Symbol.dispose](): void {
    this.#state = 2;
  }
}
