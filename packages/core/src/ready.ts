import type { Context } from "./context.ts";
import { completedError } from "./errors.ts";
import { Future } from "./future.ts";
import type { Poll } from "./poll.ts";

/**
 * A future that is ready at once with `value`.
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

  poll(_cx: Context): Poll<T> {
    if (this.#done) throw completedError("ready()");
    this.#done = true;
    return this.#value;
  }
}
