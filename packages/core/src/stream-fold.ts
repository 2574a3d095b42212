import type { Context } from "./context.ts";
import { completedError, describe, SpindleError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import { checkStream, pollChunk, type Stream, STREAM_END } from "./stream.ts";

/**
 * A future that runs `stream` to its end, folding each item into an accumulator (Effect's
 * `runFold`, `futures`' `fold`): `reducer(accumulator, item)` for every item, starting from
 * `initial`, and completes with the last accumulator. It polls the stream for chunks of items
 * (`pollChunk`) in a loop, with no future per item, until the stream is pending or ends. Dropping it drops the stream;
 * a reducer that throws fails it and drops the stream (from `fromIterable`, up to one chunk read
 * past the failing item).
 *
 * @example
 * ```ts
 * import { blockOn, fold, fromIterable, map } from "@spindle/core";
 * console.log(blockOn(fold(map(fromIterable([1, 2, 3]), (n) => n * n), 0, (sum, n) => sum + n))); // 14
 * ```
 */
export function fold<T, A>(stream: Stream<T>, initial: A, reducer: (accumulator: A, item: T) => A): Future<A> {
  checkStream(stream, "fold()");
  if (typeof reducer !== "function") {
    throw new SpindleError("INVALID_ARGUMENT", `fold() needs a reducer function, got ${describe(reducer)}`);
  }
  return new Fold(stream, initial, reducer, "fold()");
}

/**
 * A future that runs `stream` to its end, calling `fn` with each item (`futures`' `for_each`).
 *
 * @example
 * ```ts
 * import { blockOn, forEach, fromIterable } from "@spindle/core";
 * const seen: string[] = [];
 * blockOn(forEach(fromIterable(["a", "b"]), (s) => seen.push(s)));
 * console.log(seen); // [ "a", "b" ]
 * ```
 */
export function forEach<T>(stream: Stream<T>, fn: (item: T) => void): Future<void> {
  checkStream(stream, "forEach()");
  if (typeof fn !== "function") {
    throw new SpindleError("INVALID_ARGUMENT", `forEach() needs a function, got ${describe(fn)}`);
  }
  return new Fold<T, undefined>(stream, undefined, (_, item) => void fn(item), "forEach()");
}

/**
 * A future of every item of `stream` in order, once it has ended (tokio-stream's `collect` into a
 * `Vec`, Effect's `runCollect`): `fold` into a new array. Dropping it drops the stream, and the
 * items collected so far with it.
 *
 * @example
 * ```ts
 * import { blockOn, collect, fromIterable, takeWhile } from "@spindle/core";
 * console.log(blockOn(collect(takeWhile(fromIterable([1, 2, 9, 3]), (n) => n < 5)))); // [ 1, 2 ]
 * ```
 */
export function collect<T>(stream: Stream<T>): Future<T[]> {
  checkStream(stream, "collect()");
  return new Fold<T, T[]>(stream, [], pushItem, "collect()");
}

function pushItem<T>(items: T[], item: T): T[] {
  items.push(item);
  return items;
}

/** How many items `fold` asks its stream for at once: one poll through the pipeline per chunk. */
const FOLD_CHUNK = 256;

class Fold<T, A> extends Future<A> {
  #stream: Stream<T> | null;
  #accumulator: A;
  readonly #reducer: (accumulator: A, item: T) => A;
  /** `"fold()"` or `"forEach()"`, for the error of a poll after completion. */
  readonly #what: string;

  constructor(stream: Stream<T>, initial: A, reducer: (accumulator: A, item: T) => A, what: string) {
    super();
    this.#what = what;
    this.#stream = stream;
    this.#accumulator = initial;
    this.#reducer = reducer;
  }

  poll(cx: Context): Poll<A> {
    const stream = this.#stream;
    if (stream === null) throw completedError(this.#what);
    const reducer = this.#reducer;
    let accumulator = this.#accumulator;
    try {
      for (;;) {
        const chunk = pollChunk(stream, cx, FOLD_CHUNK);
        if (chunk === PENDING) {
          this.#accumulator = accumulator;
          return PENDING;
        }
        if (chunk === STREAM_END) {
          this[Symbol.dispose]();
          return accumulator;
        }
        for (let i = 0; i < chunk.length; i++) accumulator = reducer(accumulator, chunk[i] as T);
      }
    } catch (error) {
      this[Symbol.dispose]();
      throw error;
    }
  }

  override [Symbol.dispose](): void {
    const stream = this.#stream;
    this.#stream = null;
    stream?.[Symbol.dispose]();
  }
}
