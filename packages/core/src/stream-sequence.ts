import type { Context } from "./context.ts";
import { dropEach } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import { checkStream, pollChunk, Stream, STREAM_END, type StreamEnd } from "./stream.ts";
import { checkCount, checkFunction, isDefined, map } from "./stream-combinators.ts";

// Combinators that join streams one after another or cut a stream by position or condition
// (tokio-stream's `chain`, `skip`, `skip_while`, `take_while`, `map_while`, `fuse`; Effect's
// `concat`, `drop`, `dropWhile`, `takeWhile`). Lazy and cancel-safe as the others (stream-combinators.ts): nothing
// is polled before the result is, and each drops the streams it owns when it ends or is dropped.

/**
 * The items of each stream in turn: all of the first, then all of the second, and so on. A stream
 * is polled only once the ones before it have ended, and is dropped as it ends.
 *
 * @example
 * ```ts
 * import { chain, fromIterable, toAsyncIterable } from "@spindle/core";
 * const all: number[] = [];
 * for await (const n of toAsyncIterable(chain(fromIterable([1, 2]), fromIterable([3])))) all.push(n);
 * console.log(all); // [ 1, 2, 3 ]
 * ```
 */
export function chain<T>(...streams: Stream<T>[]): Stream<T> {
  for (const stream of streams) checkStream(stream, "chain()");
  return new ChainStream(streams);
}

class ChainStream<T> extends Stream<T> {
  readonly #sources: (Stream<T> | null)[];
  #current = 0;

  constructor(sources: Stream<T>[]) {
    super();
    this.#sources = sources.slice();
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    const sources = this.#sources;
    for (; this.#current < sources.length; this.#current++) {
      const source = sources[this.#current]!;
      const item = source.pollNext(cx);
      if (item !== STREAM_END) return item;
      sources[this.#current] = null;
      source[Symbol.dispose]();
    }
    return STREAM_END;
  }

  override [Symbol.dispose](): void {
    const sources = this.#sources.slice(this.#current);
    this.#sources.fill(null);
    this.#current = this.#sources.length;
    dropEach(...sources);
  }
}

/**
 * A combinator that asks `predicate` about its source's items; it drops the source once: as it
 * ends, or when it is dropped.
 */
abstract class PredicateStream<T> extends Stream<T> {
  protected source: Stream<T> | null;
  protected predicate: ((item: T) => boolean) | null;

  constructor(source: Stream<T>, predicate: (item: T) => boolean) {
    super();
    this.source = source;
    this.predicate = predicate;
  }

  override [Symbol.dispose](): void {
    const source = this.source;
    this.source = null;
    source?.[Symbol.dispose]();
  }
}

/**
 * `stream` without its first `count` items: they are taken from it and discarded on the first
 * poll that can. A count that is not an integer >= 0 is a `RangeError` naming it.
 *
 * @example
 * ```ts
 * import { fromIterable, skip, toAsyncIterable } from "@spindle/core";
 * const rest: string[] = [];
 * for await (const s of toAsyncIterable(skip(fromIterable(["a", "b", "c"]), 2))) rest.push(s);
 * console.log(rest); // [ "c" ]
 * ```
 */
export function skip<T>(stream: Stream<T>, count: number): Stream<T> {
  checkStream(stream, "skip()");
  let left = checkCount(count, 0, "skip()'s count");
  return new SkipWhileStream(stream, () => left-- > 0);
}

/**
 * `stream` from its first item for which `predicate` returns false: the items before it are
 * discarded, and `predicate` is not called again once it returned false.
 *
 * @example
 * ```ts
 * import { fromIterable, skipWhile, toAsyncIterable } from "@spindle/core";
 * const rest: number[] = [];
 * for await (const n of toAsyncIterable(skipWhile(fromIterable([1, 2, 5, 1]), (n) => n < 3))) rest.push(n);
 * console.log(rest); // [ 5, 1 ]
 * ```
 */
export function skipWhile<T>(stream: Stream<T>, predicate: (item: T) => boolean): Stream<T> {
  checkStream(stream, "skipWhile()");
  checkFunction(predicate, "skipWhile()");
  return new SkipWhileStream(stream, predicate);
}

/** Its predicate is `null` once it returned false: the rest of the stream passes unasked. */
class SkipWhileStream<T> extends PredicateStream<T> {
  pollNext(cx: Context): Poll<T | StreamEnd> {
    const source = this.source;
    if (source === null) return STREAM_END;
    for (;;) {
      const item = source.pollNext(cx);
      if (item === STREAM_END) this[Symbol.dispose]();
      if (item === PENDING || item === STREAM_END) return item;
      const predicate = this.predicate;
      if (predicate === null || !predicate(item)) {
        this.predicate = null;
        return item;
      }
    }
  }
}

/**
 * The items of `stream` while `predicate` returns true; the first item for which it returns false
 * is discarded, and the stream ends there (its source dropped).
 *
 * @example
 * ```ts
 * import { fromIterable, takeWhile, toAsyncIterable } from "@spindle/core";
 * const small: number[] = [];
 * for await (const n of toAsyncIterable(takeWhile(fromIterable([1, 2, 5, 1]), (n) => n < 3))) small.push(n);
 * console.log(small); // [ 1, 2 ]
 * ```
 */
export function takeWhile<T>(stream: Stream<T>, predicate: (item: T) => boolean): Stream<T> {
  checkStream(stream, "takeWhile()");
  checkFunction(predicate, "takeWhile()");
  return new TakeWhileStream(stream, predicate);
}

class TakeWhileStream<T> extends PredicateStream<T> {
  pollNext(cx: Context): Poll<T | StreamEnd> {
    const source = this.source;
    if (source === null) return STREAM_END;
    const item = source.pollNext(cx);
    if (item === PENDING) return item;
    if (item !== STREAM_END && this.predicate!(item)) return item;
    this[Symbol.dispose]();
    return STREAM_END;
  }
}

/**
 * Each item of `stream` passed through `fn` until `fn` returns `undefined` (tokio-stream's
 * `map_while`, where `None` stops): that item is discarded, and the stream ends there (its source
 * dropped, not polled again).
 *
 * @example
 * ```ts
 * import { collect, blockOn, fromIterable, mapWhile } from "@spindle/core";
 * const words = fromIterable(["1", "22", "x", "4"]);
 * console.log(blockOn(collect(mapWhile(words, (s) => /^\d+$/.test(s) ? Number(s) : undefined)))); // [ 1, 22 ]
 * ```
 */
export function mapWhile<T, R>(stream: Stream<T>, fn: (item: T) => R | undefined): Stream<R> {
  checkStream(stream, "mapWhile()");
  checkFunction(fn, "mapWhile()");
  return new TakeWhileStream(map(stream, fn), isDefined) as Stream<R>;
}

/** A stream that ends for good at its source's first end: see {@linkcode fuse}. */
export interface FusedStream<T> extends Stream<T> {
  /** Whether the stream has ended (or was dropped): every poll from now on is `STREAM_END`. */
  readonly isTerminated: boolean;
}

/**
 * `stream`, ended for good at the first `STREAM_END` it gives (tokio-stream's `fuse`): the source
 * is dropped then and never polled again, so a stream that breaks the protocol (an item after its
 * end) cannot reach the consumer. `isTerminated` tells whether it has ended.
 *
 * @example
 * ```ts
 * import { blockOn, fromIterable, fuse, next } from "@spindle/core";
 * const stream = fuse(fromIterable([1]));
 * console.log(blockOn(next(stream)), stream.isTerminated); // 1 false
 * blockOn(next(stream));
 * console.log(stream.isTerminated); // true
 * ```
 */
export function fuse<T>(stream: Stream<T>): FusedStream<T> {
  checkStream(stream, "fuse()");
  return new FuseStream(stream);
}

class FuseStream<T> extends Stream<T> implements FusedStream<T> {
  #source: Stream<T> | null;

  constructor(source: Stream<T>) {
    super();
    this.#source = source;
  }

  get isTerminated(): boolean {
    return this.#source === null;
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    const source = this.#source;
    if (source === null) return STREAM_END;
    const item = source.pollNext(cx);
    if (item === STREAM_END) this[Symbol.dispose]();
    return item;
  }

  override pollNextChunk(cx: Context, max: number): Poll<T[] | StreamEnd> {
    const source = this.#source;
    if (source === null) return STREAM_END;
    const chunk = pollChunk(source, cx, max);
    if (chunk === STREAM_END) this[Symbol.dispose]();
    return chunk;
  }

  override [Symbol.dispose](): void {
    const source = this.#source;
    this.#source = null;
    source?.[Symbol.dispose]();
  }
}
