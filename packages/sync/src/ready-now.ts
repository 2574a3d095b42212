import {
  consumeBudget,
  Context,
  Future,
  PENDING,
  type Poll,
  refundBudget,
  SpindleError,
  type Stream,
  type StreamEnd,
} from "@spindle/core";

/**
 * The fast path of `yield* future` for an operation that can complete at once (a free permit, a
 * buffered value): the future's `[Symbol.iterator]` completes it there and returns this iterator,
 * already done with the output, so the coroutine goes on without suspending to its task (which
 * would poll the future and resume it: two generator switches and an iterator object per
 * operation). Core's `yield*` iterator is used otherwise, and the first poll does what it always
 * did. The same as polling the future at once, which is what the task does with a yielded future.
 */
export class ReadyNow<T> implements Iterator<Future<unknown>, T, unknown> {
  readonly done = true;
  readonly value: T;

  constructor(value: T) {
    this.value = value;
  }

  next(): IteratorResult<Future<unknown>, T> {
    return this as IteratorResult<Future<unknown>, T>;
  }
}

/** A ready iterator of `undefined`, for the operations without an output (a send). */
export const READY_VOID: ReadyNow<void> = new ReadyNow<void>(undefined);

/** The context for a budget check outside a poll: its waker does nothing (see `takeBudgetNow`). */
const NOOP_CX = Context.noop();

/**
 * Takes a unit of the running task's cooperative budget for an operation about to complete in a
 * `[Symbol.iterator]` fast path (no context there). `false` when the budget is used up: the caller
 * then takes the ordinary path, whose poll finds the budget still used up, answers `PENDING` and
 * wakes the task through its real waker.
 */
export function takeBudgetNow(): boolean {
  return consumeBudget(NOOP_CX);
}

/**
 * Core's `yield*` iterator of a future, for the fast paths' ordinary case: called directly, as a
 * `super[Symbol.iterator]()` (a keyed super access) is not optimized by V8 and measured slow.
 */
export const awaitIterator: (this: Future<unknown>) => Iterator<Future<unknown>, unknown, unknown> = Future.prototype[
  Symbol.iterator
];

/** A receiver as {@linkcode Recv} uses it: a stream that can also be polled without a waker. */
interface TryReceiver<T> extends Stream<T> {
  tryRecv(): T | typeof PENDING | StreamEnd;
}

/**
 * `rx.recv()` of the channels: what `next(rx)` is (a poll of `rx.pollNext`), with the fast path of
 * {@linkcode ReadyNow} when a value (or the end) is there already.
 */
export class Recv<T> extends Future<T | StreamEnd> implements Iterator<Future<unknown>, T | StreamEnd, unknown> {
  #receiver: TryReceiver<T> | null;
  readonly #what: string;
  /**
   * The fast path's iterator is the future itself, done with `value` (as {@linkcode ReadyNow},
   * without another object per receive): a `Recv` is used by one `yield*` at most.
   */
  value: T | StreamEnd | undefined = undefined;

  constructor(receiver: TryReceiver<T>, what: string) {
    super();
    this.#receiver = receiver;
    this.#what = what;
  }

  override [Symbol.iterator](): Iterator<Future<unknown>, T | StreamEnd, unknown> {
    const receiver = this.#receiver;
    if (receiver !== null && takeBudgetNow()) {
      const item = receiver.tryRecv();
      if (item !== PENDING) {
        this.#receiver = null;
        this.value = item;
        return this as Iterator<Future<unknown>, T | StreamEnd, unknown>;
      }
      refundBudget();
    }
    return awaitIterator.call(this) as Iterator<Future<unknown>, T | StreamEnd, unknown>;
  }

  /** Always: a getter, not a field, so that each receive stores one field less. */
  get done(): true {
    return true;
  }

  /** The fast path's iterator step: done, with the value taken. */
  next(): IteratorResult<Future<unknown>, T | StreamEnd> {
    return this as IteratorResult<Future<unknown>, T | StreamEnd>;
  }

  poll(cx: Context): Poll<T | StreamEnd> {
    const receiver = this.#receiver;
    if (receiver === null) throw new SpindleError("FUTURE_COMPLETED", `${this.#what} was polled after it completed`);
    const item = receiver.pollNext(cx);
    if (item !== PENDING) this.#receiver = null;
    return item;
  }

  /** Dropped, it takes nothing and stays inert: a later poll throws `FUTURE_COMPLETED`. */
  override [Symbol.dispose](): void {
    this.#receiver = null;
  }
}
