import { Context } from "./context.ts";
import { consumeBudget } from "./coop-budget.ts";
import { checkIterable, describe, SpindleError, unreadableError } from "./errors.ts";
import { PENDING, type Poll } from "./poll.ts";
import { checkChunkMax, checkStream, Stream, STREAM_END, type StreamEnd } from "./stream.ts";
import { type RawWaker, type RawWakerVTable, Waker } from "./waker.ts";
import { dropRawWaker, replaceRawWaker, wakeRawWaker } from "./waker-slot.ts";

/**
 * A stream as an async iterable, for `for await` in `async` code: each `next()` polls the stream,
 * at once when an item is ready, else again whenever the stream wakes its waker. Leaving the loop
 * early (`break`, `return`, a throw) calls `return()`, which drops the stream. A stream's error
 * rejects `next()` with that error and ends the iteration.
 *
 * @example
 * ```ts
 * import { fromIterable, map, toAsyncIterable } from "@spindle/core";
 * const seen: number[] = [];
 * for await (const n of toAsyncIterable(map(fromIterable([1, 2, 3]), (n) => n * 10))) seen.push(n);
 * console.log(seen); // [ 10, 20, 30 ]
 * ```
 */
export function toAsyncIterable<T>(stream: Stream<T>): AsyncIterableIterator<T> {
  checkStream(stream, "toAsyncIterable()");
  return new StreamIterator(stream);
}

const ITERATOR_VTABLE: RawWakerVTable<StreamIterator<unknown>> = {
  clone: (iterator) => iterator,
  wake: (iterator) => iterator.wake(),
  wakeByRef: (iterator) => iterator.wake(),
  drop: () => {},
};

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** The iterator of {@linkcode toAsyncIterable}; it is its own raw waker. */
class StreamIterator<T> implements AsyncIterableIterator<T>, RawWaker<StreamIterator<unknown>> {
  readonly data: StreamIterator<unknown> = this as StreamIterator<unknown>;
  readonly vtable: RawWakerVTable<StreamIterator<unknown>> = ITERATOR_VTABLE;
  #stream: Stream<T> | null;
  readonly #cx: Context = new Context(Waker.fromRaw(this as StreamIterator<unknown>));
  /** The `next()` waiting for an item, and the calls queued behind it. */
  #waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | null = null;
  #queued: (() => void)[] = [];
  #repollQueued = false;
  /** The stream woke its waker since the last poll began (also during that poll). */
  #woken = false;

  constructor(stream: Stream<T>) {
    this.#stream = stream;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#waiting !== null) {
      // A `next()` before the previous one settled (not `for await`): served in order.
      return new Promise((resolve) => this.#queued.push(() => resolve(this.next())));
    }
    // `#poll`, inlined for an item that is ready (the loop's usual case): on Bun 1.4 the call and
    // the `IteratorResult | PENDING` it returned cost a tenth of `for await` over a ready stream.
    const stream = this.#stream;
    if (stream === null) return Promise.resolve(DONE);
    this.#woken = false;
    let item: Poll<T | StreamEnd>;
    try {
      item = stream.pollNext(this.#cx);
    } catch (error) {
      this.#drop();
      return Promise.reject(error);
    }
    if (item !== PENDING) {
      if (item !== STREAM_END) return Promise.resolve({ done: false, value: item });
      this.#drop();
      return Promise.resolve(DONE);
    }
    const promise = new Promise<IteratorResult<T>>((resolve, reject) => (this.#waiting = { resolve, reject }));
    if (this.#woken) this.wake(); // woken during the poll, before there was a waiter
    return promise;
  }

  return(): Promise<IteratorResult<T>> {
    this.#drop();
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.resolve(DONE);
    for (const queued of this.#queued.splice(0)) queued();
    return Promise.resolve(DONE);
  }

  /** The stream woke its waker: poll again (in a microtask; a waker never polls on the spot). */
  wake(): void {
    this.#woken = true;
    if (this.#waiting === null || this.#repollQueued) return;
    this.#repollQueued = true;
    queueMicrotask(this.#repoll);
  }

  readonly #repoll = (): void => {
    this.#repollQueued = false;
    const waiting = this.#waiting;
    if (waiting === null) return;
    let result: IteratorResult<T> | typeof PENDING;
    try {
      result = this.#poll();
    } catch (error) {
      this.#waiting = null;
      waiting.reject(error);
      this.#queued.shift()?.();
      return;
    }
    if (result === PENDING) {
      if (this.#woken) this.wake();
      return;
    }
    this.#waiting = null;
    waiting.resolve(result);
    this.#queued.shift()?.();
  };

  /** One poll of the stream; its end or error drops it. */
  #poll(): IteratorResult<T> | typeof PENDING {
    const stream = this.#stream;
    if (stream === null) return DONE;
    this.#woken = false;
    let item: Poll<T | StreamEnd>;
    try {
      item = stream.pollNext(this.#cx);
    } catch (error) {
      this.#drop();
      throw error;
    }
    if (item === PENDING) return PENDING;
    if (item === STREAM_END) {
      this.#drop();
      return DONE;
    }
    return { done: false, value: item };
  }

  #drop(): void {
    const stream = this.#stream;
    this.#stream = null;
    stream?.[Symbol.dispose]();
  }
}

/**
 * An async iterable (an async generator, a web `ReadableStream`, a Node readable…) or a sync
 * iterable as a stream. Nothing is read until the first poll; each poll that finds no item asks
 * the iterator for one (`next()`) and waits for it. Dropping the stream calls the iterator's
 * `return()` (its `finally` blocks run); an item whose `next()` was still in flight then is lost.
 * Throws `INVALID_ARGUMENT` naming anything that is not iterable.
 *
 * @example
 * ```ts
 * import { type Coroutine, fromAsyncIterable, next, STREAM_END, toPromise } from "@spindle/core";
 *
 * async function* words() {
 *   yield "spin";
 *   yield "dle";
 * }
 * function* join(): Coroutine<string> {
 *   const stream = fromAsyncIterable(words());
 *   let text = "";
 *   for (let word; (word = yield* next(stream)) !== STREAM_END;) text += word;
 *   return text;
 * }
 * console.log(await toPromise(join())); // spindle
 * ```
 */
export function fromAsyncIterable<T>(iterable: AsyncIterable<T> | Iterable<T>): Stream<T> {
  const candidate = iterable as Partial<AsyncIterable<T> & Iterable<T>> | null | undefined;
  const needs = "fromAsyncIterable() needs an async or sync iterable";
  let asyncIterator: unknown;
  try {
    asyncIterator = candidate?.[Symbol.asyncIterator];
  } catch (cause) {
    throw unreadableError(iterable, needs, cause);
  }
  if (typeof asyncIterator === "function") {
    return new AsyncIterableStream(iterable as AsyncIterable<T>, "fromAsyncIterable()");
  }
  checkIterable(iterable, needs);
  return new IterableStream(iterable as Iterable<T>, "fromAsyncIterable()");
}

/**
 * A sync iterable (an array, a generator, a `Set`…) as a stream whose items are ready at once: no
 * promise per item. Each item, or each chunk a consumer takes at once (`pollChunk`, up to its
 * `max`), takes from the task's cooperative budget, so a long one still lets the executor and host
 * have their turns. Throws `INVALID_ARGUMENT` naming a non-iterable.
 *
 * @example
 * ```ts
 * import { blockOn, fromIterable, next } from "@spindle/core";
 * const stream = fromIterable(new Set(["a", "b"]));
 * console.log(blockOn(next(stream)), blockOn(next(stream))); // a b
 * ```
 */
export function fromIterable<T>(iterable: Iterable<T>): Stream<T> {
  checkIterable(iterable, "fromIterable() needs an iterable");
  return new IterableStream(iterable, "fromIterable()");
}

/**
 * The iterator that `[Symbol.iterator]()` or `[Symbol.asyncIterator]()` returned, checked: what
 * has no `next()` method is `INVALID_ARGUMENT` naming it, not the engine's `TypeError` at the
 * first item (`iterator.next is not a function`). `who` is the function the stream came from.
 */
function checkIterator<I>(iterator: unknown, who: string): I {
  const needs = `${who}: the iterable's iterator method must return an iterator`;
  let next: unknown;
  try {
    next = (iterator as { next?: unknown } | null | undefined)?.next;
  } catch (cause) {
    throw unreadableError(iterator, needs, cause);
  }
  if (typeof next !== "function") throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(iterator)}`);
  return iterator as I;
}

/**
 * The error for a `next()` that gave (or fulfilled with) `result`, which is no iterator result
 * object: the language's own `for…of` throws a `TypeError` there; read as one, `5` would be an
 * endless stream of `undefined`.
 */
function notIteratorResult(result: unknown, who: string): SpindleError {
  return new SpindleError(
    "INVALID_ARGUMENT",
    `${who}: the iterator's next() gave ${describe(result)}, where an iterator result ({ done, value }) is needed`,
  );
}

/** Whether `result` can be an iterator result: an object (the language accepts functions too). */
function isIteratorResult(result: unknown): result is IteratorResult<unknown> {
  return (typeof result === "object" && result !== null) || typeof result === "function";
}

class IterableStream<T> extends Stream<T> {
  #iterable: Iterable<T> | null;
  #iterator: Iterator<T> | null = null;
  /** What the iterator threw while a chunk held items: thrown by the next poll. */
  #failure: { error: unknown } | null = null;
  readonly #who: string;

  constructor(iterable: Iterable<T>, who: string) {
    super();
    this.#iterable = iterable;
    this.#who = who;
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    const failure = this.#failure;
    if (failure !== null) {
      this.#failure = null;
      throw failure.error;
    }
    let iterator = this.#iterator;
    if (iterator === null) {
      const iterable = this.#iterable;
      if (iterable === null) return STREAM_END;
      this.#iterable = null;
      iterator = this.#iterator = checkIterator<Iterator<T>>(iterable[Symbol.iterator](), this.#who);
    }
    if (!consumeBudget(cx)) return PENDING;
    try {
      const result = iterator.next();
      if (!isIteratorResult(result)) throw notIteratorResult(result, this.#who);
      if (result.done) {
        this.#iterator = null;
        return STREAM_END;
      }
      return result.value;
    } catch (error) {
      // `next()` threw, gave no iterator result, or a `done` or `value` getter threw: the stream failed.
      this.#iterator = null;
      throw error;
    }
  }

  override pollNextChunk(cx: Context, max: number): Poll<T[] | StreamEnd> {
    checkChunkMax(max);
    const first = this.pollNext(cx);
    if (first === PENDING || first === STREAM_END) return first as typeof PENDING | StreamEnd;
    // One budget unit per chunk, as tokio's `recv_many` takes one per call: `max` bounds the work.
    const iterator = this.#iterator!;
    const chunk = [first];
    try {
      while (chunk.length < max) {
        const result = iterator.next();
        if (!isIteratorResult(result)) throw notIteratorResult(result, this.#who);
        if (result.done) {
          this.#iterator = null;
          break;
        }
        chunk.push(result.value);
      }
    } catch (error) {
      this.#iterator = null;
      this.#failure = { error };
    }
    return chunk;
  }

  override [Symbol.dispose](): void {
    const iterator = this.#iterator;
    this.#iterator = this.#iterable = null;
    this.#failure = null; // a dropped stream has ended: it throws nothing more
    iterator?.return?.();
  }
}

const IDLE = 0;
const WAITING = 1;
const HAS_ITEM = 2;
const FAILED = 3;
const ENDED = 4;

class AsyncIterableStream<T> extends Stream<T> {
  #iterable: AsyncIterable<T> | null;
  #iterator: AsyncIterator<T> | null = null;
  #state = IDLE;
  #value: unknown = undefined;
  #waker: RawWaker<unknown> | null = null;
  readonly #who: string;

  constructor(iterable: AsyncIterable<T>, who: string) {
    super();
    this.#iterable = iterable;
    this.#who = who;
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    switch (this.#state) {
      case HAS_ITEM: {
        if (!consumeBudget(cx)) return PENDING;
        const value = this.#value as T;
        this.#value = undefined;
        this.#state = IDLE;
        return value;
      }
      case FAILED: {
        const error = this.#value;
        this.#value = undefined;
        this.#state = ENDED;
        throw error;
      }
      case ENDED:
        return STREAM_END;
      case IDLE:
        if (!this.#request()) return this.pollNext(cx); // the iterator threw synchronously
    }
    this.#waker = replaceRawWaker(this.#waker, cx.waker);
    return PENDING;
  }

  override [Symbol.dispose](): void {
    this.#waker = dropRawWaker(this.#waker);
    const iterator = this.#iterator;
    const ended = this.#state === ENDED;
    this.#state = ENDED;
    this.#iterator = this.#iterable = null;
    this.#value = undefined;
    if (iterator === null || ended) return;
    try {
      const closing = iterator.return?.();
      // Its outcome is of no interest to anybody (the stream was dropped); keep it from being unhandled.
      if (closing !== undefined) Promise.resolve(closing).catch(() => {});
    } catch {
      // Same: a `return()` that throws while the consumer went away.
    }
  }

  /** Asks the iterator for its next item; `false` when that threw at once (the stream failed). */
  #request(): boolean {
    let iterator = this.#iterator;
    try {
      if (iterator === null) {
        const iterable = this.#iterable as AsyncIterable<T>;
        this.#iterable = null;
        iterator = this.#iterator = checkIterator<AsyncIterator<T>>(iterable[Symbol.asyncIterator](), this.#who);
      }
      this.#state = WAITING;
      Promise.resolve(iterator.next()).then(
        (result) => this.#settleStep(result),
        (error: unknown) => this.#settle(FAILED, error),
      );
    } catch (error) {
      this.#state = FAILED;
      this.#value = error;
      return false;
    }
    return true;
  }

  /**
   * Settles with what `next()` fulfilled with. Read here, in the promise's callback, a result that
   * is no object or a throwing `done` or `value` getter fails the stream; thrown out of the
   * callback, it would be an unhandled rejection (which ends a Node process) and the stream would
   * wait forever.
   */
  #settleStep(result: unknown): void {
    if (this.#state !== WAITING) return; // dropped meanwhile: its result is not read
    let done: unknown;
    let value: unknown;
    try {
      if (!isIteratorResult(result)) throw notIteratorResult(result, this.#who);
      done = result.done;
      if (!done) value = result.value;
    } catch (error) {
      this.#settle(FAILED, error);
      return;
    }
    this.#settle(done ? ENDED : HAS_ITEM, value);
  }

  #settle(state: number, value: unknown): void {
    if (this.#state !== WAITING) return; // dropped meanwhile
    this.#state = state;
    this.#value = state === ENDED ? undefined : value;
    if (state !== HAS_ITEM) this.#iterator = null;
    this.#waker = wakeRawWaker(this.#waker);
  }
}
