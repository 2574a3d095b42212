import { checkOptions } from "@spindle/core";
import { checkDuration } from "./durations.ts";
import { closeCauseFor, type Driver } from "./driver.ts";
import type { CloseReason } from "./errors.ts";
import { checkInstant, Instant } from "./instant.ts";
import { createTimer, type Timer } from "./timer.ts";
import { TimerQueue } from "./timer-queue.ts";

/** Options of a {@linkcode VirtualClock}. */
export interface VirtualClockOptions {
  /** The instant the clock starts at; default the real `Instant.now()`. */
  readonly start?: Instant;
}

/**
 * Virtual time for tests: a {@linkcode Timer} whose clock moves only when told, so that tests of
 * code that sleeps are deterministic and instant.
 *
 * `advance(ms)` moves the clock and wakes every timer now due (the woken tasks run when their
 * executor next polls). `autoAdvance`, given to an executor as its `onIdle` hook, jumps to the
 * next deadline whenever every task waits and a host turn woke none of them (a settled promise or
 * a wake from another thread reaches its task first), as tokio's paused clock does, and keeps
 * jumping while deadlines are pending, whoever's sleeps they are (a hand-polled future's, another
 * executor's).
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor } from "@spindle/core";
 * import { VirtualClock } from "@spindle/timer";
 *
 * const clock = new VirtualClock();
 * const log: string[] = [];
 * function* task(name: string, ms: number): Coroutine<void> {
 *   yield* clock.timer.sleep(ms);
 *   log.push(`${name} at ${clock.timer.now().since(start)} ms`);
 * }
 * const start = clock.now();
 * const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
 * executor.spawn(task("hour", 3_600_000));
 * executor.spawn(task("minute", 60_000));
 * await executor.run(); // instant
 * console.log(log); // [ "minute at 60000 ms", "hour at 3600000 ms" ]
 * ```
 */
export class VirtualClock implements Disposable {
  /** The timer on this clock. */
  readonly timer: Timer;
  readonly #queue: TimerQueue;
  readonly #driver: VirtualDriver;

  /** A clock at `options.start` (default: now), with nothing pending. */
  constructor(options?: VirtualClockOptions) {
    const given = checkOptions(options, "new VirtualClock()", ["start"]).start;
    const start = given === undefined ? Instant.now() : checkInstant(given);
    let driver!: VirtualDriver;
    this.#queue = new TimerQueue((queue) => (driver = new VirtualDriver(queue, start.millis)));
    this.#driver = driver;
    this.timer = createTimer(this.#queue, null);
  }

  /** The clock's current instant. */
  now(): Instant {
    return Instant.fromMillis(this.#driver.time);
  }

  /**
   * Moves the clock `ms` milliseconds forward and wakes the timers due; returns how many. Steps add
   * up exactly to the nanosecond (ten steps of 0.1 ms reach a 1 ms sleep, as on tokio's paused
   * clock): the clock counts whole nanoseconds moved since its start, and a deadline that only the
   * rounding of milliseconds into a double leaves a hair past the clock (a few units of the last
   * place, or half a nanosecond) is reached: the clock moves onto it.
   */
  advance(ms: number): number {
    const driver = this.#driver;
    const target = driver.moveBy(checkDuration(ms, "the virtual advance"));
    let fired = this.#queue.fire();
    const reach = target + Math.max(Math.abs(target) * ROUNDING_SLACK, HALF_NANOSECOND_MS);
    for (let next = this.#queue.earliest; next > driver.time && next <= reach; next = this.#queue.earliest) {
      driver.moveTo(next);
      fired += this.#queue.fire();
    }
    return fired;
  }

  /**
   * Moves the clock to the earliest pending deadline, if it is in the future, and wakes the timers
   * due then; returns how many (0 when nothing is pending).
   */
  advanceToNext(): number {
    const earliest = this.#queue.earliest;
    if (earliest === Infinity) return 0;
    this.#driver.moveTo(earliest);
    return this.#queue.fire();
  }

  /**
   * An executor's `onIdle` hook: `new LocalExecutor({ onIdle: clock.autoAdvance })`. Each call
   * is {@linkcode VirtualClock.advanceToNext}; then, while deadlines are pending, it asks the
   * executor (through `again`) to call it again if the jump woke none of its tasks: the executor
   * gives the host a turn, so that what the jump woke elsewhere runs first, and jumps again. With
   * nothing pending, the executor parks, and the next deadline registered on this clock, by
   * anyone, resumes it. So the clock keeps advancing while any executor using it is idle and a
   * sleep is pending.
   */
  readonly autoAdvance: (again?: () => void) => void = (again) => {
    this.advanceToNext();
    if (again === undefined) return;
    if (this.#queue.earliest !== Infinity) again();
    else this.#driver.onNextDeadline(again);
  };

  /** Closes the clock: pending timers fail with a `TimerClosedError`. */
  close(): void {
    if (this.#driver.closeReason !== null) return;
    this.#driver.closeReason = "disposed";
    this.#driver.closeCause = closeCauseFor("disposed", null);
    this.#queue.fire();
  }

  /** Same as {@linkcode VirtualClock.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** How far past the clock, relative to its reading, a deadline counts as reached by an advance (4 units in the last place). */
const ROUNDING_SLACK = 2 ** -50;
/** The clock's own unit is the nanosecond: a deadline within half of one is reached. */
const HALF_NANOSECOND_MS = 5e-7;

/** A driver whose clock is a number that the {@linkcode VirtualClock} moves. */
class VirtualDriver implements Driver {
  readonly kind = "virtual" as const;
  readonly #queue: TimerQueue;
  /** The clock's reading (ms), never moving back. */
  time: number;
  readonly #start: number;
  /** Whole nanoseconds moved since `#start`: sums of steps are exact (to 2^53 ns, 104 days). */
  #movedNs = 0;
  closeReason: CloseReason | null = null;
  closeCause: Error | undefined;

  get seemsOpen(): boolean {
    return this.closeReason === null;
  }
  /** The idle executors to resume when a deadline appears (their `onIdle`'s `again`). */
  readonly #idle = new Set<() => void>();

  constructor(queue: TimerQueue, time: number) {
    this.#queue = queue;
    this.time = time;
    this.#start = time;
  }

  /** Moves the clock `ms` forward, counted in whole nanoseconds; returns the new reading. */
  moveBy(ms: number): number {
    this.#movedNs += Math.round(ms * 1e6);
    return (this.time = Math.max(this.time, this.#start + this.#movedNs / 1e6));
  }

  /** Moves the clock onto `instant` (ms) if that is later. */
  moveTo(instant: number): void {
    if (instant <= this.time) return;
    this.time = instant;
    this.#movedNs = Math.round((instant - this.#start) * 1e6);
  }

  now(): number {
    return this.time;
  }

  /** Calls `again` once, when the queue next has a deadline. */
  onNextDeadline(again: () => void): void {
    this.#idle.add(again);
  }

  /**
   * The clock fires the queue itself when it moves; only a deadline already past fires now. A
   * future deadline resumes the idle executors, which then advance to it.
   */
  arm(deadline: number): void {
    if (deadline <= this.time) this.#queue.fire();
    else if (deadline !== Infinity && this.#idle.size > 0) {
      const idle = [...this.#idle];
      this.#idle.clear();
      for (const again of idle) again();
    }
  }
}
