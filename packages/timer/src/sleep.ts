import { KEY } from "./construct-key.ts";
import {
  consumeBudget,
  type Context,
  Future,
  noPublicConstructor,
  PENDING,
  type Poll,
  SpindleError,
} from "@spindle/core";
import { closedError } from "./driver.ts";
import { checkInstant, Instant } from "./instant.ts";
import { FIRED, initEntry, NOT_QUEUED, OWNER_STATES, type QueueEntry, type TimerQueue } from "./timer-queue.ts";

/**
 * Creates a sleep on `queue` until `deadline` (ms on the queue's clock); for the timer only.
 * `fresh`: the caller has just read the clock through `queue.readClock()`, so the first poll may
 * compare with the queue's latest reading instead of reading the clock again.
 */
export let createSleep: (queue: TimerQueue, deadline: number, fresh: boolean) => Sleep;

/**
 * A sleep as its timer-queue entry (see `initEntry`): a function, not a private getter, which V8
 * reads through a runtime call.
 */
function asEntry(sleep: Sleep): QueueEntry {
  return sleep as unknown as QueueEntry;
}

/*
 * A sleep's state is its entry's `slot` (no field of its own: a sleep is allocated per call, and
 * every field is memory and collection work, which is most of what a sleep costs against
 * `setTimeout`). Queued (`>= 0`), `NOT_QUEUED` or `FIRED` (the queue's values): pending, its next
 * poll reads the clock, unless the queue fired it. The sleep's own states, below `OWNER_STATES`,
 * which the queue keeps until the sleep is queued or moved:
 */
/** Not polled yet, and the queue's latest clock reading may stand for the clock. */
const FRESH = OWNER_STATES;
/** Completed (or failed because the timer closed). */
const DONE = OWNER_STATES - 1;
/** Dropped by `[Symbol.dispose]`: inert (a later poll or reset throws, never registers). */
const DROPPED = OWNER_STATES - 2;

/**
 * A future that completes once its deadline has passed: what {@linkcode Timer.sleep} and
 * {@linkcode Timer.sleepUntil} return.
 *
 * It registers with its timer on its first pending poll, keeps only the waker of its latest poll,
 * completes when the clock has reached the deadline (never earlier), and deregisters when it is
 * dropped (`[Symbol.dispose]`) before firing. If the timer closes first, it fails with a
 * {@linkcode TimerClosedError}.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor } from "@spindle/core";
 * import { VirtualClock } from "@spindle/timer";
 *
 * const clock = new VirtualClock();
 * function* nap(): Coroutine<number> {
 *   const start = clock.timer.now();
 *   yield* clock.timer.sleep(60_000);
 *   return clock.timer.now().since(start);
 * }
 * // A virtual clock jumps to the next deadline whenever every task waits.
 * const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
 * const slept = executor.spawn(nap());
 * await executor.run();
 * console.log(await slept); // 60000
 * ```
 */
export class Sleep extends Future<void> {
  readonly #queue: TimerQueue;

  private constructor(key: typeof KEY, queue: TimerQueue, deadline: number, fresh: boolean) {
    super();
    if (key !== KEY) throw noPublicConstructor("Sleep", "timer.sleep() returns one", key);
    this.#queue = queue;
    // The sleep is its own queue entry: one allocation per sleep, and cancelling touches one
    // object. The entry's fields are added here, so `Sleep`'s public type does not show them.
    initEntry(this as unknown as QueueEntry, deadline, fresh ? FRESH : NOT_QUEUED);
  }

  static {
    createSleep = (queue, deadline, fresh) => new Sleep(KEY, queue, deadline, fresh);
  }

  /** The instant this sleep completes at. */
  get deadline(): Instant {
    return Instant.fromMillis(asEntry(this).dueAt);
  }

  /**
   * Whether the deadline has passed on the timer's clock (tokio's `Sleep::is_elapsed`), whether
   * or not the sleep was polled since.
   *
   * @example
   * ```ts
   * import { VirtualClock } from "@spindle/timer";
   *
   * const clock = new VirtualClock();
   * const sleep = clock.timer.sleep(10);
   * console.log(sleep.isElapsed); // false
   * clock.advance(10);
   * console.log(sleep.isElapsed); // true
   * ```
   */
  get isElapsed(): boolean {
    return asEntry(this).slot === DONE || this.#queue.driver.now() >= asEntry(this).dueAt;
  }

  /**
   * Moves the deadline to `deadline` without making a new sleep (tokio's `Sleep::reset`), before
   * or after the sleep completed: it is pending again until then. A task waiting on it keeps
   * waiting, now for the new deadline (woken at once if that has passed). Throws a `RangeError`
   * naming the value when `deadline` is not an {@linkcode Instant}, and `FUTURE_COMPLETED` once the
   * sleep was dropped.
   *
   * @example
   * ```ts
   * import { blockOn } from "@spindle/core";
   * import { VirtualClock } from "@spindle/timer";
   *
   * const clock = new VirtualClock();
   * const sleep = clock.timer.sleep(10);
   * sleep.reset(clock.timer.now().add(50)); // e.g. a keep-alive pushed back by new activity
   * clock.advance(10);
   * console.log(sleep.isElapsed); // false
   * clock.advance(40);
   * blockOn(sleep);
   * console.log(sleep.deadline.since(clock.timer.now())); // 0
   * ```
   */
  reset(deadline: Instant): void {
    const millis = checkInstant(deadline).millis;
    if (asEntry(this).slot === DROPPED) {
      throw new SpindleError("FUTURE_COMPLETED", "a Sleep was reset after it was dropped");
    }
    this.#queue.reschedule(asEntry(this), millis); // pending again (`NOT_QUEUED` or queued)
  }

  /** Completes once the deadline has passed; see the class documentation. */
  poll(cx: Context): Poll<void> {
    const entry = asEntry(this);
    const state = entry.slot;
    if (state <= DONE) {
      throw new SpindleError(
        "FUTURE_COMPLETED",
        `a Sleep was polled after it ${state === DONE ? "completed" : "was dropped"}`,
      );
    }
    const queue = this.#queue;
    const driver = queue.driver;
    // The first poll compares with the queue's latest clock reading (taken when this sleep or a
    // later one was made, never before this sleep's), which spares a clock read (a fifth of the
    // cost of scheduling) on the hot path. The clock is monotonic, so that reading is at most the
    // clock now: a deadline that passed since is registered, and the driver fires it at once,
    // late by one wake, never early. A poll after the queue fired the entry needs no clock
    // either: the queue saw the deadline pass.
    let elapsed = state === FIRED;
    if (!elapsed) elapsed = (state === FRESH ? queue.lastReading : driver.now()) >= entry.dueAt;
    // Pending on a timer this thread has seen open: registered, with no ordered read of the
    // closed word (see `Driver.seemsOpen`: a close this thread has not seen yet wakes the sleep,
    // which then fails). Completing, or seen closed, is decided on the ordered read.
    if (!elapsed && driver.seemsOpen) {
      queue.wait(entry, cx.waker);
      return PENDING;
    }
    const closed = closedError(driver);
    if (closed !== null) {
      queue.remove(entry);
      entry.slot = DONE;
      throw closed;
    }
    // Elapsed: a pending sleep got here only on a `STATE` seen closed, which the ordered read
    // then sees too (it never reopens).
    if (!consumeBudget(cx)) {
      // The task's cooperative budget is used up: woken, polled again (reading the clock then).
      if (state === FRESH) entry.slot = NOT_QUEUED;
      return PENDING;
    }
    // Completed; a private method would cost every sleep a field (V8's class brand).
    queue.remove(entry);
    entry.slot = DONE;
    return undefined;
  }

  /** Deregisters the sleep if it is pending, and drops its waker; polling it afterwards throws. */
  override [Symbol.dispose](): void {
    const entry = asEntry(this);
    this.#queue.remove(entry);
    entry.slot = DROPPED;
  }
}
