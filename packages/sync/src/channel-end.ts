import { ClosedError } from "./errors.ts";
import type { WaitList, WaitNode } from "./wait-list.ts";

/** Which side of a channel an end is on. */
export type Side = "sender" | "receiver";

/**
 * What the ends of one single-thread channel share, as {@linkcode EndLink} sees it: how many ends
 * of each side are live, and what the channel does when the last of a side is gone.
 */
export interface EndCounts {
  senders: number;
  receivers: number;
  /** Where receivers with a {@linkcode WaitNode} wait (broadcast, watch); a dropped one leaves it. */
  readonly waiting?: WaitList<WaitNode>;
  /** The last sender is gone: receivers read what is left, then see the end. */
  lastSenderGone(): void;
  /** The last receiver is gone: sends fail from now on. */
  lastReceiverGone(): void;
}

/**
 * Drops an end that was garbage-collected without being dropped: it can send or receive nothing
 * more, so this loses nothing, and the channel closes once the ends that could still use it are
 * gone, as a dropped Rust end would (later than an explicit drop, or never if no collection runs).
 */
const collected = new FinalizationRegistry<EndLink<EndCounts>>((link) => link.drop());

/**
 * The link of one channel end (a sender or receiver of `mpsc`, `broadcast`, `watch`) to what the
 * channel's ends share, the handle shape they have in common: the shared state while the end is
 * live, `live()` that throws {@linkcode ClosedError} once it was dropped, and `drop()` that
 * counts the end out once (the last of a side tells the channel). The end registers with the
 * garbage-collection safety net above, and unregisters when dropped.
 */
export class EndLink<S extends EndCounts> {
  #shared: S | null;
  readonly #side: Side;
  /** The end's class, for errors (`BroadcastSender`). */
  readonly #name: string;
  /** The node the end waits with in `shared.waiting`, if it has one. */
  readonly #node: WaitNode | null;

  /** Links `owner`, an end already counted in `shared`. */
  constructor(owner: object, shared: S, side: Side, name: string, node: WaitNode | null = null) {
    this.#shared = shared;
    this.#side = side;
    this.#name = name;
    this.#node = node;
    collected.register(owner, this, this);
  }

  /** The shared state; `null` once the end was dropped. */
  get shared(): S | null {
    return this.#shared;
  }

  /** The shared state; throws {@linkcode ClosedError} naming `operation` once the end was dropped. */
  live(operation: string): S {
    const shared = this.#shared;
    if (shared === null) {
      throw new ClosedError(this.#side, `${this.#name}.${operation} on a ${this.#side} that was dropped`);
    }
    return shared;
  }

  /** Counts the end out (it stops waiting, too); the last of its side tells the channel. Idempotent. */
  drop(): void {
    const shared = this.#shared;
    if (shared === null) return;
    this.#shared = null;
    collected.unregister(this);
    const node = this.#node;
    if (node !== null) {
      shared.waiting!.remove(node);
      node.dropWaker();
    }
    if (this.#side === "sender") {
      if (--shared.senders === 0) shared.lastSenderGone();
    } else if (--shared.receivers === 0) shared.lastReceiverGone();
  }
}
