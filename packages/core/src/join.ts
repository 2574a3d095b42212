import { ChildSet } from "./child-set.ts";
import type { Context } from "./context.ts";
import { type Coroutine, type IntoFuture, intoFuture } from "./coroutine.ts";
import { completedError, readIterable, unreadableError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";

/** The output type of a future or coroutine. */
export type OutputOf<W> = W extends Future<infer T> ? T : W extends Coroutine<infer T> ? T : never;

/**
 * Waits for every future and returns their outputs in order. Only the children woken since the last
 * poll are polled again. If one fails, the others are dropped and the error propagates.
 *
 * @example
 * ```ts
 * import { blockOn, joinAll, ready } from "@spindle/core";
 * console.log(blockOn(joinAll([ready(1), ready(2), ready(3)]))); // [ 1, 2, 3 ]
 * ```
 */
export function joinAll<T>(futures: Iterable<IntoFuture<T>>): Future<T[]> {
  let children: Future<T>[];
  if (isArray(futures)) {
    // An array (the usual case: handles just spawned): sized once, no iterator protocol.
    const works = futures as IntoFuture<T>[];
    children = new Array(works.length);
    for (let i = 0; i < works.length; i++) children[i] = intoFuture(works[i] as IntoFuture<T>);
  } else {
    children = readIterable(futures, "joinAll() needs an iterable of futures").map(intoFuture);
  }
  return new JoinAll(children);
}

/** `Array.isArray(futures)`, where a revoked Proxy (which makes it throw) is a bad argument. */
function isArray(futures: unknown): futures is unknown[] {
  try {
    return Array.isArray(futures);
  } catch (cause) {
    throw unreadableError(futures, "joinAll() needs an iterable of futures", cause);
  }
}

/**
 * `joinAll` for a fixed list of futures of different types, typed as a tuple.
 *
 * @example
 * ```ts
 * import { blockOn, join, ready } from "@spindle/core";
 * const [n, s] = blockOn(join(ready(1), ready("one")));
 * console.log(n + 1, s.toUpperCase()); // 2 ONE
 * ```
 */
export function join<const W extends readonly IntoFuture<unknown>[]>(
  ...futures: W
): Future<{ -readonly [K in keyof W]: OutputOf<W[K]> }> {
  return joinAll(futures) as Future<never>;
}

class JoinAll<T> extends Future<T[]> {
  readonly #children: ChildSet<T>;
  #done = false;

  constructor(children: Future<T>[]) {
    super();
    this.#children = new ChildSet(children, true);
  }

  poll(cx: Context): Poll<T[]> {
    if (this.#done) throw completedError("joinAll()");
    const children = this.#children;
    children.beginPoll(cx);
    try {
      // Each ready child's output lands in `children.outputs`.
      while (children.pollNext() >= 0) continue;
    } catch (error) {
      this[Symbol.dispose]();
      throw error;
    }
    if (children.pending > 0) return PENDING;
    // Every child completed, so none is left to drop: only the parent's waker is released.
    this.#done = true;
    children.dropParent();
    return children.outputs as T[];
  }

  override [Symbol.dispose](): void {
    this.#done = true;
    this.#children.dropAll();
  }
}
