import { KEY } from "./construct-key.ts";
import {
  consumeBudget,
  type Context,
  dropRawWaker,
  Future,
  noPublicConstructor,
  PENDING,
  type Poll,
  type RawWaker,
  refundBudget,
  replaceRawWaker,
  SpindleError,
  type Stream,
  STREAM_END,
  type StreamEnd,
  wakeRawWaker,
} from "@spindle/core";
import { ClosedError, SendError } from "./errors.ts";
import { WaitList, WaitNode } from "./wait-list.ts";

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeOneshotSender: <T>(slot: Slot<T>) => OneshotSender<T>;
let makeOneshotReceiver: <T>(slot: Slot<T>) => OneshotReceiver<T>;

const EMPTY = 0;
const FULL = 1;
const TAKEN = 2;

class Slot<T> {
  state: number = EMPTY;
  value: T | undefined = undefined;
  senderAlive = true;
  receiverAlive = true;
  /** After the receiver's `close()`: no value can be sent any more (one sent before stays). */
  receiverClosed = false;
  /** The receiver's waker while it waits for the value. */
  waker: RawWaker<unknown> | null = null;
  /** The sender's `closed()` futures waiting. */
  readonly closing: WaitList<WaitNode> = new WaitList();

  /** Whether a send could still succeed: both ends live, not closed, nothing sent yet. */
  get open(): boolean {
    return this.senderAlive && this.receiverAlive && !this.receiverClosed;
  }
}

/**
 * A channel for one value (tokio's `oneshot`): returns the sender and the receiver. The
 * {@linkcode OneshotReceiver} is a future of the value, failing with {@linkcode ClosedError} if
 * the sender is dropped without sending; it is also a core `Stream` of at most one item.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor, yieldNow } from "@spindle/core";
 * import { oneshot } from "@spindle/sync";
 *
 * const [tx, rx] = oneshot<string>();
 * const executor = new LocalExecutor();
 * const answer = executor.spawn(rx);
 * executor.spawn(function* (): Coroutine<void> {
 *   yield* yieldNow();
 *   tx.send("done");
 * }());
 * await executor.run();
 * console.log(await answer); // done
 * ```
 */
export function oneshot<T>(): [OneshotSender<T>, OneshotReceiver<T>] {
  const slot = new Slot<T>();
  return [makeOneshotSender(slot), makeOneshotReceiver(slot)];
}

/**
 * The sending end of a {@linkcode oneshot} channel: `send` once, or `drop()` to tell the receiver
 * no value will come.
 *
 * @example
 * ```ts
 * import { blockOn } from "@spindle/core";
 * import { ClosedError, oneshot } from "@spindle/sync";
 *
 * const [tx, rx] = oneshot<number>();
 * tx.drop();
 * try {
 *   blockOn(rx);
 * } catch (error) {
 *   console.log(error instanceof ClosedError); // true
 * }
 * ```
 */
export class OneshotSender<T> implements Disposable {
  #slot: Slot<T> | null;

  private constructor(key: typeof KEY, slot: Slot<T>) {
    if (key !== KEY) throw noPublicConstructor("OneshotSender", "oneshot() returns one", key);
    this.#slot = slot;
  }

  static {
    makeOneshotSender = <T>(slot: Slot<T>): OneshotSender<T> => new OneshotSender(KEY, slot);
  }

  /**
   * Whether the receiver was dropped or closed (a send would fail), or this sender already sent or
   * was dropped.
   */
  get isClosed(): boolean {
    return this.#slot === null || !this.#slot.open;
  }

  /**
   * A future that completes once a value can no longer be sent (tokio's `Sender::closed`): the
   * receiver was dropped or closed (or this sender sent or was dropped). For a producer that stops
   * computing a value nobody will receive; any number of these futures may wait at once, and
   * dropping one changes nothing.
   *
   * @example
   * ```ts
   * import { type Coroutine, LocalExecutor } from "@spindle/core";
   * import { oneshot } from "@spindle/sync";
   *
   * const [tx, rx] = oneshot<number>();
   * const executor = new LocalExecutor();
   * const gaveUp = executor.spawn(function* (): Coroutine<string> {
   *   yield* tx.closed(); // the receiver went away: stop working on the answer
   *   return "nobody is listening";
   * }());
   * executor.spawn(function* (): Coroutine<void> {
   *   rx[Symbol.dispose]();
   * }());
   * await executor.run();
   * console.log(await gaveUp); // nobody is listening
   * ```
   */
  closed(): Future<void> {
    return new Closed(this.#slot);
  }

  /**
   * Sends the value and ends the sender. Throws {@linkcode SendError} (holding `value`) if the
   * receiver was dropped, {@linkcode ClosedError} if this sender already sent or was dropped.
   */
  send(value: T): void {
    const slot = this.#slot;
    if (slot === null) throw new ClosedError("sender", "send() on a oneshot sender that already sent or was dropped");
    if (!slot.receiverAlive) throw new SendError(value);
    if (slot.receiverClosed) throw new SendError(value, "channel", "the receiver closed the channel");
    this.#slot = null;
    slot.value = value;
    slot.state = FULL;
    slot.senderAlive = false;
    slot.waker = wakeRawWaker(slot.waker);
    slot.closing.wakeAll();
  }

  /** Drops the sender without sending: the receiver fails with {@linkcode ClosedError}. Idempotent. */
  drop(): void {
    const slot = this.#slot;
    if (slot === null) return;
    this.#slot = null;
    slot.senderAlive = false;
    slot.waker = wakeRawWaker(slot.waker);
    slot.closing.wakeAll();
  }

  /** Same as {@linkcode OneshotSender.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.drop();
  }
}

/**
 * The receiving end of a {@linkcode oneshot} channel: a future of the value (failing with
 * {@linkcode ClosedError} if the sender was dropped without sending), and a `Stream` that yields
 * the value once, then ends (or just ends). Dropping it makes later sends fail.
 *
 * @example
 * ```ts
 * import { PENDING } from "@spindle/core";
 * import { oneshot } from "@spindle/sync";
 *
 * const [tx, rx] = oneshot<number>();
 * console.log(rx.tryRecv() === PENDING); // true
 * tx.send(42);
 * console.log(rx.tryRecv()); // 42
 * ```
 */
export class OneshotReceiver<T> extends Future<T> implements Stream<T> {
  readonly #slot: Slot<T>;
  /** Whether a receive gave the value or the end (tokio's `is_terminated`). */
  #terminated = false;

  private constructor(key: typeof KEY, slot: Slot<T>) {
    super();
    if (key !== KEY) throw noPublicConstructor("OneshotReceiver", "oneshot() returns one", key);
    this.#slot = slot;
  }

  static {
    makeOneshotReceiver = <T>(slot: Slot<T>): OneshotReceiver<T> => new OneshotReceiver(KEY, slot);
  }

  /**
   * The value once sent; fails with {@linkcode ClosedError} if the sender was dropped without
   * sending, or `close()` came first.
   */
  poll(cx: Context): Poll<T> {
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const item = this.tryRecv();
    if (item === STREAM_END) {
      if (this.#slot.state === TAKEN) {
        throw new SpindleError("FUTURE_COMPLETED", "a oneshot receiver was polled after it completed");
      }
      if (this.#slot.receiverClosed) {
        throw new ClosedError("channel", "the oneshot receiver closed the channel before a value was sent");
      }
      throw new ClosedError("channel", "the oneshot sender was dropped without sending");
    }
    if (item === PENDING) this.#wait(cx);
    return item;
  }

  /** The value once sent, then `STREAM_END`; `STREAM_END` at once if the sender was dropped. */
  pollNext(cx: Context): Poll<T | StreamEnd> {
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const item = this.tryRecv();
    if (item === PENDING) this.#wait(cx);
    return item;
  }

  #wait(cx: Context): void {
    refundBudget();
    this.#slot.waker = replaceRawWaker(this.#slot.waker, cx.waker);
  }

  /**
   * The value if it was sent; `PENDING` while it may still come; `STREAM_END` when it never will
   * (the sender was dropped, or `close()` came first) or was taken.
   */
  tryRecv(): T | typeof PENDING | StreamEnd {
    const slot = this.#slot;
    if (!slot.receiverAlive) throw new ClosedError("receiver", "a receive on a oneshot receiver that was dropped");
    if (slot.state === FULL) {
      const value = slot.value as T;
      slot.value = undefined;
      slot.state = TAKEN;
      slot.waker = dropRawWaker(slot.waker);
      this.#terminated = true;
      return value;
    }
    if (slot.state === TAKEN || !slot.senderAlive || slot.receiverClosed) {
      this.#terminated = true;
      return STREAM_END;
    }
    return PENDING;
  }

  /**
   * Whether a value is waiting to be received (the opposite of tokio's `is_empty`): false before
   * the send, and again once the value was taken.
   *
   * @example
   * ```ts
   * import { oneshot } from "@spindle/sync";
   *
   * const [tx, rx] = oneshot<number>();
   * console.log(rx.isEmpty); // true
   * tx.send(1);
   * console.log(rx.isEmpty, rx.tryRecv(), rx.isEmpty); // false 1 true
   * ```
   */
  get isEmpty(): boolean {
    return this.#slot.state !== FULL;
  }

  /**
   * Whether this receiver already gave its value or its end (tokio's `is_terminated`): polling it
   * as a future again is then a misuse. A value sent but not received yet does not count.
   *
   * @example
   * ```ts
   * import { oneshot } from "@spindle/sync";
   *
   * const [tx, rx] = oneshot<string>();
   * tx.send("x");
   * console.log(rx.isTerminated); // false
   * rx.tryRecv();
   * console.log(rx.isTerminated); // true
   * ```
   */
  get isTerminated(): boolean {
    return this.#terminated;
  }

  /**
   * Closes the channel without dropping the receiver (tokio's `Receiver::close`): a later `send`
   * fails with {@linkcode SendError}, the sender's `closed()` completes, and a value sent before
   * can still be received; without one, the receive fails with {@linkcode ClosedError}
   * (`tryRecv` gives `STREAM_END`). Idempotent.
   *
   * @example
   * ```ts
   * import { oneshot } from "@spindle/sync";
   *
   * const [tx, rx] = oneshot<number>();
   * rx.close();
   * console.log(tx.isClosed, rx.tryRecv() === rx.tryRecv()); // true true
   * ```
   */
  close(): void {
    const slot = this.#slot;
    if (slot.receiverClosed || !slot.receiverAlive) return;
    slot.receiverClosed = true;
    slot.closing.wakeAll();
  }

  /** Drops the receiver: a later `send` fails, handing its value back; a value sent already is dropped. */
  drop(): void {
    this[Symbol.dispose]();
  }

  /** Same as {@linkcode OneshotReceiver.drop}, for `using`. */
  override [Symbol.dispose](): void {
    const slot = this.#slot;
    slot.receiverAlive = false;
    slot.value = undefined;
    if (slot.state === FULL) slot.state = TAKEN;
    slot.waker = dropRawWaker(slot.waker);
    slot.closing.wakeAll();
  }
}

/**
 * `OneshotSender.closed()`: ready once the slot can take no value any more. Waits in the slot's
 * `closing` list with a node of its own, so that several may wait and one dropped leaves the others.
 */
class Closed extends Future<void> {
  readonly #slot: Slot<unknown> | null;
  readonly #node = new WaitNode();
  #done = false;

  constructor(slot: Slot<unknown> | null) {
    super();
    this.#slot = slot;
  }

  poll(cx: Context): Poll<void> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "OneshotSender.closed() was polled after it completed");
    const slot = this.#slot;
    if (slot !== null && slot.open) {
      if (!this.#node.queued) slot.closing.push(this.#node);
      this.#node.register(cx.waker);
      return PENDING;
    }
    this[Symbol.dispose]();
  }

  /** Leaves the list (if it waits there) and drops its waker. */
  override [Symbol.dispose](): void {
    this.#done = true;
    this.#slot?.closing.remove(this.#node);
    this.#node.dropWaker();
  }
}
