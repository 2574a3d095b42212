import { KEY } from "./construct-key.ts";
import {
  abortable,
  CancellationToken,
  type CancelSource,
  checkOptions,
  type Context,
  describe,
  Future,
  type IntoFuture,
  intoFuture,
  isInstance,
  noPublicConstructor,
  PENDING,
  type Poll,
  SpindleError,
  unreadableError,
  WakeTable,
} from "@spindle/core";
import { checkDuration } from "./durations.ts";
import type { DriverKind } from "./driver.ts";
import type { CloseReason } from "./errors.ts";
import { checkInstant, Instant } from "./instant.ts";
import { createInterval, type Interval, type IntervalOptions } from "./interval.ts";
import { SharedTimerState } from "./thread/shared-state.ts";
import { createSleep, type Sleep } from "./sleep.ts";
import { ThreadDriver } from "./thread/thread-driver.ts";
import type { ClientHello } from "./thread/thread-messages.ts";
import { Timeout } from "./timeout.ts";
import { TimerQueue } from "./timer-queue.ts";

/** Options of {@linkcode Timer.sleep} and {@linkcode Timer.timeout}. */
export interface AbortOptions {
  /** Fails the future with the signal's reason when it aborts (an `AbortSignal` or a `CancellationToken`). */
  readonly signal?: CancelSource;
}

/** `future`, failing with `options.signal`'s reason once it aborts; `future` itself without a signal. */
function withSignal<T>(future: Future<T>, options: AbortOptions, what: string): Future<T> {
  const signal: unknown = checkOptions(options, what, ["signal"]).signal;
  if (signal === undefined) return future;
  const needs = `${what} needs options.signal to be an AbortSignal or a CancellationToken`;
  if (!isInstance(signal, AbortSignal, needs) && !(signal instanceof CancellationToken)) {
    throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(signal)}`);
  }
  return new Signalled(abortable(future, signal), what);
}

/**
 * `abortable(future, signal)` under the timer's own name, so that polling it again after it
 * completed says which operation it was (`sleep() was polled after it completed`).
 */
class Signalled<T> extends Future<T> {
  readonly #inner: Future<T>;
  readonly #what: string;
  #done = false;

  constructor(inner: Future<T>, what: string) {
    super();
    this.#inner = inner;
    this.#what = what;
  }

  poll(cx: Context): Poll<T> {
    if (this.#done) {
      throw new SpindleError("FUTURE_COMPLETED", `timer.${this.#what} with a signal was polled after it completed`);
    }
    let output: Poll<T>;
    try {
      output = this.#inner.poll(cx);
    } catch (error) {
      this.#done = true;
      throw error;
    }
    if (output !== PENDING) this.#done = true;
    return output;
  }

  override [Symbol.dispose](): void {
    this.#done = true;
    this.#inner[Symbol.dispose]();
  }
}

/**
 * A timer as plain data, for another thread: post it to a worker and call
 * {@linkcode Timer.fromShared} there. Only timers driven by the timer thread can be shared.
 */
export interface SharedTimer {
  /** The timer's shared state. */
  readonly buffer: SharedArrayBuffer;
  /** The channel on which a new thread introduces itself to the timer thread. */
  readonly channel: string;
}

/** The timers of this thread by channel name, so that one thread has one client per timer. */
const timersOfThisThread = new Map<string, Timer>();

/** Creates a timer over `queue`; for the reactor and the virtual clock only. */
export let createTimer: (queue: TimerQueue, shared: SharedTimer | null) => Timer;

/**
 * The handle to a timer on this thread: makes sleeps, timeouts and intervals that any executor on
 * this thread can await. Pass it to tasks freely (it is a reference); for another thread, send
 * {@linkcode Timer.share} and call {@linkcode Timer.fromShared} there.
 *
 * Get one from {@linkcode TimerReactor.start} (real time) or a {@linkcode VirtualClock} (tests).
 *
 * @example
 * ```ts
 * import { LocalExecutor, type Coroutine } from "@spindle/core";
 * import { TimerReactor, type Timer } from "@spindle/timer";
 *
 * function* delayed(timer: Timer, ms: number, value: string): Coroutine<string> {
 *   yield* timer.sleep(ms);
 *   return value;
 * }
 * const reactor = await TimerReactor.start();
 * const executor = new LocalExecutor();
 * const later = executor.spawn(delayed(reactor.timer, 20, "later"));
 * const sooner = executor.spawn(delayed(reactor.timer, 5, "sooner"));
 * await executor.run();
 * console.log(await sooner, await later); // sooner later
 * reactor.close();
 * ```
 */
export class Timer {
  readonly #queue: TimerQueue;
  readonly #shared: SharedTimer | null;

  private constructor(key: typeof KEY, queue: TimerQueue, shared: SharedTimer | null) {
    if (key !== KEY) throw noPublicConstructor("Timer", "a TimerReactor's or VirtualClock's timer is one", key);
    this.#queue = queue;
    this.#shared = shared;
  }

  static {
    createTimer = (queue, shared) => {
      const timer = new Timer(KEY, queue, shared);
      if (shared !== null) timersOfThisThread.set(shared.channel, timer);
      return timer;
    };
  }

  /** What drives this timer: the timer thread, the host's `setTimeout`, or a virtual clock. */
  get driver(): DriverKind {
    return this.#queue.driver.kind;
  }

  /** Whether the timer closed; its pending and future timers fail with a `TimerClosedError`. */
  get isClosed(): boolean {
    return this.#queue.driver.closeReason !== null;
  }

  /** Why the timer closed, or `null` while it runs. */
  get closeReason(): CloseReason | null {
    return this.#queue.driver.closeReason;
  }

  /** How many sleeps, timeouts and interval ticks of this thread are registered and pending. */
  get pendingCount(): number {
    return this.#queue.size;
  }

  /** The current instant on this timer's clock (virtual time under a {@linkcode VirtualClock}). */
  now(): Instant {
    return Instant.fromMillis(this.#queue.driver.now());
  }

  /**
   * A future that completes `ms` milliseconds from now (fractions count). With `{ signal }` (an
   * `AbortSignal` or a `CancellationToken`) it fails with the signal's reason as soon as the signal
   * aborts, as `abortable(timer.sleep(ms), signal)` does, and deregisters the sleep.
   *
   * @example
   * ```ts
   * import { blockOn } from "@spindle/core";
   * import { VirtualClock } from "@spindle/timer";
   *
   * const clock = new VirtualClock();
   * const controller = new AbortController();
   * controller.abort(new Error("not needed any more"));
   * try {
   *   blockOn(clock.timer.sleep(1_000, { signal: controller.signal }));
   * } catch (error) {
   *   console.log((error as Error).message); // not needed any more
   * }
   * ```
   */
  sleep(ms: number): Sleep;
  /** A sleep of `ms` milliseconds that fails with `options.signal`'s reason once it aborts. */
  sleep(ms: number, options: AbortOptions): Future<void>;
  sleep(ms: number, options?: AbortOptions): Sleep | Future<void> {
    const duration = checkDuration(ms, "the sleep duration");
    const sleep = createSleep(this.#queue, this.#queue.readClock() + duration, true);
    return options === undefined ? sleep : withSignal(sleep, options, "sleep()");
  }

  /** A future that completes at `deadline` (at once if it has passed). */
  sleepUntil(deadline: Instant): Sleep {
    return createSleep(this.#queue, checkInstant(deadline).millis, false);
  }

  /**
   * A future that completes with `work`'s output, or fails with an {@linkcode ElapsedError} if it
   * has not completed within `ms` milliseconds, dropping `work` then. With `{ signal }` it also
   * fails with the signal's reason, dropping `work`, as soon as the signal aborts.
   */
  timeout<T>(work: IntoFuture<T>, ms: number, options?: AbortOptions): Future<T> {
    const sleep = this.sleep(checkDuration(ms, "the timeout"));
    const timeout = new Timeout(intoFuture(work), sleep, ms);
    return options === undefined ? timeout : withSignal(timeout, options, "timeout()");
  }

  /**
   * {@linkcode Timer.timeout} with a deadline instead of a duration (tokio's `timeout_at`): fails
   * with an {@linkcode ElapsedError} (whose `timeoutMs` counts from now) if `work` has not completed
   * by `deadline`, at once if it has passed and `work` is not ready.
   *
   * @example
   * ```ts
   * import { blockOn, pending } from "@spindle/core";
   * import { ElapsedError, VirtualClock } from "@spindle/timer";
   *
   * const clock = new VirtualClock();
   * const deadline = clock.timer.now(); // already reached
   * try {
   *   blockOn(clock.timer.timeoutAt(pending(), deadline));
   * } catch (error) {
   *   console.log(error instanceof ElapsedError); // true
   * }
   * ```
   */
  timeoutAt<T>(work: IntoFuture<T>, deadline: Instant): Future<T> {
    const sleep = this.sleepUntil(deadline);
    return new Timeout(intoFuture(work), sleep, Math.max(0, deadline.millis - this.#queue.driver.now()));
  }

  /** An interval ticking every `period` ms, the first tick at once; see {@linkcode Interval}. */
  interval(period: number, options?: IntervalOptions): Interval {
    return createInterval(this.#queue, period, options, Number.NaN);
  }

  /**
   * An interval whose first tick is at `start` (tokio's `interval_at`), then every `period` ms;
   * see {@linkcode Interval}. Throws a `RangeError` naming the value when `start` is not an
   * {@linkcode Instant}.
   *
   * @example
   * ```ts
   * import { blockOn } from "@spindle/core";
   * import { VirtualClock } from "@spindle/timer";
   *
   * const clock = new VirtualClock();
   * const start = clock.timer.now().add(1_000);
   * const interval = clock.timer.intervalAt(start, 100);
   * clock.advance(1_100);
   * console.log(blockOn(interval.tick()).since(start), blockOn(interval.tick()).since(start)); // 0 100
   * interval[Symbol.dispose]();
   * ```
   */
  intervalAt(start: Instant, period: number, options?: IntervalOptions): Interval {
    return createInterval(this.#queue, period, options, checkInstant(start).millis);
  }

  /** This timer as plain data for another thread; throws unless the timer thread drives it. */
  share(): SharedTimer {
    if (this.#shared === null) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `only a timer driven by the timer thread can be shared with other threads; this one is driven by "${this.driver}"` +
          (this.driver === "host"
            ? ` (a TimerReactor that fell back to it from driver "auto" says why in reactor.fallbackReason)`
            : ""),
      );
    }
    return this.#shared;
  }

  /**
   * The timer shared by {@linkcode Timer.share}, on this thread (one handle per thread: calling it
   * again returns the same). Its sleeps wake tasks of this thread, including a `blockOn` that
   * parks this thread. Throws a {@linkcode TimerStateError} naming the first wrong word when the
   * buffer is not a timer's shared state (wrong size or layout tag, a word out of its range).
   */
  static fromShared(shared: SharedTimer): Timer {
    const needs = "Timer.fromShared() needs what Timer.share() returned";
    let buffer: unknown, channel: unknown;
    try {
      ({ buffer, channel } = (shared ?? {}) as Partial<SharedTimer>);
    } catch (cause) {
      throw unreadableError(shared, needs, cause);
    }
    if (!isInstance(buffer, SharedArrayBuffer, needs) || typeof channel !== "string") {
      throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(shared)}`);
    }
    const existing = timersOfThisThread.get(channel);
    if (existing !== undefined) return existing;
    const state = SharedTimerState.attach(buffer);
    const index = state.allocateClient();
    const queue = new TimerQueue((q) => new ThreadDriver(q, state, index, () => undefined));
    // Introduce this thread before it can arm: the timer thread needs its WakeTable to wake it.
    const hello: ClientHello = { kind: "client", index, buffer: WakeTable.forThisThread().buffer };
    const introductions = new BroadcastChannel(channel);
    introductions.postMessage(hello);
    introductions.close();
    return createTimer(queue, { buffer, channel });
  }
}
