import { consumeBudget, type Context, Future, PENDING, type Poll, refundBudget, SpindleError } from "@spindle/core";
import { type WaitList, WaitNode } from "./wait-list.ts";

/** The part of a channel's shared state that {@linkcode ReceiversGone} watches. */
export interface ReceiverCount {
  /** Whether a receiver can still take values: false once none is left (mpsc: or it closed). */
  readonly receiving: boolean;
  /** Futures waiting for `receiving` to turn false; the channel wakes them all then. */
  readonly closing: WaitList<WaitNode>;
}

/**
 * A sender's `closed()` (mpsc, watch, broadcast): ready once no receiver can take values. It takes a
 * unit of the task's budget per poll, as tokio's does, and waits in the channel's `closing` list.
 */
export class ReceiversGone extends Future<void> {
  readonly #shared: ReceiverCount;
  readonly #what: string;
  readonly #node = new WaitNode();
  #done = false;

  /** Watches `shared`; `what` names the future in its errors (`"WatchSender.closed()"`). */
  constructor(shared: ReceiverCount, what: string) {
    super();
    this.#shared = shared;
    this.#what = what;
  }

  /** Ready once no receiver can take values. */
  poll(cx: Context): Poll<void> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", `${this.#what} was polled after it completed`);
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    if (this.#shared.receiving) {
      refundBudget();
      this.#node.register(cx.waker);
      if (!this.#node.queued) this.#shared.closing.push(this.#node);
      return PENDING;
    }
    this[Symbol.dispose]();
  }

  /** Stops waiting. */
  override [Symbol.dispose](): void {
    this.#done = true;
    this.#shared.closing.remove(this.#node);
    this.#node.dropWaker();
  }
}
