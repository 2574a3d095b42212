import type { Context } from "./context.ts";
import { budgetLeft, usedBudgetUp } from "./coop-budget.ts";
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
  /**
   * Whether the next poll starts with `b`: set when the future polled first used the task's
   * cooperative budget up, so that the other one, refused its units in that poll, is polled first
   * in the next (else a future that is always ready would starve the other for good).
   */
  #bFirst = false;

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
      const bFirst = this.#bFirst;
      const budgetBefore = budgetLeft();
      const first = bFirst ? b.poll(cx) : a.poll(cx);
      if (first !== PENDING) return this.#won(bFirst ? 1 : 0, first);
      if (usedBudgetUp(budgetBefore)) {
        // The first used the budget up: the other goes first in the next poll, which the wake makes
        // sure of (a first that took the last unit and then waited woke nobody, and the other may
        // not have registered a waker yet).
        this.#bFirst = !bFirst;
        cx.waker.wakeByRef();
        return PENDING;
      }
      const second = bFirst ? a.poll(cx) : b.poll(cx);
      if (second !== PENDING) return this.#won(bFirst ? 0 : 1, second);
    } catch (error) {
      this[Symbol.dispose]();
      throw error;
    }
    return PENDING;
  }

  /** Ends the select with `index`'s `value`, handing the other future back. */
  #won(index: 0 | 1, value: A | B): Selected<A, B> {
    const a = this.#a as Future<A>;
    const b = this.#b as Future<B>;
    this.#a = this.#b = null;
    return index === 0 ? { index, value: value as A, rest: b } : { index, value: value as B, rest: a };
  }

  override [Symbol.dispose](): void {
    const a = this.#a;
    const b = this.#b;
    this.#a = this.#b = null;
    dropEach(a, b);
  }
}
