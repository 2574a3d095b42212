// A stream of 0..count-1 that counts how it was used, for tests of stream consumers and combinators.
import { type Context, PENDING, type Poll, Stream, STREAM_END, type StreamEnd } from "@spindle/core";

/**
 * Items 0..count-1, pending before each one (waking its waker at once), then the end; counts the
 * items it handed out (`taken`), its polls and its drops.
 */
export class CountingStream extends Stream<number> {
  taken = 0;
  dropped = 0;
  polls = 0;
  readonly count: number;
  #ready = false;

  constructor(count: number) {
    super();
    this.count = count;
  }

  pollNext(cx: Context): Poll<number | StreamEnd> {
    this.polls++;
    if (this.taken === this.count) return STREAM_END;
    if (!this.#ready) {
      this.#ready = true;
      cx.waker.wakeByRef();
      return PENDING;
    }
    this.#ready = false;
    return this.taken++;
  }

  override [Symbol.dispose](): void {
    this.dropped++;
  }
}
