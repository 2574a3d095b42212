import {
  consumeBudget,
  type Context,
  Future,
  PENDING,
  type Poll,
  refundBudget,
  STREAM_END,
  type StreamEnd,
} from "@spindle/core";
import { SendError } from "./errors.ts";
import { DRAINED, EMPTY, FREED, RECV_WAITERS, SEND_WAITERS, SENT, SharedRing } from "./shared-ring.ts";
import { AsyncCounterWait, blockUntil } from "./shared-wait.ts";

/** Options of {@linkcode sharedChannel}. */
export interface SharedChannelOptions {
  /** The most bytes one value's encoding may take (default 256); larger values throw `ValueTooLargeError`. */
  readonly slotBytes?: number;
}

/**
 * What crosses to another thread for one end of a shared channel: plain data holding only the
 * channel's `SharedArrayBuffer`, for `postMessage`, `workerData` or a job argument's sibling.
 * Turn it back into an end with `SharedSender.from` / `SharedReceiver.from`.
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
 * Hand an end to another thread as its `handle` (`worker.postMessage(tx.handle)`, `workerData`)
 * and rebuild it there with `SharedSender.from(handle)` / `SharedReceiver.from(handle)`; ends are
 * cheap views of the buffer, any number on any thread. A task waits in `send`/`recv` futures (the
 * thread's event loop wakes it through `Atomics.waitAsync`); a thread that may block uses
 * `sendBlocking`/`recvBlocking`. `close()` on any end, on any thread, closes the channel for all:
 * sends fail with `SendError`, receivers drain what is left, then get `STREAM_END`. Dropping an
 * end does not close the channel (no end counts the others across threads).
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
 * tx.trySend({ id: 1, name: "one" });
 * tx.close();
 * const there = SharedReceiver.from(structuredClone(rx.handle)); // as a worker rebuilds it
 * console.log(blockOn(there.recv())); // { id: 1, name: "one" }
 * console.log(blockOn(there.recv()) === STREAM_END); // true
 * ```
 */
export function sharedChannel<T>(
  capacity: number,
  options: SharedChannelOptions = {},
): [SharedSender<T>, SharedReceiver<T>] {
  const ring = SharedRing.allocate(capacity, options.slotBytes ?? 256);
  return [makeSender<T>(ring), makeReceiver<T>(ring)];
}

let makeSender: <T>(ring: SharedRing) => SharedSender<T>;
let makeReceiver: <T>(ring: SharedRing) => SharedReceiver<T>;

/**
 * The sending end of a {@linkcode sharedChannel}, usable on any thread.
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
export class SharedSender<T> {
  readonly #ring: SharedRing;

  private constructor(ring: SharedRing) {
    this.#ring = ring;
  }

  static {
    makeSender = <T>(ring: SharedRing): SharedSender<T> => new SharedSender<T>(ring);
  }

  /** Rebuilds a sender on this thread from the `handle` of one made on any thread. */
  static from<T>(handle: SharedSenderHandle<T>): SharedSender<T> {
    return new SharedSender<T>(new SharedRing(handle.buffer));
  }

  /** What to post to another thread (plain data: the channel's `SharedArrayBuffer`). */
  get handle(): SharedSenderHandle<T> {
    return { end: "sender", buffer: this.#ring.buffer };
  }

  /** How many values the channel holds at most. */
  get capacity(): number {
    return this.#ring.capacity;
  }

  /** The most bytes one value's encoding may take. */
  get slotBytes(): number {
    return this.#ring.slotBytes;
  }

  /** Whether the channel was closed, on any thread. */
  get isClosed(): boolean {
    return this.#ring.isClosed;
  }

  /**
   * A future that sends `value` once there is room. The value is encoded now: throws the codec's
   * `UncloneableValueError` or `ValueTooLargeError` at once. The future fails with
   * {@linkcode SendError} (holding `value`) if the channel is closed first. Dropping it pending
   * sends nothing.
   */
  send(value: T): Future<void> {
    return new SharedSend(this.#ring, value, this.#ring.encode(value).slice());
  }

  /**
   * Sends `value` if there is room now: `true` if sent, `false` if the channel is full. Throws
   * {@linkcode SendError} if closed, `UncloneableValueError` or `ValueTooLargeError` for the value.
   */
  trySend(value: T): boolean {
    const sent = this.#ring.trySend(this.#ring.encode(value));
    if (sent === "closed") throw new SendError(value);
    return sent;
  }

  /**
   * Sends `value`, blocking this thread while the channel is full, at most `timeoutMs`: `true` if
   * sent, `false` on timeout. Throws `BLOCKING_NOT_ALLOWED` where the thread may not block, and
   * what `trySend` throws.
   */
  sendBlocking(value: T, timeoutMs: number = Infinity): boolean {
    const ring = this.#ring;
    const bytes = ring.encode(value);
    const sent = blockUntil(ring.words, FREED, SEND_WAITERS, "SharedSender.sendBlocking()", timeoutMs, () => {
      const sent = ring.trySend(bytes);
      return sent === false ? EMPTY : sent;
    });
    if (sent === "closed") throw new SendError(value);
    return sent === true;
  }

  /** Another sender of the same channel (same as `SharedSender.from(this.handle)`). */
  clone(): SharedSender<T> {
    return new SharedSender<T>(this.#ring);
  }

  /** Closes the channel for every thread: sends fail, receivers drain and then end. Idempotent. */
  close(): void {
    this.#ring.close();
  }
}

/**
 * The receiving end of a {@linkcode sharedChannel}, usable on any thread; several receivers
 * (on one thread or many) share the values, each value going to one of them.
 *
 * @example
 * ```ts
 * import { PENDING, STREAM_END } from "@spindle/core";
 * import { sharedChannel } from "@spindle/sync";
 *
 * const [tx, rx] = sharedChannel<number>(4);
 * console.log(rx.tryRecv() === PENDING); // true
 * tx.trySend(7);
 * tx.close();
 * console.log(rx.tryRecv(), rx.tryRecv() === STREAM_END); // 7 true
 * ```
 */
export class SharedReceiver<T> {
  readonly #ring: SharedRing;

  private constructor(ring: SharedRing) {
    this.#ring = ring;
  }

  static {
    makeReceiver = <T>(ring: SharedRing): SharedReceiver<T> => new SharedReceiver<T>(ring);
  }

  /** Rebuilds a receiver on this thread from the `handle` of one made on any thread. */
  static from<T>(handle: SharedReceiverHandle<T>): SharedReceiver<T> {
    return new SharedReceiver<T>(new SharedRing(handle.buffer));
  }

  /** What to post to another thread (plain data: the channel's `SharedArrayBuffer`). */
  get handle(): SharedReceiverHandle<T> {
    return { end: "receiver", buffer: this.#ring.buffer };
  }

  /** How many values the channel holds at most. */
  get capacity(): number {
    return this.#ring.capacity;
  }

  /** How many values are in the channel now (a snapshot while other threads use it). */
  get length(): number {
    return this.#ring.length;
  }

  /** Whether the channel was closed, on any thread (values may still be there to receive). */
  get isClosed(): boolean {
    return this.#ring.isClosed;
  }

  /**
   * A future of the next value, or `STREAM_END` once the channel is closed and drained. Dropping
   * it pending takes nothing (a value leaves the channel only when a poll returns it). Throws the
   * codec's `CorruptValueError` if the shared memory was overwritten.
   */
  recv(): Future<T | StreamEnd> {
    return new SharedRecv<T>(this.#ring);
  }

  /** The next value now; `PENDING` when there is none yet; `STREAM_END` once closed and drained. */
  tryRecv(): T | typeof PENDING | StreamEnd {
    const got = this.#ring.tryReceive();
    return got === EMPTY ? PENDING : got === DRAINED ? STREAM_END : got as T;
  }

  /**
   * The next value, blocking this thread while the channel is empty, at most `timeoutMs`:
   * `STREAM_END` once closed and drained, `PENDING` on timeout. Throws `BLOCKING_NOT_ALLOWED`
   * where the thread may not block.
   */
  recvBlocking(timeoutMs: number = Infinity): T | typeof PENDING | StreamEnd {
    const ring = this.#ring;
    const got = blockUntil(
      ring.words,
      SENT,
      RECV_WAITERS,
      "SharedReceiver.recvBlocking()",
      timeoutMs,
      () => ring.tryReceive(),
    );
    return got === EMPTY ? PENDING : got === DRAINED ? STREAM_END : got as T;
  }

  /** Another receiver of the same channel (same as `SharedReceiver.from(this.handle)`). */
  clone(): SharedReceiver<T> {
    return new SharedReceiver<T>(this.#ring);
  }

  /** Closes the channel for every thread: sends fail; what is in it can still be received. */
  close(): void {
    this.#ring.close();
  }
}

class SharedRecv<T> extends Future<T | StreamEnd> {
  readonly #ring: SharedRing;
  readonly #wait: AsyncCounterWait;

  constructor(ring: SharedRing) {
    super();
    this.#ring = ring;
    this.#wait = new AsyncCounterWait(ring.words, SENT, RECV_WAITERS);
  }

  poll(cx: Context): Poll<T | StreamEnd> {
    if (!consumeBudget(cx)) return PENDING;
    const ring = this.#ring;
    let got = ring.tryReceive();
    if (got === EMPTY) got = this.#wait.arm(cx.waker, () => ring.tryReceive());
    if (got === EMPTY) {
      refundBudget();
      return PENDING;
    }
    this.#wait.drop();
    return got === DRAINED ? STREAM_END : got as T;
  }

  override [Symbol.dispose](): void {
    this.#wait.drop();
  }
}

class SharedSend<T> extends Future<void> {
  readonly #ring: SharedRing;
  readonly #value: T;
  readonly #bytes: Uint8Array;
  readonly #wait: AsyncCounterWait;

  constructor(ring: SharedRing, value: T, bytes: Uint8Array) {
    super();
    this.#ring = ring;
    this.#value = value;
    this.#bytes = bytes;
    this.#wait = new AsyncCounterWait(ring.words, FREED, SEND_WAITERS);
  }

  poll(cx: Context): Poll<void> {
    if (!consumeBudget(cx)) return PENDING;
    const ring = this.#ring;
    const attempt = (): true | "closed" | typeof EMPTY => {
      const sent = ring.trySend(this.#bytes);
      return sent === false ? EMPTY : sent;
    };
    let sent = attempt();
    if (sent === EMPTY) sent = this.#wait.arm(cx.waker, attempt);
    if (sent === EMPTY) {
      refundBudget();
      return PENDING;
    }
    this.#wait.drop();
    if (sent === "closed") throw new SendError(this.#value);
  }

  override [Symbol.dispose](): void {
    this.#wait.drop();
  }
}
