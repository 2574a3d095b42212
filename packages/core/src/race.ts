import { ChildSet } from "./child-set.ts";
import type { Context } from "./context.ts";
import { type IntoFuture, intoFuture } from "./coroutine.ts";
import { completedError, readIterable, SpindleError } from "./errors.ts";
import { Future } from "./future.ts";
import type { OutputOf } from "./join.ts";
import { PENDING, type Poll } from "./poll.ts";

/**
 * Waits for the first future to complete (or fail) and drops all the others. Its output type is the
 * union of the futures' outputs, as `Promise.race`'s is.
 *
 * @example
 * ```ts
 * import { blockOn, pending, race, ready } from "@spindle/core";
 * console.log(blockOn(race([pending<string>(), ready("fast")]))); // fast
 * ```
 */
export function race<W extends IntoFuture<unknown>>(futures: Iterable<W>): Future<OutputOf<W>>;
/** Waits for the first of `futures` to complete (or fail), with their common output type given. */
export function race<T>(futures: Iterable<IntoFuture<T>>): Future<T>;
export function race<T>(futures: Iterable<IntoFuture<T>>): Future<T> {
  const children = readIterable(futures, "race() needs an iterable of futures").map(intoFuture);
  if (children.length === 0) throw new SpindleError("INVALID_ARGUMENT", "race() needs at least one future");
  return new Race(children);
}

class Race<T> extends Future<T> {
  readonly #children: ChildSet<T>;
  #done = false;

  constructor(children: Future<T>[]) {
    super();
    this.#children = new ChildSet(children);
  }

  poll(cx: Context): Poll<T> {
    if (this.#done) throw completedError("race()");
    const children = this.#children;
    children.beginPoll(cx);
    try {
      if (children.pollNext() < 0) return PENDING;
    } catch (error) {
      this[Symbol.dispose]();
      throw error;
    }
    this[Symbol.dispose]();
    return children.output as T;
  }

  override [Symbol.dispose](): void {
    this.#done = true;
    this.#children.dropAll();
  }
}
