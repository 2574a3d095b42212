import { KEY } from "./construct-key.ts";
import {
  consumeBudget,
  type Context,
  Future,
  noPublicConstructor,
  PENDING,
  type Poll,
  refundBudget,
  STREAM_END,
  type StreamEnd,
} from "@spindle/core";
import { checkDeadThreadId, checkOptions, checkTimeout, describe, readHandle, SpindleError } from "@spindle/core";
import { ClosedError, SendError } from "./errors.ts";
import { awaitIterator, takeBudgetNow } from "./ready-now.ts";
import {
  type ChannelRecovery,
  DRAINED,
  EMPTY,
  type EndKind,
  FREED,
  RECEIVERS,
  SENDERS,
  SENT,
  SharedRing,
} from "./shared-ring.ts";
import { AsyncCounterWait, blockUntil } from "./shared-wait.ts";

/**
 * Core's `yield*` iterator ({@linkcode awaitIterator}) held in a constant of this module, for a
 * `recv()` that finds the channel empty: V8 inlines `.call` of a module's own constant, not of an
 * imported binding (as permit-queue.ts's `ordinaryIterator`).
 */
const ordinaryIterator = awaitIterator;

/** Options of {@linkcode sharedChannel}. */
export interface SharedChannelOptions {
  /** The most bytes one value's encoding may take (default 256); larger values throw `ValueTooLargeError`. */
  readonly slotBytes?: number;
}

/**
 * What crosses to another thread for one end of a shared channel: plain data holding only the
 * channel's `SharedArrayBuffer`, for `postMessage`, `workerData` or a job argument's sibling.
 * Made by `handle()` on a live end, it counts as one live end until `SharedSender.from` /
 * `SharedReceiver.from` opens it on the other thread (the end opened then carries that count).
 */
export interface SharedEndHandle<T, End extends "sender" | "receiver"> {
  /** Which end this is. */
  readonly end: End;
  /** The channel's shared memory, holding its whole state. */
  readonly buffer: SharedArrayBuffer;
  /** Never set: carries the value type through `postMessage` for TypeScript. */
  readonly __type?: T;
}

/** A sender's handle, for `SharedSender.from`. */
export type SharedSenderHandle<T> = SharedEndHandle<T, "sender">;
/** A receiver's handle, for `SharedReceiver.from`. */
export type SharedReceiverHandle<T> = SharedEndHandle<T, "receiver">;

/**
 * A bounded multi-producer, multi-consumer channel in a `SharedArrayBuffer`, whose ends work on
 * any thread (crossbeam's bounded channel, across workers): `capacity` values of at most
 * `slotBytes` encoded bytes each. Values cross through `@spindle/codec` (what a work-stealing job
 * argument can be: numbers, strings, plain objects and arrays, Map, Set, Date, typed arrays...);
 * a value that cannot cross throws the codec's `UncloneableValueError` naming its path.
 *
 * Hand an end to another thread as a `handle()` (`worker.postMessage(tx.handle())`, `workerData`)
 * and open it there with `SharedSender.from(handle)` / `SharedReceiver.from(handle)`; ends are
 * cheap views of the buffer, any number on any thread. A task waits in `send`/`recv` futures (the
 * thread's event loop wakes it through `Atomics.waitAsync`); a thread that may block uses
 * `sendBlocking`/`recvBlocking`.
 *
 * Closing, as tokio's and crossbeam's channels: the channel counts its live senders and receivers
 * in its shared memory, on every thread together (an end made by `clone()`, a handle made by
 * `handle()` until it is opened, a pending send future). Once the last sender is dropped
 * (`drop()` or `[Symbol.dispose]`, on any thread) the receivers drain what is left, then get
 * `STREAM_END`; once the last receiver is dropped, sends fail with `SendError` handing the value
 * back. `close()` on any end closes the channel for all at once. An end collected by the garbage
 * collector without being dropped is dropped then (a safety net: drop ends explicitly, since
 * collection may come late or never).
 *
 * Each value is received exactly once, and the values of one sender arrive in the order it sent
 * them. Dropping a pending `recv` or `send` future takes or sends nothing.
 *
 * @example
 * ```ts
 * import { blockOn, STREAM_END } from "@spindle/core";
 * import { sharedChannel, SharedReceiver } from "@spindle/sync";
 *
 * const [tx, rx] = sharedChannel<{ id: number; name: string }>(16, { slotBytes: 128 });
 * const there = SharedReceiver.from(structuredClone(rx.handle())); // as a worker opens it
 * rx.drop(); // the receiver on "the other thread" is live: the channel stays open
 * tx.trySend({ id: 1, name: "one" });
 * tx.drop(); // the last sender: the channel closes
 * console.log(blockOn(there.recv())); // { id: 1, name: "one" }
 * console.log(blockOn(there.recv()) === STREAM_END); // true
 * ```
 */
export function sharedChannel<T>(
  capacity: number,
  options?: SharedChannelOptions,
): [SharedSender<T>, SharedReceiver<T>] {
  const { slotBytes } = checkOptions(options, "sharedChannel()", ["slotBytes"]);
  const ring = SharedRing.allocate(capacity, slotBytes === undefined ? 256 : slotBytes);
  return [makeSender<T>(ring), makeReceiver<T>(ring)];
}

let makeSender: <T>(ring: SharedRing) => SharedSender<T>;
let makeReceiver: <T>(ring: SharedRing) => SharedReceiver<T>;

/** The count an end of one channel holds, for the safety net below. */
interface CountedEnd {
  readonly ring: SharedRing;
  readonly kind: EndKind;
}

/**
 * Drops the count of an end that was garbage-collected without `drop()`: it can send or receive
 * nothing more, so this loses nothing, and the channel closes once every end that could still use
 * it is gone, as a dropped Rust end would. Ends that are dropped unregister themselves.
 */
const collected = new FinalizationRegistry<CountedEnd>(({ ring, kind }) => ring.dropEnd(kind));

/**
 * The link of one end to its channel: the ring while the end is live, and whether it holds one of
 * the channel's live-end counts (an end opened after the count of its kind reached 0 holds none).
 */
class EndLink {
  #ring: SharedRing | null;
  /** The ring, also after `drop()`: what the getters of the channel's counts, length and capacity read. */
  readonly observed: SharedRing;
  readonly #kind: EndKind;
  readonly #counted: boolean;

  /** `counted`: the caller already counted this end in the ring. */
  constructor(owner: object, ring: SharedRing, kind: EndKind, counted: boolean) {
    this.#ring = ring;
    this.observed = ring;
    this.#kind = kind;
    this.#counted = counted;
    if (counted) collected.register(owner, { ring, kind }, this);
  }

  /** The ring while the end is live; `null` after `drop()`. */
  get ring(): SharedRing | null {
    return this.#ring;
  }

  /** The ring; throws ClosedError naming `operation` after `drop()`. */
  live(operation: string): SharedRing {
    const ring = this.#ring;
    if (ring === null) {
      const side = this.#kind === SENDERS ? "sender" : "receiver";
      const name = this.#kind === SENDERS ? "SharedSender" : "SharedReceiver";
      throw new ClosedError(side, `${name}.${operation} on a ${side} that was dropped`);
    }
    return ring;
  }

  /** Gives the end's count back (the last closes the channel). Idempotent. */
  drop(): void {
    const ring = this.#ring;
    if (ring === null) return;
    this.#ring = null;
    if (!this.#counted) return;
    collected.unregister(this);
    ring.dropEnd(this.#kind);
  }
}

/** The ring of `handle` (an end `kind`'s), or INVALID_ARGUMENT naming what it is instead. */
function ringOf(handle: SharedEndHandle<unknown, "sender" | "receiver">, end: "sender" | "receiver"): SharedRing {
  const { end: kind, buffer } = readHandle(handle, `Shared${end === "sender" ? "Sender" : "Receiver"}.from()`, [
    "end",
    "buffer",
  ]);
  if (kind !== end) {
    throw new SpindleError("INVALID_ARGUMENT", `not a shared channel ${end}'s handle: ${describe(handle)}`);
  }
  return new SharedRing(buffer as SharedArrayBuffer);
}

/**
 * The sending end of a {@linkcode sharedChannel}, usable on any thread. Drop it (`drop()` or
 * `[Symbol.dispose]`) when done: the channel closes once every sender, on every thread, is dropped.
 *
 * @example
 * ```ts
 * import { sharedChannel } from "@spindle/sync";
 *
 * const [tx, rx] = sharedChannel<string>(1);
 * console.log(tx.trySend("a"), tx.trySend("b")); // true false
 * console.log(rx.tryRecv()); // a
 * ```
 */
export class SharedSender<T> implements Disposable {
  readonly #link: EndLink;

  private constructor(key: typeof KEY, ring: SharedRing, counted: boolean) {
    if (key !== KEY) throw noPublicConstructor("SharedSender", "sharedChannel() returns one", key);
    this.#link = new EndLink(this, ring, SENDERS, counted);
  }

  static {
    makeSender = <T>(ring: SharedRing): SharedSender<T> => new SharedSender<T>(KEY, ring, true);
  }

  /**
   * Opens on this thread the sender `handle` (from `handle()` on any thread). It takes over the
   * handle's count; a copy of a handle already opened counts as one more sender, unless every
   * sender was dropped meanwhile (then this one finds the channel closed). Throws
   * `INVALID_ARGUMENT` for anything but a sender's handle.
   */
  static from<T>(handle: SharedSenderHandle<T>): SharedSender<T> {
    const ring = ringOf(handle, "sender");
    return new SharedSender<T>(KEY, ring, ring.claim(SENDERS));
  }

  /**
   * A sender for another thread (plain data: the channel's `SharedArrayBuffer`), to post or pass
   * as `workerData` and open there with `SharedSender.from`. It counts as a live sender from now
   * until that end is dropped: a handle never opened keeps the channel open (call `close()`).
   */
  handle(): SharedSenderHandle<T> {
    const ring = this.#link.live("handle()");
    ring.reserve(SENDERS);
    return { end: "sender", buffer: ring.buffer };
  }

  /** How many values the channel holds at most. */
  get capacity(): number {
    return this.#link.observed.capacity;
  }

  /** The most bytes one value's encoding may take. */
  get slotBytes(): number {
    return this.#link.observed.slotBytes;
  }

  /** Whether the channel was closed, on any thread, or this sender was dropped. */
  get isClosed(): boolean {
    return this.#link.ring?.isClosed ?? true;
  }

  /**
   * Undoes what thread `deadThreadId` held in this channel when it ended (terminated,
   * `process.exit`, an uncaught error): drops its ends (the last sender closes the channel, the
   * last receiver fails the sends), publishes a slot it was writing as skipped, frees a slot it was
   * reading (its value is lost with it, and counted). `null` when it held nothing, or this end was
   * dropped. Call it once the thread has exited, with the id read before (`worker.threadId`).
   * Core's `recoverDeadThread(id)` does this for every shared primitive this thread knows.
   */
  recover(deadThreadId: number): ChannelRecovery | null {
    checkDeadThreadId(deadThreadId, "SharedSender.recover()");
    return this.#link.ring?.recover(deadThreadId) ?? null;
  }

  /**
   * How many receivers are live on every thread (handles not opened yet included; a snapshot).
   *
   * @example
   * ```ts
   * import { sharedChannel } from "@spindle/sync";
   *
   * const [tx, rx] = sharedChannel<number>(4);
   * const handle = rx.handle(); // counts from now on, before any thread opens it
   * console.log(tx.receiverCount, tx.senderCount); // 2 1
   * rx.drop();
   * console.log(tx.receiverCount); // 1
   * void handle;
   * ```
   */
  get receiverCount(): number {
    return this.#link.observed.liveEnds(RECEIVERS);
  }

  /**
   * How many senders are live on every thread, this one included (async-channel's
   * `sender_count`; handles not opened yet and pending sends count; a snapshot).
   */
  get senderCount(): number {
    return this.#link.observed.liveEnds(SENDERS);
  }

  /**
   * How many values are in the channel now (async-channel's `Sender::len`; a snapshot while other
   * threads use it): `capacity` means a `trySend` would find it full.
   *
   * @example
   * ```ts
   * import { sharedChannel } from "@spindle/sync";
   *
   * const [tx, rx] = sharedChannel<number>(2);
   * tx.trySend(1);
   * tx.trySend(2);
   * console.log(tx.length, tx.length === tx.capacity, rx.length); // 2 true 2
   * ```
   */
  get length(): number {
    return this.#link.observed.length;
  }

  /**
   * A future that completes once the channel is closed, on any thread (async-channel's
   * `Sender::closed`): every receiver dropped (or recovered after its thread died), or `close()`
   * called. For a producer that stops working for nobody. While it waits it holds the process
   * open and makes every receive signal the waiting senders' counter (one `Atomics.notify`), so
   * drop it once it is no longer wanted. Takes a unit of the task's cooperative budget per poll.
   * Throws {@linkcode ClosedError} if this sender was dropped.
   *
   * @example
   * ```ts
   * import { type Coroutine, LocalExecutor } from "@spindle/core";
   * import { sharedChannel } from "@spindle/sync";
   *
   * const [tx, rx] = sharedChannel<number>(4);
   * const executor = new LocalExecutor();
   * const stopped = executor.spawn(function* (): Coroutine<string> {
   *   yield* tx.closed(); // on a worker: the consumers went away
   *   return "stop producing";
   * }());
   * executor.spawn(function* (): Coroutine<void> {
   *   rx.drop();
   * }());
   * await executor.run();
   * console.log(await stopped); // stop producing
   * ```
   */
  closed(): Future<void> {
    return new SharedClosed(this.#link.live("closed()"));
  }

  /**
   * A future that sends `value` once there is room. The value is encoded now: throws the codec's
   * `UncloneableValueError` or `ValueTooLargeError` at once. The future fails with
   * {@linkcode SendError} (holding `value`) if the channel is closed first. Dropping it pending
   * sends nothing. Until it settles it counts as a sender, so dropping this sender meanwhile does
   * not cut the value off.
   */
  send(value: T): Future<void> {
    const ring = this.#link.live("send()");
    const length = ring.encode(value);
    return new SharedSend(ring, value, SharedRing.encodedBytes().slice(0, length));
  }

  /**
   * Sends `value` if there is room now: `true` if sent, `false` if the channel is full. Throws
   * {@linkcode SendError} if closed, `UncloneableValueError` or `ValueTooLargeError` for the value.
   */
  trySend(value: T): boolean {
    const ring = this.#link.live("trySend()");
    const length = ring.encode(value);
    const sent = ring.trySend(SharedRing.encodedBytes(), length, true);
    if (sent === "closed") throw new SendError(value, "channel", ring.whyClosed());
    return sent;
  }

  /**
   * Sends `value`, blocking this thread while the channel is full, at most `timeoutMs`: `true` if
   * sent, `false` on timeout. Throws `BLOCKING_NOT_ALLOWED` where the thread may not block, and
   * what `trySend` throws.
   */
  sendBlocking(value: T, timeoutMs: number = Infinity): boolean {
    const ring = this.#link.live("sendBlocking()");
    const length = ring.encode(value);
    // This thread's scratch: nothing encodes on it while this thread blocks here.
    const bytes = SharedRing.encodedBytes();
    checkTimeout(timeoutMs);
    // With room (the usual case), sent here: no closure made for blockUntil's retries.
    let sent: boolean | "closed" | typeof EMPTY = ring.trySend(bytes, length);
    if (sent === false) {
      const batch = ring.sendBatch;
      sent = blockUntil(
        ring.words,
        FREED,
        "SharedSender.sendBlocking()",
        timeoutMs,
        () => {
          const sent = ring.trySend(bytes, length);
          return sent === false ? EMPTY : sent;
        },
        false,
        () => ring.hasRoomAhead(batch) ? true : EMPTY,
      );
    }
    if (sent === "closed") throw new SendError(value, "channel", ring.whyClosed());
    return sent === true;
  }

  /** Another sender of the same channel, on this thread (it counts as one more). */
  clone(): SharedSender<T> {
    const ring = this.#link.live("clone()");
    ring.addEnd(SENDERS);
    return new SharedSender<T>(KEY, ring, true);
  }

  /** Drops this sender; after the last one, on any thread, the channel closes. Idempotent. */
  drop(): void {
    this.#link.drop();
  }

  /** Same as {@linkcode SharedSender.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.#link.drop();
  }

  /** Closes the channel for every thread: sends fail, receivers drain and then end. Idempotent. */
  close(): void {
    this.#link.live("close()").close();
  }
}

/**
 * The receiving end of a {@linkcode sharedChannel}, usable on any thread; several receivers
 * (on one thread or many) share the values, each value going to one of them. Once every receiver
 * is dropped, sends fail with {@linkcode SendError}.
 *
 * @example
 * ```ts
 * import { PENDING, STREAM_END } from "@spindle/core";
 * import { sharedChannel } from "@spindle/sync";
 *
 * const [tx, rx] = sharedChannel<number>(4);
 * console.log(rx.tryRecv() === PENDING); // true
 * tx.trySend(7);
 * tx.drop(); // the last sender
 * console.log(rx.tryRecv(), rx.tryRecv() === STREAM_END); // 7 true
 * ```
 */
export class SharedReceiver<T> implements Disposable {
  readonly #link: EndLink;

  private constructor(key: typeof KEY, ring: SharedRing, counted: boolean) {
    if (key !== KEY) throw noPublicConstructor("SharedReceiver", "sharedChannel() returns one", key);
    this.#link = new EndLink(this, ring, RECEIVERS, counted);
  }

  static {
    makeReceiver = <T>(ring: SharedRing): SharedReceiver<T> => new SharedReceiver<T>(KEY, ring, true);
  }

  /**
   * Opens on this thread the receiver `handle` (from `handle()` on any thread), taking over its
   * count as {@linkcode SharedSender.from} does. Throws `INVALID_ARGUMENT` for anything but a
   * receiver's handle.
   */
  static from<T>(handle: SharedReceiverHandle<T>): SharedReceiver<T> {
    const ring = ringOf(handle, "receiver");
    return new SharedReceiver<T>(KEY, ring, ring.claim(RECEIVERS));
  }

  /**
   * A receiver for another thread (plain data: the channel's `SharedArrayBuffer`), to open there
   * with `SharedReceiver.from`. It counts as a live receiver from now until that end is dropped.
   */
  handle(): SharedReceiverHandle<T> {
    const ring = this.#link.live("handle()");
    ring.reserve(RECEIVERS);
    return { end: "receiver", buffer: ring.buffer };
  }

  /** How many values the channel holds at most. */
  get capacity(): number {
    return this.#link.observed.capacity;
  }

  /**
   * How many values are in the channel now (a snapshot while other threads use it).
   *
   * @example
   * ```ts
   * import { sharedChannel } from "@spindle/sync";
   *
   * const [tx, rx] = sharedChannel<string>(2);
   * tx.trySend("a");
   * console.log(rx.length, rx.capacity, rx.senderCount, rx.receiverCount); // 1 2 1 1
   * ```
   */
  get length(): number {
    return this.#link.observed.length;
  }

  /** Whether the channel was closed, on any thread, or this receiver was dropped. */
  get isClosed(): boolean {
    return this.#link.ring?.isClosed ?? true;
  }

  /**
   * Undoes what thread `deadThreadId` held in this channel when it ended (terminated,
   * `process.exit`, an uncaught error): drops its ends (the last sender closes the channel, the
   * last receiver fails the sends), publishes a slot it was writing as skipped, frees a slot it was
   * reading (its value is lost with it, and counted). `null` when it held nothing, or this end was
   * dropped. Call it once the thread has exited, with the id read before (`worker.threadId`).
   * Core's `recoverDeadThread(id)` does this for every shared primitive this thread knows.
   */
  recover(deadThreadId: number): ChannelRecovery | null {
    checkDeadThreadId(deadThreadId, "SharedReceiver.recover()");
    return this.#link.ring?.recover(deadThreadId) ?? null;
  }

  /** How many senders are live on every thread (handles not opened yet and pending sends included). */
  get senderCount(): number {
    return this.#link.observed.liveEnds(SENDERS);
  }

  /** How many receivers are live on every thread, this one included (async-channel's `receiver_count`; a snapshot). */
  get receiverCount(): number {
    return this.#link.observed.liveEnds(RECEIVERS);
  }

  /**
   * A future of the next value, or `STREAM_END` once the channel is closed and drained. Dropping
   * it pending takes nothing (a value leaves the channel only when a poll returns it). Throws the
   * codec's `CorruptValueError` if the shared memory was overwritten.
   */
  recv(): Future<T | StreamEnd> {
    return new SharedRecv<T>(this.#link.live("recv()"), this);
  }

  /** The next value now; `PENDING` when there is none yet; `STREAM_END` once closed and drained. */
  tryRecv(): T | typeof PENDING | StreamEnd {
    const got = this.#link.live("tryRecv()").tryReceive(true);
    return got === EMPTY ? PENDING : got === DRAINED ? STREAM_END : got as T;
  }

  /**
   * The next value, blocking this thread while the channel is empty, at most `timeoutMs`:
   * `STREAM_END` once closed and drained, `PENDING` on timeout. Throws `BLOCKING_NOT_ALLOWED`
   * where the thread may not block.
   */
  recvBlocking(timeoutMs: number = Infinity): T | typeof PENDING | StreamEnd {
    const ring = this.#link.live("recvBlocking()");
    checkTimeout(timeoutMs);
    // A value there already (the usual case in a flood) is taken here: no closure for blockUntil.
    let got = ring.tryReceive();
    if (got === EMPTY) {
      got = blockUntil(
        ring.words,
        SENT,
        "SharedReceiver.recvBlocking()",
        timeoutMs,
        () => ring.tryReceive(),
        true,
      );
    }
    return got === EMPTY ? PENDING : got === DRAINED ? STREAM_END : got as T;
  }

  /** Another receiver of the same channel, on this thread (it counts as one more). */
  clone(): SharedReceiver<T> {
    const ring = this.#link.live("clone()");
    ring.addEnd(RECEIVERS);
    return new SharedReceiver<T>(KEY, ring, true);
  }

  /**
   * Drops this receiver; after the last one, on any thread, the channel closes (sends fail; what
   * is left in it is never received). Idempotent.
   */
  drop(): void {
    this.#link.drop();
  }

  /** Same as {@linkcode SharedReceiver.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.#link.drop();
  }

  /** Closes the channel for every thread: sends fail; what is in it can still be received. */
  close(): void {
    this.#link.live("close()").close();
  }
}

/**
 * `rx.recv()` of a shared channel. The future is its own `yield*` iterator on both paths, as `Recv`
 * of ready-now.ts (which says why): a value already in the channel is taken in `[Symbol.iterator]`
 * without suspending the coroutine; otherwise the first step hands the future itself to the task,
 * and its completing poll leaves the output in `value` for the step that resumes the coroutine.
 */
class SharedRecv<T> extends Future<T | StreamEnd> implements Iterator<Future<unknown>, T | StreamEnd, unknown> {
  readonly #ring: SharedRing;
  /**
   * The receiver, kept reachable while its future is: a program that keeps only `rx.recv()` must
   * not have the receiver collected, whose safety net would drop it and close the channel under
   * the pending receive (a send then fails; the receive ends with `STREAM_END`).
   */
  readonly #receiver: SharedReceiver<T>;
  /** Made at the first poll that finds the channel empty: a value already there needs none. */
  #wait: AsyncCounterWait | null = null;
  /** Set once a value (or the end) was taken: polled again, it would take another value. */
  #done = false;
  /** The iterator's output: this future while it waits, its output once done. */
  value: T | StreamEnd | SharedRecv<T> | undefined = undefined;

  constructor(ring: SharedRing, receiver: SharedReceiver<T>) {
    super();
    this.#ring = ring;
    this.#receiver = receiver;
  }

  /**
   * `yield*` on the future: a value (or the end) already in the channel is taken here, without
   * suspending the coroutine (see `ReadyNow` in ready-now.ts).
   */
  override [Symbol.iterator](): Iterator<Future<unknown>, T | StreamEnd, unknown> {
    // Completed: core's iterator hands the future to the task, whose poll throws.
    if (this.#done) return ordinaryIterator.call(this) as Iterator<Future<unknown>, T | StreamEnd, unknown>;
    if (takeBudgetNow()) {
      const got = this.#ring.tryReceive();
      if (got !== EMPTY) {
        this.#done = true;
        this.value = got === DRAINED ? STREAM_END : got as T;
        return this;
      }
      refundBudget();
    }
    this.value = this; // the first step yields the future to the task
    return this;
  }

  /** Done once a value (or the end) was taken, here or by the poll that completed. */
  get done(): boolean {
    return this.#done;
  }

  /** The iterator's step: the future to poll while it waits, then done with the value taken. */
  next(): IteratorResult<Future<unknown>, T | StreamEnd> {
    return this as IteratorResult<Future<unknown>, T | StreamEnd>;
  }

  /** The poll failed: the error goes on into the coroutine, at its `yield*`. */
  throw(error: unknown): never {
    this.value = undefined;
    throw error;
  }

  poll(cx: Context): Poll<T | StreamEnd> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "SharedReceiver.recv() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING;
    const ring = this.#ring;
    let got = ring.tryReceive();
    if (got === EMPTY) {
      got = (this.#wait ??= new AsyncCounterWait(ring.words, SENT)).arm(
        cx.waker,
        () => ring.tryReceive(),
      );
    }
    if (got === EMPTY) {
      refundBudget();
      return PENDING;
    }
    this.#done = true;
    this.#wait?.drop();
    const output = got === DRAINED ? STREAM_END : got as T;
    this.value = output; // for the step that resumes a `yield*` on this future
    return output;
  }

  override [Symbol.dispose](): void {
    this.#wait?.drop();
  }
}

/** A pending send: counts as a live sender from its creation (by a live sender) until it settles. */
class SharedSend<T> extends Future<void> {
  readonly #ring: SharedRing;
  readonly #value: T;
  readonly #bytes: Uint8Array;
  readonly #wait: AsyncCounterWait;
  #counted = true;
  /** Set by the poll that completed: polled again, it would send the value a second time. */
  #done = false;

  constructor(ring: SharedRing, value: T, bytes: Uint8Array) {
    super();
    ring.addEnd(SENDERS);
    this.#ring = ring;
    this.#value = value;
    this.#bytes = bytes;
    this.#wait = new AsyncCounterWait(ring.words, FREED);
  }

  poll(cx: Context): Poll<void> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "SharedSender.send() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING;
    const ring = this.#ring;
    const attempt = (): true | "closed" | typeof EMPTY => {
      const sent = ring.trySend(this.#bytes, this.#bytes.length);
      return sent === false ? EMPTY : sent;
    };
    let sent = attempt();
    if (sent === EMPTY) sent = this.#wait.arm(cx.waker, attempt);
    if (sent === EMPTY) {
      refundBudget();
      return PENDING;
    }
    this.#done = true;
    this.#settle();
    if (sent === "closed") throw new SendError(this.#value, "channel", this.#ring.whyClosed());
  }

  override [Symbol.dispose](): void {
    this.#settle();
  }

  /** Stops waiting and stops counting as a sender (once). */
  #settle(): void {
    this.#wait.drop();
    if (!this.#counted) return;
    this.#counted = false;
    this.#ring.dropEnd(SENDERS);
  }
}

/**
 * `SharedSender.closed()`: waits on the freed-slots counter, which `close()` (and so the last
 * receiver's drop) signals, and checks the closed mark after each change.
 */
class SharedClosed extends Future<void> {
  readonly #ring: SharedRing;
  readonly #wait: AsyncCounterWait;
  #done = false;

  constructor(ring: SharedRing) {
    super();
    this.#ring = ring;
    this.#wait = new AsyncCounterWait(ring.words, FREED);
  }

  poll(cx: Context): Poll<void> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "SharedSender.closed() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const ring = this.#ring;
    const check = (): true | typeof EMPTY => ring.isClosed ? true : EMPTY;
    let closed = check();
    if (closed === EMPTY) closed = this.#wait.arm(cx.waker, check);
    if (closed === EMPTY) {
      refundBudget();
      return PENDING;
    }
    this[Symbol.dispose]();
  }

  /** Stops waiting (the process is no longer held open for it). */
  override [Symbol.dispose](): void {
    this.#done = true;
    this.#wait.drop();
  }
}
