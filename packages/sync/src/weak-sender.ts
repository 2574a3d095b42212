// A sender that does not keep its mpsc or broadcast channel open (tokio's WeakSender / WeakUnboundedSender).
import { describe, SpindleError } from "@spindle/core";
import { ClosedError } from "./errors.ts";

/** The part of an mpsc or broadcast channel's state a weak sender reads and counts itself in. */
export interface WeakCounts {
  /** Live senders (handles, pending sends and reservations, permits holding slots). */
  readonly senders: number;
  /** Live weak senders. */
  weakSenders: number;
}

// WeakSender's constructor is private (users get weak senders from `downgrade()` only: an
// argument of theirs would be a channel's state); its static block sets this factory, which
// passes `INTERNAL` so that a JavaScript caller's `new WeakSender(...)` is refused.
const INTERNAL: unique symbol = Symbol("WeakSender");
let makeWeakSender: <S>(channel: WeakCounts, strengthen: () => S, name: string) => WeakSender<S>;

/**
 * A weak sender counted in `channel`, upgrading through `strengthen` to a sender of class `name`:
 * what mpsc's and broadcast's `downgrade()` return.
 */
export function weakSenderOf<S>(channel: WeakCounts, strengthen: () => S, name: string): WeakSender<S> {
  return makeWeakSender(channel, strengthen, name);
}

/**
 * A sender that does not count as one: the channel closes when the last (strong) sender is
 * dropped, whatever weak senders are left. `upgrade()` gives a sender back while one is still
 * live. For an actor that keeps a way to message itself without keeping its own channel open.
 * `S` is the sender it upgrades to (an mpsc `Sender` or `UnboundedSender`, a
 * `BroadcastSender`); make one with their `downgrade()`. Drop it with `drop()` to stop counting it in `weakCount`.
 *
 * @example
 * ```ts
 * import { blockOn, STREAM_END } from "@spindle/core";
 * import { mpsc } from "@spindle/sync";
 *
 * const [tx, rx] = mpsc.unbounded<string>();
 * const weak = tx.downgrade();
 * const strong = weak.upgrade()!; // a sender is live: it upgrades
 * strong.send("hello");
 * strong.drop();
 * tx.drop(); // the last sender: the weak one does not keep the channel open
 * console.log(blockOn(rx.recv()), weak.upgrade()); // hello null
 * console.log(blockOn(rx.recv()) === STREAM_END); // true
 * ```
 */
export class WeakSender<S> implements Disposable {
  /** The channel, until this weak sender is dropped. */
  #channel: WeakCounts | null;
  /** The channel, also after this weak sender's drop: what its count getters read. */
  readonly #observed: WeakCounts;
  /** Counts one more sender in the channel and makes it. */
  readonly #strengthen: () => S;
  /** The sender class it upgrades to, for errors. */
  readonly #name: string;

  /** Counts itself in `channel`; `INVALID_ARGUMENT` when not called by `downgrade()`. */
  private constructor(internal: typeof INTERNAL, channel: WeakCounts, strengthen: () => S, name: string) {
    if (internal !== INTERNAL) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `WeakSender has no public constructor (got ${describe(internal)}): downgrade() an mpsc or broadcast sender`,
      );
    }
    channel.weakSenders++;
    this.#channel = channel;
    this.#observed = channel;
    this.#strengthen = strengthen;
    this.#name = name;
  }

  static {
    makeWeakSender = <S>(channel: WeakCounts, strengthen: () => S, name: string): WeakSender<S> =>
      new WeakSender(INTERNAL, channel, strengthen, name);
  }

  /**
   * A sender of the channel, counted as one, while any sender (a pending send or a permit holding
   * slots included) is live; `null` once the last one was dropped (the channel stays closed for
   * senders then). Throws {@linkcode ClosedError} after this weak sender was dropped.
   */
  upgrade(): S | null {
    const channel = this.#live("upgrade()");
    return channel.senders === 0 ? null : this.#strengthen();
  }

  /** How many senders are live (tokio's `strong_count`; pending sends and permits included). */
  get strongCount(): number {
    return this.#observed.senders;
  }

  /** How many weak senders are live, this one included (tokio's `weak_count`). */
  get weakCount(): number {
    return this.#observed.weakSenders;
  }

  /** Another weak sender of the same channel. */
  clone(): WeakSender<S> {
    return new WeakSender(INTERNAL, this.#live("clone()"), this.#strengthen, this.#name);
  }

  /** Stops counting this weak sender. Idempotent. */
  drop(): void {
    const channel = this.#channel;
    if (channel === null) return;
    this.#channel = null;
    channel.weakSenders--;
  }

  /** Same as {@linkcode WeakSender.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.drop();
  }

  #live(operation: string): WeakCounts {
    const channel = this.#channel;
    if (channel === null) {
      throw new ClosedError("sender", `WeakSender<${this.#name}>.${operation} on a weak sender that was dropped`);
    }
    return channel;
  }
}
