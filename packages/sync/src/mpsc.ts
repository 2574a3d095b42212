import { KEY } from "./construct-key.ts";
import {
  checkChunkMax,
  consumeBudget,
  type Context,
  describe,
  dropRawWaker,
  Future,
  noPublicConstructor,
  PENDING,
  type Poll,
  type RawWaker,
  refundBudget,
  replaceRawWaker,
  RingQueue,
  SpindleError,
  Stream,
  STREAM_END,
  type StreamEnd,
  wakeRawWaker,
} from "@spindle/core";
import { type EndCounts, EndLink } from "./channel-end.ts";
import { checkCapacity, checkPermits, ClosedError, SendError } from "./errors.ts";
import { PermitQueue, PermitWaiter } from "./permit-queue.ts";
import { awaitIterator, ReadyNow, Recv, takeBudgetNow } from "./ready-now.ts";
import { ReceiversGone } from "./receivers-gone.ts";
import { WaitList, type WaitNode } from "./wait-list.ts";
import { type WeakSender, weakSenderOf } from "./weak-sender.ts";

/**
 * Core's `yield*` iterator ({@linkcode awaitIterator}) held in a constant of this module, for the
 * slow paths of `Send` and `Reserve` (a full channel): V8 inlines `.call` of a module's own
 * constant, not of an imported binding (as permit-queue.ts's `ordinaryIterator`).
 */
const ordinaryIterator = awaitIterator;

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeSender: <T>(channel: Channel<T>) => Sender<T>;
let makeUnboundedSender: <T>(channel: Channel<T>) => UnboundedSender<T>;
let makeReceiver: <T>(channel: Channel<T>) => Receiver<T>;
let makeSendPermit: <T>(channel: Channel<T>, count: number) => SendPermit<T>;

/**
 * What the ends of one mpsc channel share. Single-threaded: every end is used on the thread that
 * made the channel.
 *
 * Closing: the channel is closed for the receiver when `senders` reaches 0 (every sender handle
 * dropped, every send and reserve future settled and every {@linkcode SendPermit} used or
 * released; each of those counts as a sender, so a value on its way is never cut off), and for the
 * senders when the receiver is closed or dropped. The receiver drains what the buffer holds before
 * it sees the end; after `close()` it also waits until no slot is held outside the buffer (a
 * permit may still send into it, as tokio's), which {@linkcode Channel.idle} tells.
 */
class Channel<T> implements EndCounts {
  readonly buffer: RingQueue<T> = new RingQueue<T>();
  /** Bounded channels: the free buffer slots, which senders acquire and the receiver releases. */
  readonly slots: PermitQueue | null;
  readonly capacity: number;
  /** Live sender handles, unsettled send and reserve futures, and permits holding slots. */
  senders = 1;
  /** Weak senders (they do not keep the channel open). */
  weakSenders = 0;
  /** The receiver, until it is dropped. */
  receivers = 1;
  /** False once the receiver was closed or dropped: sends fail, handing the value back. */
  receiving = true;
  /** The receiver's waker while it waits for a value or the end. */
  receiver: RawWaker<unknown> | null = null;
  /** The senders' `closed()` futures, waiting for the receiver to close or go. */
  readonly closing: WaitList<WaitNode> = new WaitList<WaitNode>();

  constructor(capacity: number | null) {
    this.slots = capacity === null ? null : new PermitQueue(capacity);
    this.capacity = capacity ?? Infinity;
  }

  /** Puts a value in (its slot, if bounded, is already taken) and wakes the receiver. */
  push(value: T): void {
    this.buffer.push(value);
    if (this.receiver !== null) this.receiver = wakeRawWaker(this.receiver); // no store per message
  }

  /**
   * Whether no slot is held outside the buffer (by a permit, or a send or reserve future given one):
   * after `close()`, the receiver ends once this holds and the buffer is drained. Always true
   * unbounded (an unbounded send delivers at once).
   */
  get idle(): boolean {
    const slots = this.slots;
    return slots === null || slots.free + this.buffer.length === this.capacity;
  }

  /** `n` slots held by a sender side come back without a value (a permit released, a send failed). */
  releaseSlots(n: number): void {
    this.slots!.release(n);
    this.slotsReturned();
  }

  /**
   * A pending send or reservation was dropped: its waiter leaves the slot queue (slots it was
   * already given pass on) and is reused.
   */
  cancelWaiter(waiter: PermitWaiter): void {
    waiter.dropWaker();
    const slots = this.slots!;
    slots.cancel(waiter);
    slots.recycle(waiter);
    this.slotsReturned();
  }

  /** Slots came back: once the channel is closed and idle, the receiver is woken to see its end. */
  slotsReturned(): void {
    if (!this.receiving && this.idle) this.receiver = wakeRawWaker(this.receiver);
  }

  /** One send or reserve future, or permit, is gone (sender handles go through their EndLink). */
  dropSender(): void {
    if (--this.senders === 0) this.lastSenderGone();
  }

  /** Wakes the receiver to see the end. */
  lastSenderGone(): void {
    this.receiver = wakeRawWaker(this.receiver);
  }

  /** The receiver was dropped: closed for the senders, and what is buffered is dropped. */
  lastReceiverGone(): void {
    this.close();
    while (this.buffer.length !== 0) this.buffer.shift();
    this.receiver = dropRawWaker(this.receiver);
  }

  /** Closes the channel for the senders (pending and later sends fail); the buffer stays. */
  close(): void {
    if (!this.receiving) return;
    this.receiving = false;
    this.slots?.close();
    this.closing.wakeAll();
  }
}

/** Why a send on a closed channel failed: its receiver closed it, or is gone. */
function whyClosed(channel: { readonly receivers: number }): string {
  return channel.receivers === 0 ? "no receiver is left" : "the receiver closed the channel";
}

/** One more sender of `channel`, counted (a weak sender's upgrade; it keeps no other end alive). */
function strongSender<T>(channel: Channel<T>): Sender<T> {
  channel.senders++;
  return makeSender(channel);
}

/** {@linkcode strongSender} for an unbounded channel. */
function strongUnboundedSender<T>(channel: Channel<T>): UnboundedSender<T> {
  channel.senders++;
  return makeUnboundedSender(channel);
}

/** The ClosedError of a reservation (`operation`) on a closed channel. */
function notReserved(channel: { readonly receivers: number }, operation: string): ClosedError {
  return new ClosedError("channel", `${operation} reserves nothing (${whyClosed(channel)})`);
}

/** `n` slots of `channel` now as a permit, `null` if they are not free; `operation` names the call. */
function tryReserve<T>(channel: Channel<T>, operation: string, n: number): SendPermit<T> | null {
  if (!channel.receiving) throw notReserved(channel, operation);
  if (n !== 0 && !channel.slots!.tryTake(n)) return null;
  if (n !== 0) channel.senders++;
  return makeSendPermit(channel, n);
}

/** The SendError for `value` on a closed channel: its receiver closed it, or is gone. */
function notSent<T>(channel: { readonly receivers: number }, value: T): SendError<T> {
  return new SendError(value, "channel", channel.receivers === 0 ? undefined : "the receiver closed the channel");
}

/** The mpsc channel constructors; see {@linkcode mpsc}. */
export interface Mpsc {
  /**
   * A bounded channel of `capacity` values (a positive integer): `send` waits while the buffer is
   * full. Returns the first sender and the receiver.
   */
  bounded<T>(capacity: number): [Sender<T>, Receiver<T>];
  /** An unbounded channel: `send` never waits. Returns the first sender and the receiver. */
  unbounded<T>(): [UnboundedSender<T>, Receiver<T>];
}

/**
 * Multi-producer, single-consumer channels (tokio's `mpsc`), bounded (backpressure: `send` waits
 * for room) or unbounded. Senders are cloned with `clone()` and dropped with `drop()` (or
 * `[Symbol.dispose]`); once the last is dropped the receiver yields what is buffered, then ends.
 * The {@linkcode Receiver} is a core `Stream`: `yield* next(rx)` (or `rx.recv()`) gives the next
 * value or `STREAM_END`.
 *
 * Cancel-safe: dropping a pending `recv` takes no value (a value leaves the channel only when a
 * poll returns it); dropping a pending `send` sends nothing and hands its reserved slot, if it
 * had been given one, to the next waiting sender.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor, next, STREAM_END } from "@spindle/core";
 * import { mpsc, type Receiver, type Sender } from "@spindle/sync";
 *
 * function* produce(tx: Sender<number>): Coroutine<void> {
 *   for (let i = 1; i <= 5; i++) yield* tx.send(i); // waits while 2 values are buffered
 *   tx.drop();
 * }
 * function* consume(rx: Receiver<number>): Coroutine<number> {
 *   let sum = 0;
 *   for (let n; (n = yield* next(rx)) !== STREAM_END;) sum += n;
 *   return sum;
 * }
 * const [tx, rx] = mpsc.bounded<number>(2);
 * const executor = new LocalExecutor();
 * executor.spawn(produce(tx));
 * const sum = executor.spawn(consume(rx));
 * await executor.run();
 * console.log(await sum); // 15
 * ```
 */
export const mpsc: Mpsc = {
  bounded<T>(capacity: number): [Sender<T>, Receiver<T>] {
    const channel = new Channel<T>(checkCapacity("mpsc.bounded(capacity): capacity", capacity));
    return [makeSender(channel), makeReceiver(channel)];
  },
  unbounded<T>(): [UnboundedSender<T>, Receiver<T>] {
    const channel = new Channel<T>(null);
    return [makeUnboundedSender(channel), makeReceiver(channel)];
  },
};

/**
 * The sending end of a bounded {@linkcode mpsc} channel. Clone it for more producers; drop every
 * clone (`drop()` or `[Symbol.dispose]`) so that the receiver sees the end.
 *
 * @example
 * ```ts
 * import { mpsc } from "@spindle/sync";
 *
 * const [tx, rx] = mpsc.bounded<string>(1);
 * console.log(tx.trySend("a"), tx.trySend("b")); // true false
 * console.log(rx.tryRecv()); // a
 * ```
 */
export class Sender<T> implements Disposable {
  readonly #link: EndLink<Channel<T>>;

  private constructor(key: typeof KEY, channel: Channel<T>) {
    if (key !== KEY) throw noPublicConstructor("Sender", "mpsc.bounded() returns one", key);
    this.#link = new EndLink(this, channel, "sender", "Sender");
  }

  static {
    makeSender = <T>(channel: Channel<T>): Sender<T> => new Sender(KEY, channel);
  }

  /** The channel's capacity: the most values it buffers (tokio's `max_capacity()`). */
  get capacity(): number {
    return this.#link.observed.capacity;
  }

  /**
   * The free slots now (tokio's `capacity()`): the capacity less the values buffered and the slots
   * held by permits and by send or reserve futures given one.
   *
   * @example
   * ```ts
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.bounded<string>(3);
   * const permit = tx.tryReserve()!;
   * tx.trySend("a");
   * console.log(tx.capacity, tx.availableCapacity); // 3 1
   * permit.release();
   * rx.tryRecv();
   * console.log(tx.availableCapacity); // 3
   * ```
   */
  get availableCapacity(): number {
    return this.#link.observed.slots!.free;
  }

  /**
   * A future that completes once the receiver is closed or dropped (sends fail from then on), as
   * tokio's `Sender::closed`: a producer can stop making values nobody will take. Throws
   * {@linkcode ClosedError} if this sender was dropped.
   *
   * @example
   * ```ts
   * import { type Coroutine, LocalExecutor } from "@spindle/core";
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.bounded<number>(1);
   * const executor = new LocalExecutor();
   * const done = executor.spawn(function* (): Coroutine<string> {
   *   yield* tx.closed();
   *   return "no one receives";
   * }());
   * executor.spawn(function* (): Coroutine<void> {
   *   rx.close();
   * }());
   * await executor.run();
   * console.log(await done); // no one receives
   * ```
   */
  closed(): Future<void> {
    return new ReceiversGone(this.#link.live("closed()"), "Sender.closed()");
  }

  /** Whether the receiver was closed or dropped (sends fail), or this sender was dropped. */
  get isClosed(): boolean {
    return !(this.#link.shared?.receiving ?? false);
  }

  /**
   * A future that waits for a free slot and sends `value`. Fails with {@linkcode SendError}
   * (holding `value`) if the receiver is closed or dropped first. Dropped before it completes, it
   * sends nothing. Throws {@linkcode ClosedError} if this sender was dropped.
   */
  send(value: T): Future<void> {
    return new Send(this.#link.live("send()"), value);
  }

  /**
   * Sends `value` now if a slot is free and no other send waits: true if sent, false if the
   * channel is full. Throws {@linkcode SendError} (holding `value`) if the receiver is gone.
   */
  trySend(value: T): boolean {
    const channel = this.#link.live("trySend()");
    if (!channel.receiving) throw notSent(channel, value);
    if (!channel.slots!.tryTake(1)) return false;
    channel.push(value);
    return true;
  }

  /**
   * A future of a {@linkcode SendPermit} for one value (tokio's `reserve`): it waits for a free
   * slot, in the same FIFO as `send`, and the permit holds it until `permit.send(value)` puts a
   * value in without waiting, or `release()` gives it back. Fails with {@linkcode ClosedError} if
   * the receiver is closed or dropped first. Cancel-safe: dropped before it completes, it takes no
   * slot (one it was given passes to the next waiting sender). The future, then the permit, counts
   * as a sender: the receiver does not end under it.
   *
   * @example
   * ```ts
   * import { type Coroutine, LocalExecutor } from "@spindle/core";
   * import { mpsc, type Sender } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.bounded<string>(1);
   * function* produce(tx: Sender<string>): Coroutine<void> {
   *   const permit = yield* tx.reserve(); // the slot is ours before the value exists
   *   permit.send("made after the slot was free");
   *   tx.drop();
   * }
   * const executor = new LocalExecutor();
   * executor.spawn(produce(tx));
   * await executor.run();
   * console.log(rx.tryRecv()); // made after the slot was free
   * ```
   */
  reserve(): Future<SendPermit<T>> {
    return new Reserve(this.#link.live("reserve()"), 1, "Sender.reserve()");
  }

  /**
   * A future of a {@linkcode SendPermit} for `n` values at once (tokio's `reserve_many`), as
   * {@linkcode Sender.reserve}: it waits until all `n` slots are its own. `n` is an integer from 0
   * to the capacity (0 completes at once while the channel is open); any other `n` throws
   * `INVALID_ARGUMENT` naming it, as it could never complete.
   *
   * @example
   * ```ts
   * import { blockOn } from "@spindle/core";
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.bounded<number>(4);
   * const permit = blockOn(tx.reserveMany(3));
   * for (let i = 0; permit.count > 0; i++) permit.send(i);
   * console.log(rx.length, tx.availableCapacity); // 3 1
   * ```
   */
  reserveMany(n: number): Future<SendPermit<T>> {
    const channel = this.#link.live("reserveMany()");
    return new Reserve(channel, checkPermits("Sender.reserveMany(n): n", n, channel.capacity), "Sender.reserveMany()");
  }

  /**
   * A {@linkcode SendPermit} for one value now, or `null` when no slot is free or a sender waits
   * ahead (tokio's `try_reserve`). Throws {@linkcode ClosedError} if the receiver is closed or
   * dropped.
   *
   * @example
   * ```ts
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.bounded<string>(1);
   * const permit = tx.tryReserve()!;
   * console.log(tx.tryReserve(), tx.trySend("x")); // null false
   * permit.send("y");
   * console.log(rx.tryRecv()); // y
   * ```
   */
  tryReserve(): SendPermit<T> | null {
    return tryReserve(this.#link.live("tryReserve()"), "Sender.tryReserve()", 1);
  }

  /**
   * A {@linkcode SendPermit} for `n` values now (all or nothing), or `null` when `n` slots are not
   * free or a sender waits ahead (tokio's `try_reserve_many`). `n` as in
   * {@linkcode Sender.reserveMany}; throws {@linkcode ClosedError} if the receiver is closed or
   * dropped.
   *
   * @example
   * ```ts
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx] = mpsc.bounded<number>(2);
   * const permit = tx.tryReserveMany(2)!;
   * console.log(permit.count, tx.tryReserveMany(1)); // 2 null
   * permit.release();
   * console.log(tx.availableCapacity); // 2
   * ```
   */
  tryReserveMany(n: number): SendPermit<T> | null {
    const channel = this.#link.live("tryReserveMany()");
    return tryReserve(
      channel,
      "Sender.tryReserveMany()",
      checkPermits("Sender.tryReserveMany(n): n", n, channel.capacity),
    );
  }

  /** Another sender of the same channel. */
  clone(): Sender<T> {
    const channel = this.#link.live("clone()");
    channel.senders++;
    return new Sender(KEY, channel);
  }

  /**
   * A {@linkcode WeakSender} of this channel: it does not keep the channel open, and `upgrade()`
   * gives a `Sender` back while a sender is live (tokio's `downgrade`).
   *
   * @example
   * ```ts
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.bounded<number>(1);
   * const weak = tx.downgrade();
   * console.log(tx.strongCount, tx.weakCount, rx.isClosed); // 1 1 false
   * tx.drop();
   * console.log(rx.isClosed, weak.upgrade()); // true null
   * ```
   */
  downgrade(): WeakSender<Sender<T>> {
    const channel = this.#link.live("downgrade()");
    return weakSenderOf(channel, () => strongSender(channel), "Sender");
  }

  /** How many senders are live (tokio's `strong_count`; pending sends and permits included). */
  get strongCount(): number {
    return this.#link.observed.senders;
  }

  /** How many weak senders are live (tokio's `weak_count`). */
  get weakCount(): number {
    return this.#link.observed.weakSenders;
  }

  /** Drops this sender; after the last one the receiver drains the buffer and ends. Idempotent. */
  drop(): void {
    this.#link.drop();
  }

  /** Same as {@linkcode Sender.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.#link.drop();
  }
}

/**
 * The sending end of an unbounded {@linkcode mpsc} channel: `send` never waits.
 *
 * @example
 * ```ts
 * import { mpsc } from "@spindle/sync";
 *
 * const [tx, rx] = mpsc.unbounded<number>();
 * tx.send(1);
 * tx.clone().send(2);
 * console.log(rx.tryRecv(), rx.tryRecv()); // 1 2
 * ```
 */
export class UnboundedSender<T> implements Disposable {
  readonly #link: EndLink<Channel<T>>;

  private constructor(key: typeof KEY, channel: Channel<T>) {
    if (key !== KEY) throw noPublicConstructor("UnboundedSender", "mpsc.unbounded() returns one", key);
    this.#link = new EndLink(this, channel, "sender", "UnboundedSender");
  }

  static {
    makeUnboundedSender = <T>(channel: Channel<T>): UnboundedSender<T> => new UnboundedSender(KEY, channel);
  }

  /**
   * A future that completes once the receiver is closed or dropped (sends fail from then on), as
   * tokio's `Sender::closed`: a producer can stop making values nobody will take. Throws
   * {@linkcode ClosedError} if this sender was dropped.
   *
   * @example
   * ```ts
   * import { type Coroutine, LocalExecutor } from "@spindle/core";
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.unbounded<number>();
   * const executor = new LocalExecutor();
   * const done = executor.spawn(function* (): Coroutine<string> {
   *   yield* tx.closed();
   *   return "no one receives";
   * }());
   * executor.spawn(function* (): Coroutine<void> {
   *   rx.close();
   * }());
   * await executor.run();
   * console.log(await done); // no one receives
   * ```
   */
  closed(): Future<void> {
    return new ReceiversGone(this.#link.live("closed()"), "UnboundedSender.closed()");
  }

  /** Whether the receiver was closed or dropped (sends fail), or this sender was dropped. */
  get isClosed(): boolean {
    return !(this.#link.shared?.receiving ?? false);
  }

  /**
   * Sends `value`. Throws {@linkcode SendError} (holding `value`) if the receiver is closed or
   * dropped, {@linkcode ClosedError} if this sender was dropped.
   */
  send(value: T): void {
    const channel = this.#link.live("send()");
    if (!channel.receiving) throw notSent(channel, value);
    channel.push(value);
  }

  /** Another sender of the same channel. */
  clone(): UnboundedSender<T> {
    const channel = this.#link.live("clone()");
    channel.senders++;
    return new UnboundedSender(KEY, channel);
  }

  /**
   * A {@linkcode WeakSender} of this channel (tokio's `WeakUnboundedSender`); see `Sender.downgrade`.
   *
   * @example
   * ```ts
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.unbounded<string>();
   * const weak = tx.downgrade();
   * const strong = weak.upgrade()!; // a sender lives: it upgrades
   * strong.send("hello");
   * strong.drop();
   * tx.drop();
   * console.log(rx.length, rx.senderStrongCount, rx.senderWeakCount, weak.upgrade()); // 1 0 1 null
   * ```
   */
  downgrade(): WeakSender<UnboundedSender<T>> {
    const channel = this.#link.live("downgrade()");
    return weakSenderOf(channel, () => strongUnboundedSender(channel), "UnboundedSender");
  }

  /** How many senders are live (tokio's `strong_count`). */
  get strongCount(): number {
    return this.#link.observed.senders;
  }

  /** How many weak senders are live (tokio's `weak_count`). */
  get weakCount(): number {
    return this.#link.observed.weakSenders;
  }

  /** Drops this sender; after the last one the receiver drains the buffer and ends. Idempotent. */
  drop(): void {
    this.#link.drop();
  }

  /** Same as {@linkcode UnboundedSender.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.#link.drop();
  }
}

/**
 * The receiving end of an {@linkcode mpsc} channel, a core `Stream` of the values sent, in the
 * order they entered the channel, ending once every sender is dropped and the buffer is drained
 * (or after `close()` and draining).
 *
 * @example
 * ```ts
 * import { blockOn, STREAM_END } from "@spindle/core";
 * import { mpsc } from "@spindle/sync";
 *
 * const [tx, rx] = mpsc.unbounded<string>();
 * tx.send("last words");
 * tx.drop();
 * console.log(blockOn(rx.recv()), blockOn(rx.recv()) === STREAM_END); // last words true
 * ```
 */
export class Receiver<T> extends Stream<T> {
  readonly #link: EndLink<Channel<T>>;

  private constructor(key: typeof KEY, channel: Channel<T>) {
    super();
    if (key !== KEY) throw noPublicConstructor("Receiver", "mpsc.bounded() or mpsc.unbounded() returns one", key);
    this.#link = new EndLink(this, channel, "receiver", "Receiver");
  }

  static {
    makeReceiver = <T>(channel: Channel<T>): Receiver<T> => new Receiver(KEY, channel);
  }

  /** How many senders are live (tokio's `sender_strong_count`; pending sends and permits included). */
  get senderStrongCount(): number {
    return this.#link.observed.senders;
  }

  /** How many weak senders are live (tokio's `sender_weak_count`). */
  get senderWeakCount(): number {
    return this.#link.observed.weakSenders;
  }

  /**
   * How many values are buffered (tokio's `len`).
   *
   * @example
   * ```ts
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.bounded<number>(4);
   * tx.trySend(1);
   * tx.trySend(2);
   * console.log(rx.length, rx.senderStrongCount); // 2 1
   * ```
   */
  get length(): number {
    return this.#link.observed.buffer.length;
  }

  /**
   * Whether no value is buffered (tokio's `is_empty`): `tryRecv()` would not return a value.
   *
   * @example
   * ```ts
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.unbounded<number>();
   * console.log(rx.isEmpty); // true
   * tx.send(1);
   * console.log(rx.isEmpty, rx.length); // false 1
   * ```
   */
  get isEmpty(): boolean {
    return this.length === 0;
  }

  /**
   * Whether the channel is closed: every sender (and permit) dropped, or `close()` called (permits
   * held then may still send what they reserved). Values still buffered are received after.
   *
   * @example
   * ```ts
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.unbounded<number>();
   * tx.send(1);
   * tx.drop();
   * console.log(rx.isClosed, rx.tryRecv()); // true 1
   * ```
   */
  get isClosed(): boolean {
    const channel = this.#link.shared;
    return channel === null || channel.senders === 0 || !channel.receiving;
  }

  /** The next value, `STREAM_END`, or `PENDING` with the task's waker kept. */
  pollNext(cx: Context): Poll<T | StreamEnd> {
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const item = this.tryRecv();
    if (item !== PENDING) return item;
    refundBudget();
    const channel = this.#link.shared!;
    channel.receiver = replaceRawWaker(channel.receiver, cx.waker);
    return PENDING;
  }

  /**
   * A future of the next value or `STREAM_END` (what `next(receiver)` gives; `yield*` on it takes
   * a buffered value without suspending the coroutine); dropping it takes nothing.
   */
  recv(): Future<T | StreamEnd> {
    return new Recv(this, "Receiver.recv()");
  }

  /**
   * Up to `max` values at once, oldest first, and at least one; `STREAM_END`, or `PENDING` as
   * `pollNext` answers. What core's `pollChunk` (and so `fold` and `forEach`) takes from the
   * receiver: one unit of the task's budget for them all, as tokio's `recv_many`.
   */
  override pollNextChunk(cx: Context, max: number): Poll<T[] | StreamEnd> {
    checkChunkMax(max);
    const first = this.pollNext(cx);
    if (first === PENDING || first === STREAM_END) return first as typeof PENDING | StreamEnd;
    const channel = this.#link.shared!;
    const buffer = channel.buffer;
    const chunk = [first];
    while (chunk.length < max && buffer.length !== 0) chunk.push(buffer.shift() as T);
    if (chunk.length > 1) channel.slots?.release(chunk.length - 1);
    return chunk;
  }

  /**
   * A future of up to `max` values, oldest first (tokio's `recv_many`): it waits for the first and
   * takes the others already buffered with it, or gives `STREAM_END` once the channel is closed and
   * drained. Dropping it takes nothing. A `max` that is not an integer >= 1 is a `RangeError`
   * naming it.
   *
   * @example
   * ```ts
   * import { blockOn } from "@spindle/core";
   * import { mpsc } from "@spindle/sync";
   *
   * const [tx, rx] = mpsc.unbounded<number>();
   * for (const n of [1, 2, 3]) tx.send(n);
   * console.log(blockOn(rx.recvMany(2)), blockOn(rx.recvMany(2))); // [ 1, 2 ] [ 3 ]
   * ```
   */
  recvMany(max: number): Future<T[] | StreamEnd> {
    return new RecvMany(this, checkChunkMax(max, "Receiver.recvMany()"));
  }

  /**
   * The next value now; `PENDING` when none is buffered but more may come; `STREAM_END` when the
   * channel is closed and drained. Throws {@linkcode ClosedError} after the receiver was dropped.
   */
  tryRecv(): T | typeof PENDING | StreamEnd {
    const channel = this.#link.live("tryRecv()");
    if (channel.buffer.length !== 0) {
      const value = channel.buffer.shift() as T;
      channel.slots?.release(1);
      return value;
    }
    return channel.senders === 0 || (!channel.receiving && channel.idle) ? STREAM_END : PENDING;
  }

  /**
   * Closes the channel for the senders: pending and later sends fail with {@linkcode SendError},
   * reservations with {@linkcode ClosedError}; what is buffered can still be received, and so can
   * what the permits already held send (as tokio's), then the stream ends.
   */
  close(): void {
    this.#link.shared?.close();
  }

  /** Drops the receiver: closes the channel and drops what is buffered. Idempotent. */
  drop(): void {
    this.#link.drop();
  }

  /** Same as {@linkcode Receiver.drop}, for `using`. */
  override [Symbol.dispose](): void {
    this.#link.drop();
  }
}

class RecvMany<T> extends Future<T[] | StreamEnd> {
  #receiver: Receiver<T> | null;
  readonly #max: number;

  constructor(receiver: Receiver<T>, max: number) {
    super();
    this.#receiver = receiver;
    this.#max = max;
  }

  poll(cx: Context): Poll<T[] | StreamEnd> {
    const receiver = this.#receiver;
    if (receiver === null) {
      throw new SpindleError("FUTURE_COMPLETED", "Receiver.recvMany() was polled after it completed");
    }
    const chunk = receiver.pollNextChunk(cx, this.#max);
    if (chunk !== PENDING) this.#receiver = null;
    return chunk;
  }
}

/** A {@linkcode Send}'s waiter field once it settled (never queued). */
const SETTLED = new PermitWaiter(0);

/**
 * A bounded channel's send: a free slot (a permit of `slots`), then the value in the buffer. The
 * steps of `PermitFuture` for one permit, written out for this future alone: it is made per
 * message, and the generic one (seven fields, a `granted()` call in a try/catch, another in a
 * try/finally) cost a third more per message than the channel's other work. Counts as a live
 * sender from its creation until it completes or is dropped, so the channel does not close under
 * a send that has not delivered its value yet.
 *
 * The future is its own `yield*` iterator on both paths (as `Recv` of ready-now.ts, which says
 * why): while it waits, the step yields the future itself to the task (`done` false, `value` the
 * future); once it settled, the step is done (`value` undefined).
 */
class Send<T> extends Future<void> implements Iterator<Future<unknown>, void, unknown> {
  readonly #channel: Channel<T>;
  readonly #value: T;
  /**
   * Its place in the slots' queue while it waits; `null` before and after; `SETTLED` once it
   * completed or was dropped (then polling it is a misuse), until when it counts as a sender. One
   * field for both (not a `#live` flag besides): a send is made per message.
   */
  #waiter: PermitWaiter | null = null;

  constructor(channel: Channel<T>, value: T) {
    super();
    channel.senders++;
    this.#channel = channel;
    this.#value = value;
  }

  /**
   * `yield*` on the future: with a slot free and nobody waiting ahead, delivers here without
   * suspending the coroutine (as `ReadyNow` explains).
   */
  override [Symbol.iterator](): Iterator<Future<unknown>, void, unknown> {
    const waiter = this.#waiter;
    if (waiter === null && takeBudgetNow()) {
      const channel = this.#channel;
      if (channel.slots!.tryTake(1)) {
        // A slot is only taken while the channel is open (close() closes the slots first).
        channel.push(this.#value);
        this.#waiter = SETTLED;
        if (--channel.senders === 0) channel.lastSenderGone();
        return this;
      }
      refundBudget();
    }
    // Settled already: core's iterator hands the future to the task, whose poll throws.
    if (waiter === SETTLED) return ordinaryIterator.call(this) as Iterator<Future<unknown>, void, unknown>;
    return this;
  }

  /** Done once the send settled. */
  get done(): boolean {
    return this.#waiter === SETTLED;
  }

  /** The step's output: this future while it waits (the task polls it), then nothing. */
  get value(): Future<void> | undefined {
    return this.#waiter === SETTLED ? undefined : this;
  }

  /** The iterator's step: the future to poll while it waits, then done. */
  next(): IteratorResult<Future<unknown>, void> {
    return this as IteratorResult<Future<unknown>, void>;
  }

  /** The poll failed: the error goes on into the coroutine, at its `yield*`. */
  throw(error: unknown): never {
    throw error;
  }

  poll(cx: Context): Poll<void> {
    let waiter = this.#waiter;
    if (waiter === SETTLED) throw new SpindleError("FUTURE_COMPLETED", "Sender.send() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const slots = this.#channel.slots!;
    if (waiter === null) {
      if (slots.closed) return this.#fail();
      if (slots.tryTake(1)) return this.#deliver();
      waiter = this.#waiter = slots.waiter(1);
      slots.enqueue(waiter);
    }
    if (!waiter.queued) {
      // Out of the queue: given its slot, or woken by close() without one.
      const satisfied = waiter.assigned === 1;
      waiter.assigned = 0; // consumed here, or nothing (close() fails the send)
      waiter.dropWaker();
      this.#waiter = null;
      slots.recycle(waiter);
      return satisfied ? this.#deliver() : this.#fail();
    }
    refundBudget();
    waiter.register(cx.waker);
    return PENDING;
  }

  /** Drops the send: out of the queue (a slot it was given passes on), and no longer a sender. */
  override [Symbol.dispose](): void {
    const waiter = this.#waiter;
    if (waiter !== null && waiter !== SETTLED) {
      this.#waiter = null;
      this.#channel.cancelWaiter(waiter);
    }
    this.#settle();
  }

  /** Holds a slot: the value goes into the buffer, or, if the receiver closed meanwhile, fails. */
  #deliver(): void {
    const channel = this.#channel;
    if (!channel.receiving) {
      channel.releaseSlots(1);
      return this.#fail();
    }
    channel.push(this.#value);
    this.#settle();
  }

  /** The channel closed: the value is handed back in the SendError. */
  #fail(): never {
    this.#settle();
    throw notSent(this.#channel, this.#value);
  }

  /** The send future stops counting as a sender (once). */
  #settle(): void {
    if (this.#waiter === SETTLED) return;
    this.#waiter = SETTLED;
    this.#channel.dropSender();
  }
}

/**
 * Slots reserved in a bounded {@linkcode mpsc} channel by {@linkcode Sender.reserve} (one) or
 * {@linkcode Sender.reserveMany} (`count`): each `send(value)` puts a value in at once, in a slot
 * already held, so it never waits and never finds the channel full; `release()` (or
 * `[Symbol.dispose]`, for `using`) gives the slots not used back to the senders waiting. Held
 * slots count against the capacity, and a permit holding slots counts as a sender: the receiver
 * does not end while one is live, and after `rx.close()` it still receives what the permits send.
 * Dropping or using up the last permit of a channel whose senders are gone (or whose receiver is
 * closed) wakes the receiver to see its end. Release permits you do not use: one left unreleased
 * holds its slots for good.
 *
 * @example
 * ```ts
 * import { mpsc } from "@spindle/sync";
 *
 * const [tx, rx] = mpsc.bounded<string>(4);
 * const permit = tx.tryReserveMany(3)!;
 * permit.send("a");
 * permit.send("b");
 * console.log(permit.count, tx.availableCapacity); // 1 1
 * permit.release(); // the third slot goes back
 * console.log(permit.count, tx.availableCapacity); // 0 2
 * console.log(rx.tryRecv(), rx.tryRecv()); // a b
 * ```
 */
export class SendPermit<T> implements Disposable {
  /** The channel while the permit holds slots; `null` once they are all used or released. */
  #channel: Channel<T> | null;
  #count: number;

  private constructor(key: typeof KEY, channel: Channel<T>, count: number) {
    if (key !== KEY) throw noPublicConstructor("SendPermit", "a sender's reserve() gives one", key);
    this.#channel = count === 0 ? null : channel;
    this.#count = count;
  }

  static {
    makeSendPermit = <T>(channel: Channel<T>, count: number): SendPermit<T> => new SendPermit(KEY, channel, count);
  }

  /** How many slots this permit still holds (values it can send). */
  get count(): number {
    return this.#count;
  }

  /**
   * Sends `value` in one of the slots held, without waiting (tokio's `Permit::send`). Throws
   * {@linkcode SendError} (holding `value`; the slot is used up) if the receiver was dropped, and
   * {@linkcode ClosedError} if the permit holds no slot any more (used up or released).
   */
  send(value: T): void {
    const channel = this.#channel;
    if (channel === null) {
      throw new ClosedError(
        "permit",
        `SendPermit.send(${describe(value)}) on a permit whose slots were all used or released`,
      );
    }
    if (--this.#count === 0) this.#channel = null;
    if (channel.receivers === 0) {
      if (this.#count === 0) channel.dropSender();
      throw notSent(channel, value);
    }
    channel.push(value); // the slot held goes with the value; the receiver frees it
    if (this.#count === 0) channel.dropSender();
  }

  /** Gives the slots not used back (to the senders waiting first). Does nothing the second time. */
  release(): void {
    const channel = this.#channel;
    if (channel === null) return;
    this.#channel = null;
    const count = this.#count;
    this.#count = 0;
    channel.releaseSlots(count);
    channel.dropSender();
  }

  /** Same as {@linkcode SendPermit.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * `Sender.reserve()` and `reserveMany(n)`: `needed` free slots (permits of `slots`), then a
 * {@linkcode SendPermit} holding them. The steps of `Send` without the value: it counts as a
 * sender from its creation, and hands that count on to the permit it completes with.
 */
class Reserve<T> extends Future<SendPermit<T>> {
  readonly #channel: Channel<T>;
  readonly #needed: number;
  readonly #what: string;
  /** Its place in the slots' queue while it waits; `null` before and after. */
  #waiter: PermitWaiter | null = null;
  /** Counted as a sender: until it completes or is dropped (then polling it is a misuse). */
  #live = true;

  constructor(channel: Channel<T>, needed: number, what: string) {
    super();
    channel.senders++;
    this.#channel = channel;
    this.#needed = needed;
    this.#what = what;
  }

  /** `yield*` on the future: with the slots free and nobody waiting ahead, completes here. */
  override [Symbol.iterator](): Iterator<Future<unknown>, SendPermit<T>, unknown> {
    const channel = this.#channel;
    if (this.#live && this.#waiter === null && channel.receiving && takeBudgetNow()) {
      if (this.#needed === 0 || channel.slots!.tryTake(this.#needed)) return new ReadyNow(this.#grant());
      refundBudget();
    }
    return ordinaryIterator.call(this) as Iterator<Future<unknown>, SendPermit<T>, unknown>;
  }

  poll(cx: Context): Poll<SendPermit<T>> {
    if (!this.#live) throw new SpindleError("FUTURE_COMPLETED", `${this.#what} was polled after it completed`);
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const channel = this.#channel;
    const slots = channel.slots!;
    let waiter = this.#waiter;
    if (waiter === null) {
      if (!channel.receiving) return this.#fail();
      if (this.#needed === 0 || slots.tryTake(this.#needed)) return this.#grant();
      waiter = this.#waiter = slots.waiter(this.#needed);
      slots.enqueue(waiter);
    }
    if (!waiter.queued) {
      // Out of the queue: given its slots, or woken by close() short of them.
      waiter.dropWaker();
      this.#waiter = null;
      if (waiter.assigned === waiter.needed && channel.receiving) {
        waiter.assigned = 0; // the permit's now
        slots.recycle(waiter);
        return this.#grant();
      }
      // Closed first: what it was given goes back (as tokio's failed reserve), which may leave
      // the closed channel idle for the receiver.
      slots.cancel(waiter);
      slots.recycle(waiter);
      return this.#fail();
    }
    refundBudget();
    waiter.register(cx.waker);
    return PENDING;
  }

  /** Drops the reservation: out of the queue, and the slots it was given pass on. */
  override [Symbol.dispose](): void {
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      this.#channel.cancelWaiter(waiter);
    }
    this.#settle();
  }

  /** Holds the slots: the permit takes them and this future's sender count (none for 0 slots). */
  #grant(): SendPermit<T> {
    this.#live = false;
    if (this.#needed === 0) this.#channel.dropSender();
    return makeSendPermit(this.#channel, this.#needed);
  }

  /** The channel closed before the slots were this future's. */
  #fail(): never {
    this.#settle();
    this.#channel.slotsReturned();
    throw notReserved(this.#channel, this.#what);
  }

  /** The future stops counting as a sender (once). */
  #settle(): void {
    if (!this.#live) return;
    this.#live = false;
    this.#channel.dropSender();
  }
}
