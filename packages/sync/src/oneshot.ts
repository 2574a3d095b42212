import {
  consumeBudget,
  type Context,
  dropRawWaker,
  Future,
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
  waker: RawWaker<unknown> | null = null;
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

  private constructor(slot: Slot<T>) {
    this.#slot = slot;
  }

  static {
    makeOneshotSender = <T>(slot: Slot<T>): OneshotSender<T> => new OneshotSender(slot);
  }

  /** Whether the receiver was dropped (a send would fail), or this sender already sent or was dropped. */
  get isClosed(): boolean {
    return this.#slot === null || !this.#slot.receiverAlive;
  }

  /**
   * Sends the value and ends the sender. Throws {@linkcode SendError} (holding `value`) if the
   * receiver was dropped, {@linkcode ClosedError} if this sender already sent or was dropped.
   */
  send(value: T): void {
    const slot = this.#slot;
    if (slot === null) throw new ClosedError("sender", "send() on a oneshot sender that already sent or was dropped");
    if (!slot.receiverAlive) throw new SendError(value);
    this.#slot = null;
    slot.value = value;
    slot.state = FULL;
    slot.senderAlive = false;
    slot.waker = wakeRawWaker(slot.waker);
  }

  /** Drops the sender without sending: the receiver fails with {@linkcode ClosedError}. Idempotent. */
  drop(): void {
    const slot = this.#slot;
    if (slot === null) return;
    this.#slot = null;
    slot.senderAlive = false;
    slot.waker = wakeRawWaker(slot.waker);
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

  private constructor(slot: Slot<T>) {
    super();
    this.#slot = slot;
  }

  static {
    makeOneshotReceiver = <T>(slot: Slot<T>): OneshotReceiver<T> => new OneshotReceiver(slot);
  }

  /** The value once sent; fails with {@linkcode ClosedError} if the sender was dropped without sending. */
  poll(cx: Context): Poll<T> {
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const item = this.tryRecv();
    if (item === STREAM_END) {
      if (this.#slot.state === TAKEN) {
        throw new SpindleError("FUTURE_COMPLETED", "a oneshot receiver was polled after it completed");
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

  /** The value if it was sent; `PENDING` while it may still come; `STREAM_END` when it never will (or was taken). */
  tryRecv(): T | typeof PENDING | StreamEnd {
    const slot = this.#slot;
    if (!slot.receiverAlive) throw new ClosedError("receiver", "a receive on a oneshot receiver that was dropped");
    if (slot.state === FULL) {
      const value = slot.value as T;
      slot.value = undefined;
      slot.state = TAKEN;
      slot.waker = dropRawWaker(slot.waker);
      return value;
    }
    if (slot.state === TAKEN || !slot.senderAlive) return STREAM_END;
    return PENDING;
  }

  /** Drops the receiver: a later `send` fails, handing its value back; a value sent already is dropped. */
  override [Symbol.dispose](): void {
    const slot = this.#slot;
    slot.receiverAlive = false;
    slot.value = undefined;
    if (slot.state === FULL) slot.state = TAKEN;
    slot.waker = dropRawWaker(slot.waker);
  }
}
