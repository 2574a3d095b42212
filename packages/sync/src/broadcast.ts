import { KEY } from "./construct-key.ts";
import {
  consumeBudget,
  type Context,
  type Future,
  noPublicConstructor,
  PENDING,
  type Poll,
  refundBudget,
  Stream,
  STREAM_END,
  type StreamEnd,
} from "@spindle/core";
import { type EndCounts, EndLink } from "./channel-end.ts";
import { checkCapacity, LaggedError, SendError } from "./errors.ts";
import { Recv } from "./ready-now.ts";
import { ReceiversGone } from "./receivers-gone.ts";
import { WaitList, WaitNode } from "./wait-list.ts";
import { type WeakSender, weakSenderOf } from "./weak-sender.ts";

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeBroadcastSender: <T>(shared: Shared<T>) => BroadcastSender<T>;
let makeBroadcastReceiver: <T>(shared: Shared<T>, next: number) => BroadcastReceiver<T>;

/**
 * A receiver's node in the channel's wait list, which also holds its read position, so that the
 * channel sees every receiver's position (for the sender's `length`) without a reference to the
 * receiver itself (the garbage-collection safety net of `EndLink` must be able to collect it).
 */
class Cursor extends WaitNode {
  /** The sequence number of the next value this receiver reads. */
  position: number;

  constructor(position: number) {
    super();
    this.position = position;
  }
}

/**
 * What the ends of one broadcast channel share: the last `capacity` values in a ring, indexed by
 * their sequence number modulo `capacity`; `tail` is the sequence number the next value gets.
 * Single-threaded.
 */
class Shared<T> implements EndCounts {
  readonly ring: (T | undefined)[];
  readonly capacity: number;
  tail = 0;
  senders = 1;
  /** Live weak senders (`downgrade()`): they do not keep the channel open. */
  weakSenders = 0;
  receivers = 1;
  /** Receivers waiting for a value past the tail (or the end). */
  readonly waiting: WaitList<WaitNode> = new WaitList<WaitNode>();
  /** Every live receiver's cursor. */
  readonly cursors: Set<Cursor> = new Set();
  /** The senders' `closed()` futures, waiting for the last receiver to go. */
  readonly closing: WaitList<WaitNode> = new WaitList<WaitNode>();

  /** Whether a receiver is live (what the senders' `closed()` futures wait on). */
  get receiving(): boolean {
    return this.receivers !== 0;
  }

  constructor(capacity: number) {
    this.capacity = capacity;
    this.ring = new Array(capacity);
  }

  /** Wakes the waiting receivers to read what is left, then see the end. */
  lastSenderGone(): void {
    this.waiting.wakeAll();
  }

  /**
   * Sends fail from now on (until a `subscribe()`); the senders' `closed()` futures complete. The
   * values kept are dropped: a receiver subscribed later starts at the tail, so none of them can be
   * received any more (tokio drops each value once no receiver is left to read it).
   */
  lastReceiverGone(): void {
    this.ring.fill(undefined);
    this.closing.wakeAll();
  }

  /** A receiver is gone: its position no longer holds values unread. */
  endGone(node: WaitNode): void {
    this.cursors.delete(node as Cursor);
  }
}

/**
 * A bounded multi-producer, multi-consumer channel where every receiver sees every value (tokio's
 * `broadcast`, Effect's `PubSub.sliding`). Sending never waits: the channel keeps the last
 * `capacity` values (a positive integer), and a receiver that fell further behind gets a
 * {@linkcode LaggedError} saying how many it missed, then continues from the oldest value kept.
 * Returns the first sender and a receiver; more receivers come from `sender.subscribe()` (they see
 * what is sent from then on). After the last sender is dropped, receivers read what is left, then
 * end.
 *
 * @example
 * ```ts
 * import { blockOn, next, STREAM_END } from "@spindle/core";
 * import { broadcast } from "@spindle/sync";
 *
 * const [tx, rx1] = broadcast<string>(16);
 * const rx2 = tx.subscribe();
 * tx.send("hello");
 * tx.drop();
 * console.log(blockOn(next(rx1)), blockOn(next(rx2))); // hello hello
 * console.log(blockOn(next(rx1)) === STREAM_END); // true
 * ```
 */
export function broadcast<T>(capacity: number): [BroadcastSender<T>, BroadcastReceiver<T>] {
  const shared = new Shared<T>(checkCapacity("broadcast(capacity): capacity", capacity));
  return [makeBroadcastSender(shared), makeBroadcastReceiver(shared, 0)];
}

/**
 * The sending end of a {@linkcode broadcast} channel. Clone it for more producers; drop every clone
 * so that the receivers end.
 *
 * @example
 * ```ts
 * import { broadcast, SendError } from "@spindle/sync";
 *
 * const [tx, rx] = broadcast<number>(4);
 * console.log(tx.send(1)); // 1 (receivers that will see it)
 * rx[Symbol.dispose]();
 * try {
 *   tx.send(2);
 * } catch (error) {
 *   console.log(error instanceof SendError && error.value); // 2
 * }
 * ```
 */
export class BroadcastSender<T> implements Disposable {
  readonly #link: EndLink<Shared<T>>;

  private constructor(key: typeof KEY, shared: Shared<T>) {
    if (key !== KEY) throw noPublicConstructor("BroadcastSender", "broadcast() returns one", key);
    this.#link = new EndLink(this, shared, "sender", "BroadcastSender");
  }

  static {
    makeBroadcastSender = <T>(shared: Shared<T>): BroadcastSender<T> => new BroadcastSender(KEY, shared);
  }

  /**
   * A sender of a new broadcast channel with no receiver yet (tokio's `Sender::new`): receivers
   * come from `subscribe()`, and until the first, `send` throws {@linkcode SendError} and
   * `closed()` is complete. `capacity` as in {@linkcode broadcast}.
   *
   * @example
   * ```ts
   * import { BroadcastSender } from "@spindle/sync";
   *
   * const tx = BroadcastSender.create<string>(8);
   * console.log(tx.receiverCount); // 0
   * const rx = tx.subscribe();
   * tx.send("news");
   * console.log(rx.tryRecv()); // news
   * ```
   */
  static create<T>(capacity: number): BroadcastSender<T> {
    const shared = new Shared<T>(checkCapacity("BroadcastSender.create(capacity): capacity", capacity));
    shared.receivers = 0;
    return new BroadcastSender(KEY, shared);
  }

  /** How many receivers are live. */
  get receiverCount(): number {
    return this.#link.observed.receivers;
  }

  /**
   * How many values some live receiver has not read yet (tokio's `Sender::len`): what the slowest
   * receiver's `length` says, at most the capacity; 0 without receivers.
   *
   * @example
   * ```ts
   * import { broadcast } from "@spindle/sync";
   *
   * const [tx, fast] = broadcast<number>(4);
   * const slow = tx.subscribe();
   * tx.send(1);
   * tx.send(2);
   * fast.tryRecv();
   * fast.tryRecv();
   * console.log(tx.length, slow.length); // 2 2
   * ```
   */
  get length(): number {
    const shared = this.#link.observed;
    let oldest = shared.tail;
    for (const cursor of shared.cursors) if (cursor.position < oldest) oldest = cursor.position;
    return Math.min(shared.tail - oldest, shared.capacity);
  }

  /**
   * Whether every live receiver has read every value sent (tokio's `Sender::is_empty`): `length`
   * is 0. True without receivers.
   *
   * @example
   * ```ts
   * import { broadcast } from "@spindle/sync";
   *
   * const [tx, rx] = broadcast<number>(4);
   * tx.send(1);
   * console.log(tx.isEmpty); // false: rx has not read 1
   * rx.tryRecv();
   * console.log(tx.isEmpty); // true
   * ```
   */
  get isEmpty(): boolean {
    const shared = this.#link.observed;
    for (const cursor of shared.cursors) if (cursor.position < shared.tail) return false;
    return true;
  }

  /**
   * A future that completes once no receiver is left (tokio's `Sender::closed`), at once if there
   * is none now. A receiver subscribed meanwhile makes it wait for that one too. Takes a unit of
   * the task's cooperative budget per poll.
   *
   * @example
   * ```ts
   * import { type Coroutine, LocalExecutor } from "@spindle/core";
   * import { broadcast } from "@spindle/sync";
   *
   * const [tx, rx] = broadcast<number>(4);
   * const executor = new LocalExecutor();
   * const idle = executor.spawn(function* (): Coroutine<string> {
   *   yield* tx.closed();
   *   return "nobody listens";
   * }());
   * executor.spawn(function* (): Coroutine<void> {
   *   rx[Symbol.dispose]();
   * }());
   * await executor.run();
   * console.log(await idle); // nobody listens
   * ```
   */
  closed(): Future<void> {
    return new ReceiversGone(this.#link.live("closed()"), "BroadcastSender.closed()");
  }

  /**
   * Sends `value` to every live receiver and returns how many there are. Throws
   * {@linkcode SendError} (holding `value`) when there is none, {@linkcode ClosedError} if this
   * sender was dropped.
   */
  send(value: T): number {
    const shared = this.#link.live("send()");
    if (shared.receivers === 0) throw new SendError(value);
    shared.ring[shared.tail % shared.capacity] = value;
    shared.tail++;
    shared.waiting.wakeAll();
    return shared.receivers;
  }

  /** A new receiver that sees the values sent from now on. */
  subscribe(): BroadcastReceiver<T> {
    const shared = this.#link.live("subscribe()");
    shared.receivers++;
    return makeBroadcastReceiver(shared, shared.tail);
  }

  /** Another sender of the same channel. */
  clone(): BroadcastSender<T> {
    const shared = this.#link.live("clone()");
    shared.senders++;
    return new BroadcastSender(KEY, shared);
  }

  /**
   * A {@linkcode WeakSender} of this channel: it does not keep the channel open, and `upgrade()`
   * gives a `BroadcastSender` back while a sender is live (tokio's `broadcast::Sender::downgrade`).
   *
   * @example
   * ```ts
   * import { broadcast } from "@spindle/sync";
   *
   * const [tx, rx] = broadcast<number>(4);
   * const weak = tx.downgrade();
   * console.log(tx.strongCount, tx.weakCount, rx.isClosed); // 1 1 false
   * tx.drop();
   * console.log(rx.isClosed, rx.senderWeakCount, weak.upgrade()); // true 1 null
   * ```
   */
  downgrade(): WeakSender<BroadcastSender<T>> {
    const shared = this.#link.live("downgrade()");
    return weakSenderOf(shared, () => {
      shared.senders++;
      return new BroadcastSender(KEY, shared);
    }, "BroadcastSender");
  }

  /** How many senders are live (tokio's `strong_count`). */
  get strongCount(): number {
    return this.#link.observed.senders;
  }

  /** How many weak senders are live (tokio's `weak_count`). */
  get weakCount(): number {
    return this.#link.observed.weakSenders;
  }

  /** Drops this sender; after the last one the receivers read what is left, then end. Idempotent. */
  drop(): void {
    this.#link.drop();
  }

  /** Same as {@linkcode BroadcastSender.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.#link.drop();
  }
}

/**
 * A receiving end of a {@linkcode broadcast} channel: a core `Stream` of every value sent after
 * it subscribed. A poll (or `tryRecv`) throws {@linkcode LaggedError} once when values were
 * overwritten before this receiver read them; the next poll returns the oldest value kept.
 *
 * @example
 * ```ts
 * import { broadcast, LaggedError } from "@spindle/sync";
 *
 * const [tx, rx] = broadcast<number>(2);
 * for (let i = 1; i <= 4; i++) tx.send(i);
 * try {
 *   rx.tryRecv();
 * } catch (error) {
 *   console.log((error as LaggedError).missed); // 2
 * }
 * console.log(rx.tryRecv(), rx.tryRecv()); // 3 4
 * ```
 */
export class BroadcastReceiver<T> extends Stream<T> {
  readonly #link: EndLink<Shared<T>>;
  /** Its node in the wait list, and its read position. */
  readonly #node: Cursor;

  private constructor(key: typeof KEY, shared: Shared<T>, next: number) {
    super();
    if (key !== KEY) {
      throw noPublicConstructor("BroadcastReceiver", "broadcast() or a sender's subscribe() returns one", key);
    }
    this.#node = new Cursor(next);
    shared.cursors.add(this.#node);
    this.#link = new EndLink(this, shared, "receiver", "BroadcastReceiver", this.#node);
  }

  static {
    makeBroadcastReceiver = <T>(shared: Shared<T>, next: number): BroadcastReceiver<T> =>
      new BroadcastReceiver(KEY, shared, next);
  }

  /**
   * How many values were sent that this receiver has not read, counting those it missed (tokio's
   * `len`): more than the capacity means it lags, and its next receive throws {@linkcode LaggedError}.
   *
   * @example
   * ```ts
   * import { broadcast } from "@spindle/sync";
   *
   * const [tx, rx] = broadcast<number>(2);
   * for (const n of [1, 2, 3]) tx.send(n);
   * console.log(rx.length); // 3: one more than the channel keeps, so rx lags by 1
   * ```
   */
  get length(): number {
    return this.#link.observed.tail - this.#node.position;
  }

  /**
   * Whether this receiver has read every value sent (tokio's `Receiver::is_empty`): `length` is 0,
   * and `tryRecv()` would not return a value (nor throw {@linkcode LaggedError}).
   *
   * @example
   * ```ts
   * import { broadcast } from "@spindle/sync";
   *
   * const [tx, rx] = broadcast<number>(4);
   * console.log(rx.isEmpty); // true
   * tx.send(1);
   * console.log(rx.isEmpty, rx.tryRecv(), rx.isEmpty); // false 1 true
   * ```
   */
  get isEmpty(): boolean {
    return this.length === 0;
  }

  /** How many senders are live (tokio's `sender_strong_count`). */
  get senderStrongCount(): number {
    return this.#link.observed.senders;
  }

  /** How many weak senders are live (tokio's `sender_weak_count`). */
  get senderWeakCount(): number {
    return this.#link.observed.weakSenders;
  }

  /**
   * Whether every sender was dropped (weak senders do not count; tokio's `is_closed`), or this
   * receiver was. Values still unread are received after.
   */
  get isClosed(): boolean {
    const shared = this.#link.shared;
    return shared === null || shared.senders === 0;
  }

  /** The next value, `STREAM_END`, or `PENDING`; throws {@linkcode LaggedError} after a lag. */
  pollNext(cx: Context): Poll<T | StreamEnd> {
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const item = this.tryRecv();
    if (item === PENDING) {
      refundBudget();
      const node = this.#node;
      node.register(cx.waker);
      if (!node.queued) this.#link.shared!.waiting.push(node);
    }
    return item;
  }

  /** A future of the next value or `STREAM_END` (`next(receiver)`); it fails with {@linkcode LaggedError} after a lag. */
  recv(): Future<T | StreamEnd> {
    return new Recv(this, "BroadcastReceiver.recv()");
  }

  /**
   * The next value now, `PENDING` when there is none yet, `STREAM_END` once every sender is gone
   * and everything was read. Throws {@linkcode LaggedError} after a lag, {@linkcode ClosedError}
   * after this receiver was dropped.
   */
  tryRecv(): T | typeof PENDING | StreamEnd {
    const shared = this.#link.live("tryRecv()");
    const cursor = this.#node;
    const oldest = shared.tail - shared.capacity;
    if (cursor.position < oldest) {
      const missed = oldest - cursor.position;
      cursor.position = oldest;
      throw new LaggedError(missed);
    }
    if (cursor.position < shared.tail) return shared.ring[cursor.position++ % shared.capacity] as T;
    return shared.senders === 0 ? STREAM_END : PENDING;
  }

  /** A new receiver of the same channel that sees the values sent from now on. */
  resubscribe(): BroadcastReceiver<T> {
    const shared = this.#link.live("resubscribe()");
    shared.receivers++;
    return new BroadcastReceiver(KEY, shared, shared.tail);
  }

  /** Drops the receiver: it stops counting as one, and stops waiting. Idempotent. */
  drop(): void {
    this.#link.drop();
  }

  /** Same as {@linkcode BroadcastReceiver.drop}, for `using`. */
  override [Symbol.dispose](): void {
    this.#link.drop();
  }
}
