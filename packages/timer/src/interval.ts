import { KEY } from "./construct-key.ts";
import {
  checkOptions,
  type Context,
  describe,
  Future,
  noPublicConstructor,
  PENDING,
  type Poll,
  SpindleError,
} from "@spindle/core";
import { closedError } from "./driver.ts";
import { checkDuration } from "./durations.ts";
import { checkInstant, Instant } from "./instant.ts";
import { TimerEntry, type TimerQueue } from "./timer-queue.ts";

/**
 * What an {@linkcode Interval} does when a tick is taken late, after the next tick was already due
 * (tokio's `MissedTickBehavior`):
 *
 * - `"burst"` (the default): keep the original schedule; the missed ticks complete at once, one
 *   per `tick()`, until it has caught up.
 * - `"delay"`: restart the schedule from now: the next tick is one period after this late one.
 * - `"skip"`: keep the original phase but drop the missed ticks: the next tick is the first
 *   scheduled one still in the future.
 */
export type MissedTickBehavior = "burst" | "delay" | "skip";

/** Options of {@linkcode Timer.interval}. */
export interface IntervalOptions {
  /** What to do with ticks taken late; default `"burst"`. */
  readonly missedTick?: MissedTickBehavior;
}

const BEHAVIOURS: readonly MissedTickBehavior[] = ["burst", "delay", "skip"];

/** Creates an interval on `queue` whose first tick is at `start` (`NaN`: now); for the timer only. */
export let createInterval: (
  queue: TimerQueue,
  period: number,
  options: IntervalOptions | undefined,
  start: number,
) => Interval;

/**
 * Ticks every `period` milliseconds: each `tick()` completes at the next scheduled instant and
 * returns it. The first tick completes at once. Dispose the interval to deregister it.
 *
 * @example
 * ```ts
 * import { blockOn } from "@spindle/core";
 * import { VirtualClock } from "@spindle/timer";
 *
 * const clock = new VirtualClock();
 * const interval = clock.timer.interval(100, { missedTick: "skip" });
 * const start = blockOn(interval.tick()); // the first tick is immediate
 * clock.advance(350); // the tick due at 100 is late; those due at 200 and 300 are missed
 * console.log(blockOn(interval.tick()).since(start)); // 100: the late tick completes at once, as due at 100
 * clock.advance(50);
 * console.log(blockOn(interval.tick()).since(start)); // 400
 * interval[Symbol.dispose]();
 * ```
 */
export class Interval implements Disposable {
  readonly #queue: TimerQueue;
  readonly #entry: TimerEntry;
  readonly #period: number;
  readonly #missedTick: MissedTickBehavior;
  /** Set by `[Symbol.dispose]`: the interval stays inert (polling or moving it throws, never registers). */
  #dropped = false;

  private constructor(
    key: typeof KEY,
    queue: TimerQueue,
    period: number,
    options: IntervalOptions | undefined,
    start: number,
  ) {
    if (key !== KEY) throw noPublicConstructor("Interval", "timer.interval() returns one", key);
    this.#period = checkDuration(period, "the interval's period");
    if (period === 0) throw new RangeError("the interval's period must be greater than 0 ms, got 0");
    const given = checkOptions(options, "interval()", ["missedTick"]).missedTick;
    const missedTick = given === undefined ? "burst" : given;
    if (!BEHAVIOURS.includes(missedTick)) {
      throw new RangeError(`missedTick must be "burst", "delay" or "skip", got ${describe(missedTick)}`);
    }
    this.#missedTick = missedTick;
    this.#queue = queue;
    this.#entry = new TimerEntry(Number.isNaN(start) ? queue.driver.now() : start);
  }

  static {
    createInterval = (queue, period, options, start) => new Interval(KEY, queue, period, options, start);
  }

  /** The period in milliseconds. */
  get period(): number {
    return this.#period;
  }

  /** The instant the next tick is scheduled for. */
  get nextTick(): Instant {
    return Instant.fromMillis(this.#entry.dueAt);
  }

  /** A future that completes at the next tick with the instant it was scheduled for. */
  tick(): Future<Instant> {
    return new Tick(this);
  }

  /**
   * Polls for the next tick: its scheduled instant once it is due, else `PENDING` with
   * `cx.waker` registered (replacing the waker of an earlier poll). Throws `FUTURE_COMPLETED`
   * once the interval was dropped.
   */
  pollTick(cx: Context): Poll<Instant> {
    this.#checkLive("polled");
    const queue = this.#queue;
    const entry = this.#entry;
    const driver = queue.driver;
    const closed = closedError(driver);
    if (closed !== null) {
      queue.remove(entry);
      throw closed;
    }
    const now = driver.now();
    const scheduled = entry.dueAt;
    if (now < scheduled) {
      queue.wait(entry, cx.waker);
      return PENDING;
    }
    queue.remove(entry);
    entry.dueAt = this.#following(scheduled, now);
    return Instant.fromMillis(scheduled);
  }

  /**
   * Restarts the schedule one period from now: the next tick is at now + `period` (tokio's
   * `Interval::reset`). A task waiting for a tick keeps waiting, for the new one.
   *
   * @example
   * ```ts
   * import { blockOn } from "@spindle/core";
   * import { VirtualClock } from "@spindle/timer";
   *
   * const clock = new VirtualClock();
   * const interval = clock.timer.interval(100);
   * const start = blockOn(interval.tick()); // immediate
   * clock.advance(30);
   * interval.reset(); // e.g. a heartbeat pushed back because a message just went out
   * console.log(interval.nextTick.since(start)); // 130
   * interval[Symbol.dispose]();
   * ```
   */
  reset(): void {
    this.#moveNextTick(this.#queue.driver.now() + this.#period);
  }

  /** Makes the next tick due now (tokio's `Interval::reset_immediately`); the period goes on from there. */
  resetImmediately(): void {
    this.#moveNextTick(this.#queue.driver.now());
  }

  /**
   * Makes the next tick due `ms` milliseconds from now (tokio's `Interval::reset_after`); the
   * period goes on from there. Throws a `RangeError` naming a negative, NaN or too large `ms`.
   */
  resetAfter(ms: number): void {
    const after = checkDuration(ms, "the delay before the next tick");
    this.#moveNextTick(this.#queue.driver.now() + after);
  }

  /**
   * Makes the next tick due at `deadline` (tokio's `Interval::reset_at`); the period goes on from
   * there. Throws a `RangeError` naming the value when `deadline` is not an {@linkcode Instant}.
   */
  resetAt(deadline: Instant): void {
    this.#moveNextTick(checkInstant(deadline).millis);
  }

  /** Stops waiting for a tick: deregisters the interval until the next poll. */
  cancelTick(): void {
    this.#queue.remove(this.#entry);
  }

  /** Deregisters the interval for good: polling or resetting it afterwards throws `FUTURE_COMPLETED`. */
  [Symbol.dispose](): void {
    this.#dropped = true;
    this.#queue.remove(this.#entry);
  }

  /** Re-arms the entry for a tick at `deadline`, keeping a waiting task's waker (no allocation). */
  #moveNextTick(deadline: number): void {
    this.#checkLive("reset");
    this.#queue.reschedule(this.#entry, deadline);
  }

  /** Throws once the interval was dropped: a dropped interval never registers again. */
  #checkLive(operation: string): void {
    if (this.#dropped) throw new SpindleError("FUTURE_COMPLETED", `an Interval was ${operation} after it was dropped`);
  }

  /** The tick after the one scheduled at `scheduled` and taken at `now`. */
  #following(scheduled: number, now: number): number {
    const period = this.#period;
    const next = scheduled + period;
    if (now < next) return next; // on time
    switch (this.#missedTick) {
      case "burst":
        return next;
      case "delay":
        return now + period;
      case "skip":
        return scheduled + (Math.floor((now - scheduled) / period) + 1) * period;
    }
  }
}

/** The future of one {@linkcode Interval.tick}; dropping it stops waiting for that tick. */
class Tick extends Future<Instant> {
  readonly #interval: Interval;
  /** Set by the poll that completed: polled again, it would take the next tick. */
  #done = false;
  /** Set by `[Symbol.dispose]`: polled again, it would register for a tick nobody waits for. */
  #dropped = false;

  constructor(interval: Interval) {
    super();
    this.#interval = interval;
  }

  poll(cx: Context): Poll<Instant> {
    if (this.#done || this.#dropped) {
      const how = this.#done ? "completed" : "was dropped";
      throw new SpindleError("FUTURE_COMPLETED", `interval.tick() was polled after it ${how}`);
    }
    const tick = this.#interval.pollTick(cx);
    if (tick !== PENDING) this.#done = true;
    return tick;
  }

  override [Symbol.dispose](): void {
    this.#dropped = true;
    this.#interval.cancelTick();
  }
}
