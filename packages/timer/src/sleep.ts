import { type Context, Future, PENDING, type Poll, replaceWaker, SpindleError } from "@spindle/core";
import { Instant } from "./instant.ts";
import { TimerClosedError } from "./errors.ts";
import { TimerEntry, type TimerQueue } from "./timer-queue.ts";

/** Creates a sleep on `queue` until `deadline` (ms on the queue's clock); for the timer only. */
export let createSleep: (queue: TimerQueue, deadline: number) => Sleep;

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
  readonly #entry: TimerEntry;
  #done = false;

  private constructor(queue: TimerQueue, deadline: number) {
    super();
    this.#queue = queue;
    this.#entry = new TimerEntry(deadline);
  }

  static {
    createSleep = (queue, deadline) => new Sleep(queue, deadline);
  }

  /** The instant this sleep completes at. */
  get deadline(): Instant {
    return Instant.fromMillis(this.#entry.deadline);
  }

  /** Completes once the deadline has passed; see the class documentation. */
  poll(cx: Context): Poll<void> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "a Sleep was polled after it completed");
    const queue = this.#queue;
    const entry = this.#entry;
    const driver = queue.driver;
    const reason = driver.closeReason;
    if (reason !== null) {
      this.#finish();
      const cause = driver.closeCause;
      throw new TimerClosedError(reason, cause === undefined ? undefined : { cause });
    }
    if (driver.now() >= entry.deadline) {
      this.#finish();
      return undefined;
    }
    if (!entry.isQueued) queue.insert(entry, cx.waker.clone());
    else entry.waker = replaceWaker(entry.waker, cx.waker);
    return PENDING;
  }

  /** Deregisters the sleep if it is pending, and drops its waker. */
  override [Symbol.dispose](): void {
    this.#queue.remove(this.#entry);
  }

  #finish(): void {
    this.#done = true;
    this.#queue.remove(this.#entry);
  }
}
