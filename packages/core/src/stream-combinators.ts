import type { Context } from "./context.ts";
import { type IntoFuture, intoFuture } from "./coroutine.ts";
import { describe, SpindleError } from "./errors.ts";
import { dropEach, type Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import { checkStream, pollChunk, Stream, STREAM_END, type StreamEnd } from "./stream.ts";
import { StreamBacklog } from "./stream-backlog.ts";

// Stream combinators. Each is lazy (nothing is polled before the result is) and drops the streams
// it owns when it is dropped or ends. An item a combinator took from its source is either returned
// by the same poll or kept in the combinator (`zip`'s first item, `chunks`' partial chunk): those
// are lost only if the combinator itself is dropped, as with `futures`' `zip` and `chunks`.

/** Throws `INVALID_ARGUMENT` naming `value` unless it is a function (a combinator's `fn`, `what`'s). */
export function checkFunction(value: unknown, what: string): void {
  if (typeof value !== "function") {
    throw new SpindleError("INVALID_ARGUMENT", `${what} needs a function, got ${describe(value)}`);
  }
}

/** A count that must be an integer from `min` up; a `RangeError` naming the value otherwise. */
export function checkCount(value: unknown, min: number, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${what} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/**
 * Each item of `stream` passed through `fn`.
 *
 * @example
 * ```ts
 * import { blockOn, fromIterable, map, next } from "@spindle/core";
 * console.log(blockOn(next(map(fromIterable([20]), (n) => n + 1)))); // 21
 * ```
 */
export function map<T, R>(stream: Stream<T>, fn: (item: T) => R): Stream<R> {
  checkStream(stream, "map()");
  checkFunction(fn, "map()");
  return new MapStream(stream, fn);
}

class MapStream<T, R> extends Stream<R> {
  readonly #source: Stream<T>;
  #dropped = false;
  readonly #fn: (item: T) => R;
  readonly #backlog = new StreamBacklog<T>();

  constructor(source: Stream<T>, fn: (item: T) => R) {
    super();
    this.#source = source;
    this.#fn = fn;
  }

  pollNext(cx: Context): Poll<R | StreamEnd> {
    if (this.#dropped) return STREAM_END; // a dropped stream has ended: its source is not polled again
    const kept = this.#backlog.isEmpty ? null : this.#backlog.take(1);
    const item = kept !== null ? kept[0] as T : this.#source.pollNext(cx);
    if (item === PENDING || item === STREAM_END) return item as typeof PENDING | StreamEnd;
    return this.#fn(item);
  }

  override pollNextChunk(cx: Context, max: number): Poll<R[] | StreamEnd> {
    if (this.#dropped) return STREAM_END;
    const kept = this.#backlog.isEmpty ? null : this.#backlog.take(max);
    const chunk = kept ?? pollChunk(this.#source, cx, max);
    if (chunk === PENDING || chunk === STREAM_END) return chunk as typeof PENDING | StreamEnd;
    // The chunk is ours: mapped in place, one array per chunk whatever the pipeline's length.
    const fn = this.#fn;
    const mapped = chunk as unknown as R[];
    let i = 0;
    try {
      for (; i < chunk.length; i++) mapped[i] = fn(chunk[i] as T);
    } catch (error) {
      // As one item at a time: the items before come out now, the error next, the rest after it.
      this.#backlog.keep(error, chunk, i + 1);
      if (i === 0) return this.#backlog.take(max) as never; // throws the error
      mapped.length = i;
    }
    return mapped;
  }

  override [Symbol.dispose](): void {
    if (this.#dropped) return; // a second drop must not drop the source again
    this.#dropped = true;
    this.#source[Symbol.dispose]();
  }
}

/**
 * The items of `stream` for which `predicate` returns true.
 *
 * @example
 * ```ts
 * import { fromIterable, filter, toAsyncIterable } from "@spindle/core";
 * const odd: number[] = [];
 * for await (const n of toAsyncIterable(filter(fromIterable([1, 2, 3]), (n) => n % 2 === 1))) odd.push(n);
 * console.log(odd); // [ 1, 3 ]
 * ```
 */
export function filter<T>(stream: Stream<T>, predicate: (item: T) => boolean): Stream<T> {
  checkStream(stream, "filter()");
  checkFunction(predicate, "filter()");
  return new FilterStream(stream, predicate);
}

class FilterStream<T> extends Stream<T> {
  readonly #source: Stream<T>;
  #dropped = false;
  readonly #predicate: (item: T) => boolean;
  readonly #backlog = new StreamBacklog<T>();

  constructor(source: Stream<T>, predicate: (item: T) => boolean) {
    super();
    this.#source = source;
    this.#predicate = predicate;
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    if (this.#dropped) return STREAM_END; // a dropped stream has ended: its source is not polled again
    // Ends when the source is pending: a source that is always ready still runs out of budget.
    for (;;) {
      const kept = this.#backlog.isEmpty ? null : this.#backlog.take(1);
      const item = kept !== null ? kept[0] as T : this.#source.pollNext(cx);
      if (item === PENDING || item === STREAM_END || this.#predicate(item)) return item;
    }
  }

  override pollNextChunk(cx: Context, max: number): Poll<T[] | StreamEnd> {
    if (this.#dropped) return STREAM_END;
    const predicate = this.#predicate;
    for (;;) {
      const backlog = this.#backlog.isEmpty ? null : this.#backlog.take(max);
      const chunk = backlog ?? pollChunk(this.#source, cx, max);
      if (chunk === PENDING || chunk === STREAM_END) return chunk;
      // Kept items are compacted to the front of the chunk we own.
      let kept = 0;
      let i = 0;
      try {
        for (; i < chunk.length; i++) {
          const item = chunk[i] as T;
          if (predicate(item)) chunk[kept++] = item;
        }
      } catch (error) {
        // As one item at a time: the items kept before come out now, the error next, the rest after.
        this.#backlog.keep(error, chunk, i + 1);
        if (kept === 0) return this.#backlog.take(max) as never; // throws the error
        chunk.length = kept;
        return chunk;
      }
      if (kept > 0) {
        chunk.length = kept;
        return chunk;
      }
    }
  }

  override [Symbol.dispose](): void {
    if (this.#dropped) return; // a second drop must not drop the source again
    this.#dropped = true;
    this.#source[Symbol.dispose]();
  }
}

/**
 * Each item of `stream` passed through `fn`, without those for which `fn` returns `undefined`
 * (tokio-stream's `filter_map`, where `None` skips; Effect's `filterMap`).
 *
 * @example
 * ```ts
 * import { blockOn, collect, filterMap, fromIterable } from "@spindle/core";
 * const numbers = filterMap(fromIterable(["1", "x", "3"]), (s) => /^\d+$/.test(s) ? Number(s) : undefined);
 * console.log(blockOn(collect(numbers))); // [ 1, 3 ]
 * ```
 */
export function filterMap<T, R>(stream: Stream<T>, fn: (item: T) => R | undefined): Stream<R> {
  checkStream(stream, "filterMap()");
  checkFunction(fn, "filterMap()");
  return new FilterStream(new MapStream(stream, fn), isDefined) as Stream<R>;
}

/** Whether `item` is not `undefined`: what `filterMap` and `mapWhile` keep. */
export function isDefined(item: unknown): boolean {
  return item !== undefined;
}

/**
 * The first `count` items of `stream`; the source is dropped once they were taken. A count that
 * is not an integer >= 0 is a `RangeError` naming it.
 *
 * @example
 * ```ts
 * import { fromIterable, take, toAsyncIterable } from "@spindle/core";
 * const firstTwo: string[] = [];
 * for await (const s of toAsyncIterable(take(fromIterable(["a", "b", "c"]), 2))) firstTwo.push(s);
 * console.log(firstTwo); // [ "a", "b" ]
 * ```
 */
export function take<T>(stream: Stream<T>, count: number): Stream<T> {
  checkStream(stream, "take()");
  return new TakeStream(stream, checkCount(count, 0, "take()'s count"));
}

class TakeStream<T> extends Stream<T> {
  #source: Stream<T> | null;
  #left: number;

  constructor(source: Stream<T>, count: number) {
    super();
    this.#source = source;
    this.#left = count;
    if (count === 0) this[Symbol.dispose]();
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    const source = this.#source;
    if (source === null) return STREAM_END;
    const item = source.pollNext(cx);
    if (item === PENDING) return item;
    if (item === STREAM_END || --this.#left === 0) this[Symbol.dispose]();
    return item;
  }

  override pollNextChunk(cx: Context, max: number): Poll<T[] | StreamEnd> {
    const source = this.#source;
    if (source === null) return STREAM_END;
    // Never more than the count left, so no item is taken from the source only to be dropped.
    const chunk = pollChunk(source, cx, Math.min(max, this.#left));
    if (chunk === PENDING) return chunk;
    if (chunk === STREAM_END || (this.#left -= chunk.length) === 0) this[Symbol.dispose]();
    return chunk;
  }

  override [Symbol.dispose](): void {
    const source = this.#source;
    this.#source = null;
    source?.[Symbol.dispose]();
  }
}

/**
 * The items of `stream` until `stop` completes (a future or coroutine: a token's `cancelled()`,
 * a sleep, a signal's `whenAborted`); then the stream ends and both are dropped. `stop` is polled
 * before each item, so an item is never taken once it has completed. A `stop` that fails ends the
 * stream with that error.
 *
 * @example
 * ```ts
 * import { CancellationToken, fromIterable, takeUntil, toAsyncIterable } from "@spindle/core";
 * const token = new CancellationToken();
 * const seen: number[] = [];
 * for await (const n of toAsyncIterable(takeUntil(fromIterable([1, 2, 3]), token.cancelled()))) {
 *   seen.push(n);
 *   if (n === 2) token.cancel();
 * }
 * console.log(seen); // [ 1, 2 ]
 * ```
 */
export function takeUntil<T>(stream: Stream<T>, stop: IntoFuture<unknown>): Stream<T> {
  checkStream(stream, "takeUntil()");
  return new TakeUntilStream(stream, intoFuture(stop));
}

class TakeUntilStream<T> extends Stream<T> {
  #source: Stream<T> | null;
  #stop: Future<unknown> | null;

  constructor(source: Stream<T>, stop: Future<unknown>) {
    super();
    this.#source = source;
    this.#stop = stop;
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    const source = this.#source;
    const stop = this.#stop;
    if (source === null || stop === null) return STREAM_END;
    let stopped: boolean;
    try {
      stopped = stop.poll(cx) !== PENDING;
    } catch (error) {
      this.#stop = null;
      this[Symbol.dispose]();
      throw error;
    }
    if (stopped) {
      this.#stop = null;
      this[Symbol.dispose]();
      return STREAM_END;
    }
    const item = source.pollNext(cx);
    if (item === STREAM_END) this[Symbol.dispose]();
    return item;
  }

  override [Symbol.dispose](): void {
    const source = this.#source;
    const stop = this.#stop;
    this.#source = this.#stop = null;
    dropEach(source, stop);
  }
}

/**
 * The items of all `streams` as they become ready, interleaved; ends when all have ended. Each poll
 * starts with the stream after the one that gave the last item, so a stream that is always ready
 * cannot starve the others.
 *
 * @example
 * ```ts
 * import { fromIterable, merge, toAsyncIterable } from "@spindle/core";
 * const all: string[] = [];
 * for await (const s of toAsyncIterable(merge(fromIterable(["a1", "a2"]), fromIterable(["b1"])))) all.push(s);
 * console.log(all); // [ "a1", "b1", "a2" ]
 * ```
 */
export function merge<T>(...streams: Stream<T>[]): Stream<T> {
  for (const stream of streams) checkStream(stream, "merge()");
  return new MergeStream(streams);
}

class MergeStream<T> extends Stream<T> {
  readonly #sources: (Stream<T> | null)[];
  #live: number;
  #start = 0;

  constructor(sources: Stream<T>[]) {
    super();
    this.#sources = sources.slice();
    this.#live = sources.length;
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    const sources = this.#sources;
    const count = sources.length;
    for (let i = 0; i < count && this.#live > 0; i++) {
      const index = (this.#start + i) % count;
      const source = sources[index];
      if (source === null || source === undefined) continue;
      const item = source.pollNext(cx);
      if (item === PENDING) continue;
      if (item === STREAM_END) {
        sources[index] = null;
        this.#live--;
        source[Symbol.dispose]();
        continue;
      }
      this.#start = index + 1;
      return item;
    }
    return this.#live === 0 ? STREAM_END : PENDING;
  }

  override [Symbol.dispose](): void {
    const sources = this.#sources.slice();
    this.#sources.fill(null);
    this.#live = 0;
    dropEach(...sources);
  }
}

/**
 * Pairs of items, one from each stream; ends when either ends. An item of `first` waits in the
 * zip until `second` has one.
 *
 * @example
 * ```ts
 * import { fromIterable, toAsyncIterable, zip } from "@spindle/core";
 * const pairs: [number, string][] = [];
 * for await (const pair of toAsyncIterable(zip(fromIterable([1, 2]), fromIterable(["a", "b", "c"])))) pairs.push(pair);
 * console.log(pairs); // [ [ 1, "a" ], [ 2, "b" ] ]
 * ```
 */
export function zip<A, B>(first: Stream<A>, second: Stream<B>): Stream<[A, B]> {
  checkStream(first, "zip()");
  checkStream(second, "zip()");
  return new ZipStream(first, second);
}

const NONE: unique symbol = Symbol("none");

class ZipStream<A, B> extends Stream<[A, B]> {
  #first: Stream<A> | null;
  #second: Stream<B> | null;
  #held: A | typeof NONE = NONE;

  constructor(first: Stream<A>, second: Stream<B>) {
    super();
    this.#first = first;
    this.#second = second;
  }

  pollNext(cx: Context): Poll<[A, B] | StreamEnd> {
    const first = this.#first;
    const second = this.#second;
    if (first === null || second === null) return STREAM_END;
    if (this.#held === NONE) {
      const a = first.pollNext(cx);
      if (a === PENDING) return PENDING;
      if (a === STREAM_END) {
        this[Symbol.dispose]();
        return STREAM_END;
      }
      this.#held = a;
    }
    const b = second.pollNext(cx);
    if (b === PENDING) return PENDING;
    if (b === STREAM_END) {
      this[Symbol.dispose]();
      return STREAM_END;
    }
    const a = this.#held as A;
    this.#held = NONE;
    return [a, b];
  }

  override [Symbol.dispose](): void {
    const first = this.#first;
    const second = this.#second;
    this.#first = this.#second = null;
    this.#held = NONE;
    dropEach(first, second);
  }
}

/**
 * The items of `stream` in arrays of `size` (the last one shorter when the stream ends
 * mid-chunk). A size that is not an integer >= 1 is a `RangeError` naming it.
 *
 * @example
 * ```ts
 * import { chunks, fromIterable, toAsyncIterable } from "@spindle/core";
 * const batches: number[][] = [];
 * for await (const batch of toAsyncIterable(chunks(fromIterable([1, 2, 3, 4, 5]), 2))) batches.push(batch);
 * console.log(batches); // [ [ 1, 2 ], [ 3, 4 ], [ 5 ] ]
 * ```
 */
export function chunks<T>(stream: Stream<T>, size: number): Stream<T[]> {
  checkStream(stream, "chunks()");
  return new ChunksStream(stream, checkCount(size, 1, "chunks()'s size"));
}

class ChunksStream<T> extends Stream<T[]> {
  #source: Stream<T> | null;
  readonly #size: number;
  #chunk: T[] = [];

  constructor(source: Stream<T>, size: number) {
    super();
    this.#source = source;
    this.#size = size;
  }

  pollNext(cx: Context): Poll<T[] | StreamEnd> {
    const source = this.#source;
    if (source === null) return STREAM_END;
    const chunk = this.#chunk;
    for (;;) {
      const item = source.pollNext(cx);
      if (item === PENDING) return PENDING;
      if (item === STREAM_END) {
        this.#source = null;
        source[Symbol.dispose]();
        this.#chunk = [];
        return chunk.length > 0 ? chunk : STREAM_END;
      }
      chunk.push(item);
      if (chunk.length === this.#size) {
        this.#chunk = [];
        return chunk;
      }
    }
  }

  override [Symbol.dispose](): void {
    const source = this.#source;
    this.#source = null;
    this.#chunk = [];
    source?.[Symbol.dispose]();
  }
}
