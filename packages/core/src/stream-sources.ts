import type { Context } from "./context.ts";
import { PENDING, type Poll } from "./poll.ts";
import { Stream, STREAM_END, type StreamEnd } from "./stream.ts";

// Streams made from nothing or from one value (tokio-stream's `empty`, `once` and `pending`;
// Effect's `Stream.empty`, `Stream.succeed` and `Stream.never`). A dropped one has ended.

/**
 * A stream that has ended before its first poll.
 *
 * @example
 * ```ts
 * import { blockOn, empty, next, STREAM_END } from "@spindle/core";
 * console.log(blockOn(next(empty())) === STREAM_END); // true
 * ```
 */
export function empty<T = never>(): Stream<T> {
  return new OnceStream<T>(STREAM_END);
}

/**
 * A stream of one item, `value`, then its end.
 *
 * @example
 * ```ts
 * import { blockOn, collect, once } from "@spindle/core";
 * console.log(blockOn(collect(once("only")))); // [ "only" ]
 * ```
 */
export function once<T>(value: T): Stream<T> {
  return new OnceStream<T>(value);
}

class OnceStream<T> extends Stream<T> {
  #item: T | StreamEnd;

  constructor(item: T | StreamEnd) {
    super();
    this.#item = item;
  }

  pollNext(_cx: Context): Poll<T | StreamEnd> {
    const item = this.#item;
    this.#item = STREAM_END;
    return item;
  }

  override [Symbol.dispose](): void {
    this.#item = STREAM_END;
  }
}

/**
 * A stream that never gives an item nor ends (tokio-stream's `pending`): every poll is pending and
 * nothing ever wakes it; useful to test time-outs and `merge`. Dropped, it has ended.
 *
 * @example
 * ```ts
 * import { Context, never, PENDING } from "@spindle/core";
 * console.log(never().pollNext(Context.noop()) === PENDING); // true
 * ```
 */
export function never<T = never>(): Stream<T> {
  return new NeverStream<T>();
}

class NeverStream<T> extends Stream<T> {
  #dropped = false;

  pollNext(_cx: Context): Poll<T | StreamEnd> {
    return this.#dropped ? STREAM_END : PENDING;
  }

  override [Symbol.dispose](): void {
    this.#dropped = true;
  }
}
