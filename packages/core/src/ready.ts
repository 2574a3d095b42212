import type { Context } from "./context.ts";
import { completedError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import { consumeBudget } from "./coop-budget.ts";

/**
 * A future that is ready at once with `value`. Inside a task it takes a unit of the task's
 * cooperative budget (see {@linkcode consumeBudget}), so a loop over `ready` futures still lets
 * the executor and the host run.
 *
 * @example
 * ```ts
 * import { blockOn, ready } from "@spindle/core";
 * console.log(blockOn(ready("now"))); // now
 * ```
 */
export function ready<T>(value: T): Future<T> {
  return new Ready(value);
}

class Ready<T> extends Future<T> {
  #value: T;
  #done = false;

  constructor(value: T) {
    super();
    this.#value = value;
  }

  poll(cx: Context): Poll<T> {
    if (this.#done) throw completedError("ready()");
    if (!consumeBudget(cx)) return PENDING;
    this.#done = true;
    return this.#value;
  }

  /** Dropped, it stays inert: a later poll throws `FUTURE_COMPLETED`. */
  override [Symbol.dispose](): void {
    this.#done = true;
  }
}
