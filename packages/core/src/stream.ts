import type { Context } from "./context.ts";
import { completedError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";

/**
 * The value a stream's `pollNext` returns once the stream has ended: no item follows it.
 *
 * @example
 * ```ts
 * import { STREAM_END, type StreamEnd } from "@spindle/core";
 * const last: number | StreamEnd = STREAM_END;
 * console.log(last === STREAM_END); // true
 * ```
 */
export const STREAM_END: unique symbol = Symbol("spindle.streamEnd");

/** The type of {@linkcode STREAM_END}. */
export type StreamEnd = typeof STREAM_END;

/**
 * A sequence of values that become ready one at a time, polled like a future.
 *
 * Implement `pollNext`: return the next item when one is ready, {@linkcode STREAM_END} once the
 * stream has ended (and on every poll after), or {@linkcode PENDING} with `cx.waker` arranged to be
 * woken when an item or the end may be ready. As with futures, only the latest waker need be kept.
 * Override `[Symbol.dispose]` when the stream holds a resource. An item `pollNext` returned has left
 * the stream: dropping the stream afterwards must not lose it, and dropping it between polls must
 * not lose an item already taken from its source.
 *
 * In a coroutine, `yield* next(stream)` waits for the next item or the end.
 *
 * @example
 * ```ts
 * import { blockOn, type Context, type Coroutine, next, PENDING, type Poll, Stream, STREAM_END, type StreamEnd } from "@spindle/core";
 *
 * class Count extends Stream<number> {
 *   #n = 0;
 *   #waited = false;
 *   pollNext(cx: Context): Poll<number | StreamEnd> {
 *     if (this.#n === 3) return STREAM_END;
 *     if (!(this.#waited = !this.#waited)) return this.#n++;
 *     cx.waker.wakeByRef(); // every other poll is pending, to show the protocol
 *     return PENDING;
 *   }
 * }
 * function* sum(stream: Stream<number>): Coroutine<number> {
 *   let total = 0;
 *   for (let item; (item = yield* next(stream)) !== STREAM_END;) total += item;
 *   return total;
 * }
 * console.log(blockOn(sum(new Count()))); // 3
 * ```
 */
export abstract class Stream<T> implements Disposable {
  /** The next item, {@linkcode STREAM_END}, or {@linkcode PENDING} with `cx.waker` arranged to be woken. */
  abstract pollNext(cx: Context): Poll<T | StreamEnd>;

  /** Drops the stream: releases what it holds and deregisters it everywhere. */
  [Symbol.dispose](): void {}
}

/** The item type of a stream. */
export type Item<S> = S extends Stream<infer T> ? T : never;

/** Whether `value` looks like a stream (has a `pollNext` method). */
export function isStream(value: unknown): value is Stream<unknown> {
  return typeof (value as { pollNext?: unknown } | null)?.pollNext === "function";
}

/**
 * A future of the stream's next item, or {@linkcode STREAM_END} once it has ended. Dropping the
 * future leaves the stream as it was: no item is taken until the future is ready.
 *
 * @example
 * ```ts
 * import { blockOn, next, PENDING, Stream, STREAM_END, type Poll, type StreamEnd } from "@spindle/core";
 * class Once extends Stream<string> {
 *   #done = false;
 *   pollNext(): Poll<string | StreamEnd> {
 *     if (this.#done) return STREAM_END;
 *     this.#done = true;
 *     return "only item";
 *   }
 * }
 * const once = new Once();
 * console.log(blockOn(next(once)), blockOn(next(once)) === STREAM_END); // only item true
 * ```
 */
export function next<T>(stream: Stream<T>): Future<T | StreamEnd> {
  return new Next(stream);
}

class Next<T> extends Future<T | StreamEnd> {
  #stream: Stream<T> | null;

  constructor(stream: Stream<T>) {
    super();
    this.#stream = stream;
  }

  poll(cx: Context): Poll<T | StreamEnd> {
    const stream = this.#stream;
    if (stream === null) throw completedError("next(stream)");
    const item = stream.pollNext(cx);
    if (item !== PENDING) this.#stream = null;
    return item;
  }
}
