import { clockNow } from "../clock.ts";
import { closeCauseFor, type Driver } from "../driver.ts";
import type { CloseReason } from "../errors.ts";
import type { TimerQueue } from "../timer-queue.ts";

/** The longest delay a host `setTimeout` takes (a signed 32-bit count of milliseconds, about 24.8 days). */
const MAX_HOST_DELAY_MS = 2 ** 31 - 1;

/**
 * The fallback driver: one host `setTimeout` for the queue's earliest deadline. It has the same
 * API and semantics as the timer thread, with the host's precision (whole milliseconds, and
 * late whenever the event loop is busy) and without waking threads blocked in `blockOn`. A
 * `setTimeout` that fires early (Node's can, by up to 1 ms) only makes the queue re-arm.
 */
export class HostDriver implements Driver {
  readonly kind = "host" as const;
  readonly #queue: TimerQueue;
  #handle: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Infinity;
  #closeReason: CloseReason | null = null;
  #closeCause: Error | undefined;

  constructor(queue: TimerQueue) {
    this.#queue = queue;
  }

  now(): number {
    return clockNow();
  }

  get closeReason(): CloseReason | null {
    return this.#closeReason;
  }

  get seemsOpen(): boolean {
    return this.#closeReason === null;
  }

  get closeCause(): Error | undefined {
    return this.#closeCause;
  }

  arm(deadline: number): void {
    if (deadline === Infinity) {
      clearTimeout(this.#handle);
      this.#handle = undefined;
      this.#armedFor = Infinity;
      return;
    }
    if (deadline >= this.#armedFor || this.#closeReason !== null) return;
    clearTimeout(this.#handle);
    this.#armedFor = deadline;
    // Clamped to what the host's timers hold: a longer delay overflows to 1 ms, with a warning on
    // stderr. A clamped timer fires early, which only makes the queue re-arm for what is left.
    this.#handle = setTimeout(this.#fire, Math.min(MAX_HOST_DELAY_MS, Math.max(0, deadline - clockNow())));
  }

  /** Stops the driver: every pending timer is woken and fails with a `TimerClosedError`. */
  close(): void {
    if (this.#closeReason !== null) return;
    this.#closeReason = "disposed";
    this.#closeCause = closeCauseFor("disposed", null);
    this.arm(Infinity);
    this.#queue.fire();
  }

  readonly #fire = (): void => {
    this.#handle = undefined;
    this.#armedFor = Infinity;
    this.#queue.fire();
  };
}
