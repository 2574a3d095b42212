import type { Context } from "./context.ts";
import type { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import { pollFn } from "./poll-fn.ts";
import { checkStream, pollChunk, Stream, STREAM_END, type StreamEnd } from "./stream.ts";
import { fuse, type FusedStream } from "./stream-sequence.ts";

/** A stream whose next item can be looked at before it is taken: see {@linkcode peekable}. */
export interface Peekable<T> extends Stream<T> {
  /**
   * The next item without taking it (the next `pollNext` or `peek` gives the same item),
   * `STREAM_END`, or `PENDING` with `cx.waker` arranged to be woken as `pollNext` would.
   */
  pollPeek(cx: Context): Poll<T | StreamEnd>;
  /** A future of {@linkcode Peekable.pollPeek}'s answer. Dropping it takes nothing. */
  peek(): Future<T | StreamEnd>;
}

/**
 * `stream`, with `peek()` to look at its next item without taking it (tokio-stream's and `futures`'
 * `peekable`). A peeked item is held by the peekable until taken: the same value (for an object,
 * the same object, so a change made through `peek` shows in what `next` gives), and lost only if
 * the peekable is dropped, as a `zip`'s held item is.
 *
 * @example
 * ```ts
 * import { blockOn, fromIterable, next, peekable } from "@spindle/core";
 * const stream = peekable(fromIterable(["a", "b"]));
 * console.log(blockOn(stream.peek()), blockOn(next(stream)), blockOn(next(stream))); // a a b
 * ```
 */
export function peekable<T>(stream: Stream<T>): Peekable<T> {
  checkStream(stream, "peekable()");
  return new PeekableStream(stream);
}

/** Its source is fused: once it ended, or the peekable was dropped, it is not polled again. */
class PeekableStream<T> extends Stream<T> implements Peekable<T> {
  readonly #source: FusedStream<T>;
  #hasPeeked = false;
  #peeked: T | undefined = undefined;

  constructor(source: Stream<T>) {
    super();
    this.#source = fuse(source);
  }

  pollPeek(cx: Context): Poll<T | StreamEnd> {
    if (this.#hasPeeked) return this.#peeked as T;
    const item = this.#source.pollNext(cx);
    if (item === PENDING || item === STREAM_END) return item;
    this.#hasPeeked = true;
    this.#peeked = item;
    return item;
  }

  peek(): Future<T | StreamEnd> {
    return pollFn((cx) => this.pollPeek(cx));
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    return this.#hasPeeked ? this.#takePeeked() : this.#source.pollNext(cx);
  }

  override pollNextChunk(cx: Context, max: number): Poll<T[] | StreamEnd> {
    return this.#hasPeeked ? [this.#takePeeked()] : pollChunk(this.#source, cx, max);
  }

  #takePeeked(): T {
    const item = this.#peeked as T;
    this.#hasPeeked = false;
    this.#peeked = undefined;
    return item;
  }

  override [Symbol.dispose](): void {
    this.#hasPeeked = false;
    this.#peeked = undefined;
    this.#source[Symbol.dispose]();
  }
}
