import {
  budgetLeft,
  checkChunkMax,
  checkInstance,
  checkStream,
  type Context,
  drop,
  type Future,
  PENDING,
  type Poll,
  Stream,
  STREAM_END,
  type StreamEnd,
} from "@spindle/core";
import { checkDuration } from "./durations.ts";
import { pollDeadline } from "./poll-deadline.ts";
import { ElapsedError } from "./errors.ts";
import type { Instant } from "./instant.ts";
import { Interval } from "./interval.ts";
import { Timer } from "./timer.ts";

// Streams over the timer: an interval's ticks, and the time-based stream combinators (core's
// combinators cannot use time: @spindle/core does not depend on the timer).

/**
 * Checks a time combinator's arguments in order (the stream, the timer, then the duration, which
 * the errors call `fn`'s `durationName`) and returns the duration.
 */
function checkTimedArgs(fn: string, stream: unknown, timer: unknown, ms: number, durationName: string): number {
  checkStream(stream, fn);
  checkInstance(timer, Timer, `${fn} needs a Timer`);
  return checkDuration(ms, `${fn}'s ${durationName}`);
}

/**
 * The one sleep of `ms` that a time combinator holds at a time (throttle's gap, debounce's quiet
 * period, timeoutEach's deadline): started or restarted on demand, polled, and dropped (so that
 * it deregisters from the timer) when cleared or replaced.
 */
class SleepSlot {
  readonly #timer: Timer;
  /** The length of each sleep, checked by `checkTimedArgs`. */
  readonly ms: number;
  #sleep: Future<void> | null = null;

  constructor(timer: Timer, ms: number) {
    this.#timer = timer;
    this.ms = ms;
  }

  /** Whether a sleep is started and has not yet been seen to elapse. */
  get isStarted(): boolean {
    return this.#sleep !== null;
  }

  /** Drops the current sleep, if any, and starts a new one of `ms` from now. */
  restart(): void {
    this.clear();
    this.#sleep = this.#timer.sleep(this.ms);
  }

  /**
   * Polls the started sleep: `true` once it elapsed (the slot is then empty), else `false`.
   * `budgetBefore`: the task's budget before this poll polled the source (see `pollDeadline`).
   */
  pollElapsed(cx: Context, budgetBefore: number): boolean {
    if (pollDeadline(this.#sleep!, cx, budgetBefore) === PENDING) return false;
    this.#sleep = null;
    return true;
  }

  /** Drops the current sleep, if any. */
  clear(): void {
    const sleep = this.#sleep;
    this.#sleep = null;
    if (sleep !== null) drop(sleep);
  }
}

/**
 * An interval's ticks as a stream that never ends: each item is the instant the tick was
 * scheduled for. Dropping the stream drops the interval.
 *
 * @example
 * ```ts
 * import { blockOn, next } from "@spindle/core";
 * import { Instant, ticks, VirtualClock } from "@spindle/timer";
 *
 * const clock = new VirtualClock({ start: Instant.fromMillis(0) });
 * const stream = ticks(clock.timer.interval(10));
 * console.log((blockOn(next(stream)) as Instant).millis); // 0
 * clock.advance(10);
 * console.log((blockOn(next(stream)) as Instant).millis); // 10
 * stream[Symbol.dispose]();
 * ```
 */
export function ticks(interval: Interval): Stream<Instant> {
  return new TickStream(checkInstance(interval, Interval, "ticks() needs an Interval"));
}

class TickStream extends Stream<Instant> {
  readonly #interval: Interval;
  #dropped = false;

  constructor(interval: Interval) {
    super();
    this.#interval = interval;
  }

  pollNext(cx: Context): Poll<Instant | StreamEnd> {
    if (this.#dropped) return STREAM_END; // a dropped stream has ended: it never registers again
    return this.#interval.pollTick(cx);
  }

  override [Symbol.dispose](): void {
    this.#dropped = true;
    this.#interval[Symbol.dispose]();
  }
}

/**
 * Lets at most one item through per `ms` (tokio-stream's `throttle`): after an item, the next one
 * is not taken from `stream` until `ms` have passed, so nothing is dropped, only delayed.
 *
 * @example
 * ```ts
 * import { blockOn, fromIterable, next } from "@spindle/core";
 * import { Instant, throttle, VirtualClock } from "@spindle/timer";
 *
 * const clock = new VirtualClock({ start: Instant.fromMillis(0) });
 * const slow = throttle(fromIterable(["a", "b"]), clock.timer, 100);
 * console.log(blockOn(next(slow))); // a
 * clock.advance(100);
 * console.log(blockOn(next(slow))); // b
 * ```
 */
export function throttle<T>(stream: Stream<T>, timer: Timer, ms: number): Stream<T> {
  return new ThrottleStream(stream, timer, checkTimedArgs("throttle()", stream, timer, ms, "period"));
}

class ThrottleStream<T> extends Stream<T> {
  readonly #source: Stream<T>;
  #dropped = false;
  readonly #gap: SleepSlot;

  constructor(source: Stream<T>, timer: Timer, ms: number) {
    super();
    this.#source = source;
    this.#gap = new SleepSlot(timer, ms);
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    if (this.#dropped) return STREAM_END; // a dropped stream has ended: its source is not polled again
    const gap = this.#gap;
    if (gap.isStarted && !gap.pollElapsed(cx, 0)) return PENDING; // 0: nothing was polled before it
    const item = this.#source.pollNext(cx);
    if (item !== PENDING && item !== STREAM_END && gap.ms > 0) gap.restart();
    return item;
  }

  override [Symbol.dispose](): void {
    this.#gap.clear();
    if (this.#dropped) return; // a second drop must not drop the source again
    this.#dropped = true;
    this.#source[Symbol.dispose]();
  }
}

/**
 * The latest item once `ms` have passed without a newer one (items that a newer one replaced
 * within `ms` are skipped); when `stream` ends, its last waiting item comes out at once, then the
 * end.
 *
 * @example
 * ```ts
 * import { blockOn, fromIterable, next } from "@spindle/core";
 * import { debounce, Instant, VirtualClock } from "@spindle/timer";
 *
 * const clock = new VirtualClock({ start: Instant.fromMillis(0) });
 * const settled = debounce(fromIterable(["t", "ty", "typ"]), clock.timer, 50);
 * console.log(blockOn(next(settled))); // typ (the source ended: the last item comes out)
 * ```
 */
export function debounce<T>(stream: Stream<T>, timer: Timer, ms: number): Stream<T> {
  return new DebounceStream(stream, timer, checkTimedArgs("debounce()", stream, timer, ms, "quiet period"));
}

const NONE: unique symbol = Symbol("none");

class DebounceStream<T> extends Stream<T> {
  #source: Stream<T> | null;
  readonly #quiet: SleepSlot;
  #latest: T | typeof NONE = NONE;

  constructor(source: Stream<T>, timer: Timer, ms: number) {
    super();
    this.#source = source;
    this.#quiet = new SleepSlot(timer, ms);
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    const budgetBefore = budgetLeft();
    const source = this.#source;
    const quiet = this.#quiet;
    if (source !== null) {
      for (;;) {
        const item = source.pollNext(cx);
        if (item === PENDING) break;
        if (item === STREAM_END) {
          this.#source = null;
          source[Symbol.dispose]();
          quiet.clear();
          return this.#takeLatest();
        }
        this.#latest = item;
        quiet.restart();
      }
    } else {
      return this.#takeLatest();
    }
    if (!quiet.isStarted || !quiet.pollElapsed(cx, budgetBefore)) return PENDING;
    return this.#takeLatest();
  }

  override [Symbol.dispose](): void {
    this.#quiet.clear();
    this.#latest = NONE;
    const source = this.#source;
    this.#source = null;
    source?.[Symbol.dispose]();
  }

  #takeLatest(): T | StreamEnd {
    const latest = this.#latest;
    this.#latest = NONE;
    return latest === NONE ? STREAM_END : latest;
  }
}

/**
 * Fails a wait for the next item that lasts longer than `ms` (tokio-stream's `timeout`): the poll
 * throws an {@linkcode ElapsedError}, and the clock restarts, so a consumer that catches it may go
 * on waiting. The source is not dropped by the error.
 *
 * @example
 * ```ts
 * import { LocalExecutor, next, PENDING, type Poll, Stream } from "@spindle/core";
 * import { ElapsedError, Instant, timeoutEach, VirtualClock } from "@spindle/timer";
 *
 * class Silent extends Stream<number> {
 *   pollNext(): Poll<number> {
 *     return PENDING; // never an item (and never woken)
 *   }
 * }
 * const clock = new VirtualClock({ start: Instant.fromMillis(0) });
 * const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
 * const first = executor.spawn(next(timeoutEach(new Silent(), clock.timer, 20)));
 * await executor.run();
 * await first.then(undefined, (e) => console.log(e instanceof ElapsedError, clock.now().millis)); // true 20
 * ```
 */
export function timeoutEach<T>(stream: Stream<T>, timer: Timer, ms: number): Stream<T> {
  return new TimeoutEachStream(stream, timer, checkTimedArgs("timeoutEach()", stream, timer, ms, "timeout"));
}

class TimeoutEachStream<T> extends Stream<T> {
  readonly #source: Stream<T>;
  #dropped = false;
  readonly #deadline: SleepSlot;

  constructor(source: Stream<T>, timer: Timer, ms: number) {
    super();
    this.#source = source;
    this.#deadline = new SleepSlot(timer, ms);
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    if (this.#dropped) return STREAM_END; // a dropped stream has ended: its source is not polled again
    const deadline = this.#deadline;
    const budgetBefore = budgetLeft();
    const item = this.#source.pollNext(cx);
    if (item !== PENDING) {
      deadline.clear();
      return item;
    }
    if (!deadline.isStarted) deadline.restart();
    if (!deadline.pollElapsed(cx, budgetBefore)) return PENDING;
    throw new ElapsedError(deadline.ms);
  }

  override [Symbol.dispose](): void {
    this.#deadline.clear();
    if (this.#dropped) return; // a second drop must not drop the source again
    this.#dropped = true;
    this.#source[Symbol.dispose]();
  }
}

/**
 * The items of `stream` in arrays of at most `max` (tokio-stream's `chunks_timeout`): a chunk comes
 * out when it is full, or when `ms` have passed since its first item was taken, whichever is
 * first, so a slow source still delivers what it has; when `stream` ends, the last chunk comes out
 * at once, then the end. No empty chunk is ever produced. A `max` that is not an integer >= 1, and
 * a bad duration, are `RangeError`s naming the value.
 *
 * The items of a chunk not yet out are held by the returned stream: dropping it drops them (and
 * `stream`); {@linkcode ChunksTimeout.intoRemainder} takes them instead and hands `stream` back.
 *
 * @example
 * ```ts
 * import { LocalExecutor, next, Stream, PENDING, type Context, type Poll, type StreamEnd } from "@spindle/core";
 * import { chunksTimeout, Instant, VirtualClock } from "@spindle/timer";
 *
 * // Three items at once, then nothing for a long while.
 * class Burst extends Stream<number> {
 *   #left = [1, 2, 3];
 *   pollNext(_cx: Context): Poll<number | StreamEnd> {
 *     return this.#left.shift() ?? PENDING;
 *   }
 * }
 * const clock = new VirtualClock({ start: Instant.fromMillis(0) });
 * const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
 * const first = executor.spawn(next(chunksTimeout(new Burst(), clock.timer, 10, 100)));
 * await executor.run();
 * console.log(await first, clock.now().millis); // [ 1, 2, 3 ] 100
 * ```
 */
export function chunksTimeout<T>(stream: Stream<T>, timer: Timer, max: number, ms: number): ChunksTimeout<T> {
  const duration = checkTimedArgs("chunksTimeout()", stream, timer, ms, "duration");
  return new ChunksTimeout(stream, timer, checkChunkMax(max, "chunksTimeout()"), duration);
}

/** The stream of {@linkcode chunksTimeout}. */
export class ChunksTimeout<T> extends Stream<T[]> {
  #source: Stream<T> | null;
  readonly #deadline: SleepSlot;
  readonly #max: number;
  /** The chunk being filled; its deadline runs while it is not empty. */
  #items: T[] = [];

  /** Made by {@linkcode chunksTimeout}, which checks the arguments. */
  constructor(source: Stream<T>, timer: Timer, max: number, ms: number) {
    super();
    this.#source = source;
    this.#deadline = new SleepSlot(timer, ms);
    this.#max = max;
  }

  /** The next chunk: full, or what came before the deadline; `STREAM_END` after the last one. */
  pollNext(cx: Context): Poll<T[] | StreamEnd> {
    const source = this.#source;
    if (source === null) return STREAM_END;
    const budgetBefore = budgetLeft();
    const items = this.#items;
    const deadline = this.#deadline;
    for (;;) {
      const item = source.pollNext(cx); // an error propagates; the items taken stay for the next poll
      if (item === PENDING) break;
      if (item === STREAM_END) {
        this.#source = null;
        source[Symbol.dispose]();
        deadline.clear();
        return items.length > 0 ? this.#take() : STREAM_END;
      }
      if (items.length === 0) deadline.restart();
      items.push(item);
      if (items.length >= this.#max) return this.#take();
    }
    if (items.length > 0 && deadline.pollElapsed(cx, budgetBefore)) return this.#take();
    return PENDING;
  }

  /**
   * Takes the items of the chunk not yet out (tokio-stream's `into_remainder`) and ends this
   * stream without dropping its source, which the caller may go on polling: this stream answers
   * `STREAM_END` from then on.
   *
   * @example
   * ```ts
   * import { Context, PENDING, type Poll, Stream, type StreamEnd } from "@spindle/core";
   * import { chunksTimeout, Instant, VirtualClock } from "@spindle/timer";
   *
   * class TwoThenWait extends Stream<number> {
   *   #left = [1, 2];
   *   pollNext(): Poll<number | StreamEnd> {
   *     return this.#left.shift() ?? PENDING;
   *   }
   * }
   * const clock = new VirtualClock({ start: Instant.fromMillis(0) });
   * const chunked = chunksTimeout(new TwoThenWait(), clock.timer, 10, 50);
   * console.log(chunked.pollNext(Context.noop()) === PENDING); // true (waits for more, or 50 ms)
   * console.log(chunked.intoRemainder()); // [ 1, 2 ]
   * ```
   */
  intoRemainder(): T[] {
    const items = this.#items;
    this.#items = [];
    this.#source = null;
    this.#deadline.clear();
    return items;
  }

  /** Drops the source and the pending deadline (the partial chunk goes with them). */
  override [Symbol.dispose](): void {
    const source = this.#source;
    this.#source = null;
    this.#items = [];
    this.#deadline.clear();
    source?.[Symbol.dispose]();
  }

  #take(): T[] {
    const items = this.#items;
    this.#items = [];
    this.#deadline.clear();
    return items;
  }
}
