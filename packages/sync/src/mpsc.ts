import {
  checkChunkMax,
  consumeBudget,
  type Context,
  dropRawWaker,
  Future,
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
import { checkCapacity, SendError } from "./errors.ts";
import { PermitQueue, type PermitWaiter } from "./permit-queue.ts";
import { awaitIterator, READY_VOID, Recv, takeBudgetNow } from "./ready-now.ts";

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeSender: <T>(channel: Channel<T>) => Sender<T>;
let makeUnboundedSender: <T>(channel: Channel<T>) => UnboundedSender<T>;
let makeReceiver: <T>(channel: Channel<T>) => Receiver<T>;

/**
 * What the ends of one mpsc channel share. Single-threaded: every end is used on the thread that
 * made the channel.
 *
 * Closing: the channel is closed for the receiver when `senders` reaches 0 (every sender handle
 * dropped and every send future settled; a pending send counts as a sender, so a value on its way
 * is never cut off), and for the senders when the receiver is closed or dropped. The receiver
 * drains what the buffer holds before it sees the end.
 */
class Channel<T> implements EndCounts {
  readonly buffer: RingQueue<T> = new RingQueue<T>();
  /** Bounded channels: the free buffer slots, which senders acquire and the receiver releases. */
  readonly slots: PermitQueue | null;
  readonly capacity: number;
  /** Live sender handles plus unsettled send futures. */
  senders = 1;
  /** The receiver, until it is dropped. */
  receivers = 1;
  /** False once the receiver was closed or dropped: sends fail, handing the value back. */
  receiving = true;
  /** The receiver's waker while it waits for a value or the end. */
  receiver: RawWaker<unknown> | null = null;

  constructor(capacity: number | null) {
    this.slots = capacity === null ? null : new PermitQueue(capacity);
    this.capacity = capacity ?? Infinity;
  }

  /** Puts a value in (its slot, if bounded, is already taken) and wakes the receiver. */
  push(value: T): void {
    this.buffer.push(value);
    this.receiver = wakeRawWaker(this.receiver);
  }

  /** One send future is gone (sender handles go through their EndLink). */
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
  }
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

  private constructor(channel: Channel<T>) {
    this.#link = new EndLink(this, channel, "sender", "Sender");
  }

  static {
    makeSender = <T>(channel: Channel<T>): Sender<T> => new Sender(channel);
  }

  /** The channel's capacity. */
  get capacity(): number {
    return this.#link.live("capacity").capacity;
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

  /** Another sender of the same channel. */
  clone(): Sender<T> {
    const channel = this.#link.live("clone()");
    channel.senders++;
    return new Sender(channel);
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

  private constructor(channel: Channel<T>) {
    this.#link = new EndLink(this, channel, "sender", "UnboundedSender");
  }

  static {
    makeUnboundedSender = <T>(channel: Channel<T>): UnboundedSender<T> => new UnboundedSender(channel);
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
    return new UnboundedSender(channel);
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

  private constructor(channel: Channel<T>) {
    super();
    this.#link = new EndLink(this, channel, "receiver", "Receiver");
  }

  static {
    makeReceiver = <T>(channel: Channel<T>): Receiver<T> => new Receiver(channel);
  }

  /** How many values are buffered. */
  get length(): number {
    return this.#link.shared?.buffer.length ?? 0;
  }

  /** Whether no more values can come in: every sender dropped, or `close()` called. */
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
    return channel.senders === 0 || !channel.receiving ? STREAM_END : PENDING;
  }

  /**
   * Closes the channel for the senders: pending and later sends fail with {@linkcode SendError};
   * what is buffered can still be received, then the stream ends.
   */
  close(): void {
    this.#link.shared?.close();
  }

  /** Drops the receiver: closes the channel and drops what is buffered. Idempotent. */
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

/**
 * A bounded channel's send: a free slot (a permit of `slots`), then the value in the buffer. The
 * steps of `PermitFuture` for one permit, written out for this future alone: it is made per
 * message, and the generic one (seven fields, a `granted()` call in a try/catch, another in a
 * try/finally) cost a third more per message than the channel's other work. Counts as a live
 * sender from its creation until it completes or is dropped, so the channel does not close under
 * a send that has not delivered its value yet.
 */
class Send<T> extends Future<void> {
  readonly #channel: Channel<T>;
  readonly #value: T;
  /** Its place in the slots' queue while it waits; `null` before and after. */
  #waiter: PermitWaiter | null = null;
  /** Counted as a sender: until it completes or is dropped (then polling it is a misuse). */
  #live = true;

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
    if (this.#live && this.#waiter === null && takeBudgetNow()) {
      if (this.#channel.slots!.tryTake(1)) {
        this.#deliver();
        return READY_VOID;
      }
      refundBudget();
    }
    return awaitIterator.call(this) as Iterator<Future<unknown>, void, unknown>;
  }

  poll(cx: Context): Poll<void> {
    if (!this.#live) throw new SpindleError("FUTURE_COMPLETED", "Sender.send() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const slots = this.#channel.slots!;
    let waiter = this.#waiter;
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
    if (waiter !== null) {
      this.#waiter = null;
      waiter.dropWaker();
      const slots = this.#channel.slots!;
      slots.cancel(waiter);
      slots.recycle(waiter);
    }
    this.#settle();
  }

  /** Holds a slot: the value goes into the buffer, or, if the receiver closed meanwhile, fails. */
  #deliver(): void {
    const channel = this.#channel;
    if (!channel.receiving) {
      channel.slots!.release(1);
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
    if (!this.#live) return;
    this.#live = false;
    this.#channel.dropSender();
  }
}
