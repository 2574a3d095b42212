import type { Context } from "./context.ts";
import { type IntoFuture, intoFuture } from "./coroutine.ts";
import { completedError } from "./errors.ts";
import { dropEach, Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";

/**
 * Which of two selected futures finished first, its output, and the other future, still pending
 * and now owned by the caller (keep polling it elsewhere, or drop it).
 */
export type Selected<A, B> =
  | { readonly index: 0; readonly value: A; readonly rest: Future<B> }
  | { readonly index: 1; readonly value: B; readonly rest: Future<A> };

/**
 * Waits for the first of two futures and hands back the other one, as `futures::future::select`
 * does: nothing is lost, and the loser can be moved to another executor. Use {@linkcode race} to
 * drop the losers instead. If one fails, the other is dropped and the error propagates.
 *
 * @example
 * ```ts
 * import { blockOn, drop, pending, ready, select } from "@spindle/core";
 * const first = blockOn(select(pending<number>(), ready("b")));
 * console.log(first.index, first.value); // 1 b
 * drop(first.rest);
 * ```
 */
export function select<A, B>(a: IntoFuture<A>, b: IntoFuture<B>): Future<Selected<A, B>> {
  return new Select(intoFuture(a), intoFuture(b));
}

class Select<A, B> extends Future<Selected<A, B>> {
  #a: Future<A> | null;
  #b: Future<B> | null;

  constructor(a: Future<A>, b: Future<B>) {
    super();
    this.#a = a;
    this.#b = b;
  }

  poll(cx: Context): Poll<Selected<A, B>> {
    const a = this.#a;
    const b = this.#b;
    if (a === null || b === null) throw completedError("select()");
    try {
      const first = a.poll(cx);
      if (first !== PENDING) {
        this.#a = this.#b = null;
        return { index: 0, value: first, rest: b };
      }
      const second = b.poll(cx);
      if (second !== PENDING) {
        this.#a = this.#b = null;
        return { index: 1, value: second, rest: a };
      }
    } catch (error) {
      this[Symbol.dispose]();
      throw error;
    }
    return PENDING;
  }

  override [Symbol.dispose](): void {
    const a = this.#a;
    const b = this.#b;
    this.#a = this.#b = null;
    dropEach(a, b);
  }
}
