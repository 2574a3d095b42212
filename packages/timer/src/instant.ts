import { KEY } from "./construct-key.ts";
import { describe, isInstance, noPublicConstructor } from "@spindle/core";
import { clockNow } from "./clock.ts";
import { checkDuration } from "./durations.ts";

/**
 * A point on a monotonic clock with sub-millisecond resolution, comparable across the threads of
 * one process (so an instant read on the main thread means the same on a worker).
 *
 * Under a {@linkcode VirtualClock}, read instants from `timer.now()`: `Instant.now()` always
 * reads the real clock.
 *
 * @example
 * ```ts
 * import { Instant } from "@spindle/timer";
 *
 * const start = Instant.now();
 * const deadline = start.add(1.5);
 * console.log(deadline.since(start)); // 1.5
 * console.log(start.compare(deadline)); // -1
 * console.log(start.elapsed() >= 0); // true
 * ```
 */
export class Instant {
  /** Milliseconds on the clock; see {@linkcode Instant.millis}. */
  readonly #ms: number;

  private constructor(key: typeof KEY, ms: number) {
    if (key !== KEY) throw noPublicConstructor("Instant", "use Instant.now() or timer.now()", key);
    this.#ms = ms;
  }

  /** The current instant of the real clock. */
  static now(): Instant {
    return new Instant(KEY, clockNow());
  }

  /**
   * The instant `ms` milliseconds after the clock's origin: the inverse of
   * {@linkcode Instant.millis}, for instants sent to another thread as numbers.
   */
  static fromMillis(ms: number): Instant {
    if (typeof ms !== "number" || !Number.isFinite(ms)) {
      throw new RangeError(`an instant must be a finite number of milliseconds, got ${describe(ms)}`);
    }
    return new Instant(KEY, ms);
  }

  /** Milliseconds since the clock's origin (a fixed point shared by every thread). */
  get millis(): number {
    return this.#ms;
  }

  /** Milliseconds from this instant to now on the real clock; 0 if this instant is in the future. */
  elapsed(): number {
    return Math.max(0, clockNow() - this.#ms);
  }

  /** The instant `ms` milliseconds later. */
  add(ms: number): Instant {
    return new Instant(KEY, this.#ms + checkDuration(ms, "the duration to add"));
  }

  /** The instant `ms` milliseconds earlier. */
  subtract(ms: number): Instant {
    return new Instant(KEY, this.#ms - checkDuration(ms, "the duration to subtract"));
  }

  /** Milliseconds from `earlier` to this instant; 0 if `earlier` is later. */
  since(earlier: Instant): number {
    return Math.max(0, this.#ms - checkInstant(earlier).#ms);
  }

  /** -1, 0 or 1 as this instant is before, equal to or after `other`. */
  compare(other: Instant): -1 | 0 | 1 {
    const theirs = checkInstant(other).#ms;
    return this.#ms < theirs ? -1 : this.#ms > theirs ? 1 : 0;
  }

  /** Renders the instant for logs. */
  toString(): string {
    return `Instant(${this.#ms.toFixed(3)} ms)`;
  }
}

/** Checks that `value` is an {@linkcode Instant}, naming it otherwise. */
export function checkInstant(value: unknown): Instant {
  if (!isInstance(value, Instant, "expected an Instant")) {
    throw new RangeError(`expected an Instant, got ${describe(value)}`);
  }
  return value;
}
