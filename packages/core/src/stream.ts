import type { Context } from "./context.ts";
import { checkTypeOf, completedError, describe, SpindleError, unreadableError } from "./errors.ts";
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

  /**
   * Optional: up to `max` items that are ready now, as a new array the caller owns (never empty),
   * or {@linkcode STREAM_END}, or {@linkcode PENDING} as `pollNext` answers (tokio's `recv_many`).
   * Implement it when a stream can hand over many items more cheaply than one `pollNext` each and
   * taking items ahead loses nothing (`fromIterable`, and the combinators over such a source); call
   * it through {@linkcode pollChunk}, which falls back to one `pollNext` otherwise.
   */
  pollNextChunk?(cx: Context, max: number): Poll<T[] | StreamEnd>;

  /** Drops the stream: releases what it holds and deregisters it everywhere. */
  [Symbol.dispose](): void {}
}

/**
 * Polls `stream` for up to `max` items that are ready now: a new array the caller owns (never
 * empty), {@linkcode STREAM_END}, or {@linkcode PENDING} as `pollNext` answers. Consumers that take
 * every item at once (`fold`, `forEach`) poll this way, so a pipeline of combinators over a source
 * that hands over chunks (`fromIterable`) pays its per-poll cost once per chunk. A stream without
 * its own `pollNextChunk` (a channel, a socket, most user streams) gives one item per call, so
 * nothing is taken from it ahead of what the caller takes. `max` must be an integer >= 1 (a
 * `RangeError` naming it otherwise); `stream` must be a stream (`INVALID_ARGUMENT` naming it).
 *
 * @example
 * ```ts
 * import { blockOn, fromIterable, pollChunk, pollFn } from "@spindle/core";
 * const stream = fromIterable([1, 2, 3, 4, 5]);
 * console.log(blockOn(pollFn((cx) => pollChunk(stream, cx, 2)))); // [ 1, 2 ]
 * ```
 */
export function pollChunk<T>(stream: Stream<T>, cx: Context, max: number): Poll<T[] | StreamEnd> {
  checkStream(stream, "pollChunk()");
  // Checked here, not only by the streams that produce items: a combinator's own arithmetic on
  // `max` (take's count left) would otherwise pass a bad one on, changed or not checked at all.
  checkChunkMax(max);
  if (stream.pollNextChunk !== undefined) return stream.pollNextChunk(cx, max);
  const item = stream.pollNext(cx);
  return item === PENDING || item === STREAM_END ? item as typeof PENDING | StreamEnd : [item];
}

/**
 * Checks a chunk's `max` (of `pollChunk`, or of `what`): a `RangeError` naming it unless it is an
 * integer >= 1. Streams that produce items (rather than pass on their source's chunks) call it.
 *
 * @example
 * ```ts
 * import { checkChunkMax } from "@spindle/core";
 * try {
 *   checkChunkMax(0, "recvMany()");
 * } catch (error) {
 *   console.log((error as RangeError).message); // recvMany()'s max must be an integer >= 1, got 0
 * }
 * ```
 */
export function checkChunkMax(max: number, what = "pollChunk()"): number {
  checkTypeOf(what, "string", "checkChunkMax(): what");
  if (typeof max !== "number" || !Number.isInteger(max) || max < 1) {
    throw new RangeError(`${what}'s max must be an integer >= 1, got ${describe(max)}`);
  }
  return max;
}

/**
 * Throws `INVALID_ARGUMENT` naming `value`, for `what` (`"map()"`…), unless it is a stream: every
 * function of this package that takes a stream checks it this way, before it keeps or polls it.
 */
export function checkStream(value: unknown, what: string): void {
  checkTypeOf(what, "string", "checkStream(): what");
  const needs = `${what} needs a stream`;
  if (!hasPollNext(value, needs)) throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(value)}`);
}

/** The item type of a stream. */
export type Item<S> = S extends Stream<infer T> ? T : never;

/**
 * Whether `value` looks like a stream (has a `pollNext` method). A value whose `pollNext` cannot
 * be read (a revoked Proxy, a throwing trap or getter) is `INVALID_ARGUMENT` naming it, the
 * engine's error kept as `cause`.
 */
export function isStream(value: unknown): value is Stream<unknown> {
  return hasPollNext(value, "a stream is needed");
}

/** Whether `value` has a `pollNext` method; `unreadableError` with `needs` when reading it throws. */
function hasPollNext(value: unknown, needs: string): value is Stream<unknown> {
  // The `try` costs nothing on the path that reads: V8 and JSC optimize code inside one.
  try {
    return typeof (value as { pollNext?: unknown } | null)?.pollNext === "function";
  } catch (cause) {
    throw unreadableError(value, needs, cause);
  }
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
  checkStream(stream, "next()");
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

  /** Dropped, it stays inert (the stream is not dropped: it is the caller's). */
  override [Symbol.dispose](): void {
    this.#stream = null;
  }
}
