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
  /** An end waiting with `node` is gone: the channel forgets what it keeps for it (broadcast's cursors). */
  endGone?(node: WaitNode): void;
  /** The last sender is gone: receivers read what is left, then see the end. */
  lastSenderGone(): void;
  /** The last receiver is gone: sends fail from now on. */
  lastReceiverGone(): void;
}

/**
 * What the safety net below keeps of an end: weak references only. A strong one to the shared
 * state would keep the end itself alive whenever the shared state reaches it (a receiver's waker
 * stored in the channel holds the receiver's task, which holds the receiver), and the entry would
 * never be collected: the registry would leak every end abandoned while it waited.
 */
interface Collected {
  readonly shared: WeakRef<EndCounts>;
  readonly node: WeakRef<WaitNode> | null;
  readonly side: Side;
}

/**
 * Drops an end that was garbage-collected without being dropped: it can send or receive nothing
 * more, so this loses nothing, and the channel closes once the ends that could still use it are
 * gone, as a dropped Rust end would (later than an explicit drop, or never if no collection runs).
 * A shared state already collected has no end left to tell.
 */
const collected = new FinalizationRegistry<Collected>((end) => {
  const shared = end.shared.deref();
  if (shared !== undefined) countOut(shared, end.side, end.node?.deref() ?? null);
});

/** An end of `side` is gone: it stops waiting with `node`, and the last of its side tells the channel. */
function countOut(shared: EndCounts, side: Side, node: WaitNode | null): void {
  if (node !== null) {
    shared.waiting!.remove(node);
    node.dropWaker();
    shared.endGone?.(node);
  }
  if (side === "sender") {
    if (--shared.senders === 0) shared.lastSenderGone();
  } else if (--shared.receivers === 0) shared.lastReceiverGone();
}

/**
 * The link of one channel end (a sender or receiver of `mpsc`, `broadcast`, `watch`) to what the
 * channel's ends share, the handle shape they have in common: the shared state while the end is
 * live, `live()` that throws {@linkcode ClosedError} once it was dropped, and `drop()` that
 * counts the end out once (the last of a side tells the channel). The end registers with the
 * garbage-collection safety net above, and unregisters when dropped.
 */
export class EndLink<S extends EndCounts> {
  #shared: S | null;
  readonly #observed: S;
  readonly #side: Side;
  /** The end's class, for errors (`BroadcastSender`). */
  readonly #name: string;
  /** The node the end waits with in `shared.waiting`, if it has one. */
  readonly #node: WaitNode | null;

  /** Links `owner`, an end already counted in `shared`. */
  constructor(owner: object, shared: S, side: Side, name: string, node: WaitNode | null = null) {
    this.#shared = shared;
    this.#observed = shared;
    this.#side = side;
    this.#name = name;
    this.#node = node;
    const held = { shared: new WeakRef<EndCounts>(shared), node: node && new WeakRef(node), side };
    collected.register(owner, held, this);
  }

  /** The shared state; `null` once the end was dropped. */
  get shared(): S | null {
    return this.#shared;
  }

  /**
   * The shared state, also after the end's drop: what the getters of the channel's counts,
   * lengths and capacities read, which stay the channel's true values on a dropped end (as tokio's
   * never fail; the Rust end cannot even be used after its drop).
   */
  get observed(): S {
    return this.#observed;
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
    countOut(shared, this.#side, this.#node);
  }
}
