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
 *
 * The future is its own `yield*` iterator on both paths, not only on the fast one, so that a
 * coroutine's `yield*` sees one iterator class with one `next` (before, the fast path's and core's
 * iterator in turn). On the ordinary path the first step hands the future itself to the task
 * (`done` false, `value` the future); its completing poll stores the output in `value`, and the
 * step that resumes the coroutine finds it there (`done` true). A million messages through
 * `mpsc.bounded(1024)` between two tasks (callgrind, Node 24, per message): 873 machine
 * instructions with neither of `Recv` and mpsc's `Send` their own iterator on both paths, 796 with
 * `Send` alone, 784 with `Recv` alone, 744 with both.
 */
export class Recv<T> extends Future<T | StreamEnd> implements Iterator<Future<unknown>, T | StreamEnd, unknown> {
  /** The receiver until the future completes or is dropped (then `done`). */
  #receiver: TryReceiver<T> | null;
  readonly #what: string;
  /** The iterator's output: this future while it waits, its output once done. */
  value: T | StreamEnd | Recv<T> | undefined = undefined;

  constructor(receiver: TryReceiver<T>, what: string) {
    super();
    this.#receiver = receiver;
    this.#what = what;
  }

  override [Symbol.iterator](): Iterator<Future<unknown>, T | StreamEnd, unknown> {
    const receiver = this.#receiver;
    // Completed or dropped: core's iterator hands the future to the task, whose poll throws.
    if (receiver === null) return awaitIterator.call(this) as Iterator<Future<unknown>, T | StreamEnd, unknown>;
    if (takeBudgetNow()) {
      const item = receiver.tryRecv();
      // `typeof` first: V8 compares a symbol by reference then, not through its generic builtin.
      if (typeof item !== "symbol" || item !== PENDING) {
        this.#receiver = null;
        this.value = item;
        return this as Iterator<Future<unknown>, T | StreamEnd, unknown>;
      }
      refundBudget();
    }
    this.value = this; // the first step yields the future to the task
    return this as Iterator<Future<unknown>, T | StreamEnd, unknown>;
  }

  /** Done once the value is taken (on the fast path, or by the poll that completed). */
  get done(): boolean {
    return this.#receiver === null;
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
    const receiver = this.#receiver;
    if (receiver === null) throw new SpindleError("FUTURE_COMPLETED", `${this.#what} was polled after it completed`);
    const item = receiver.pollNext(cx);
    if (typeof item !== "symbol" || item !== PENDING) {
      this.#receiver = null;
      this.value = item; // for the step that resumes a `yield*` on this future
    }
    return item;
  }

  /** Dropped, it takes nothing and stays inert: a later poll throws `FUTURE_COMPLETED`. */
  override [Symbol.dispose](): void {
    this.#receiver = null;
    this.value = undefined;
  }
}
