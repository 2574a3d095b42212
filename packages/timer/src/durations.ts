import { describe } from "@spindle/core";

/**
 * The longest duration a timer accepts: 2^40 ms, about 34.8 years. Longer durations are rejected
 * with a `RangeError` rather than clamped, so that a unit mistake (seconds passed as
 * microseconds) fails loudly instead of sleeping for a lifetime.
 */
export const MAX_DURATION_MS: number = 2 ** 40;

/** Checks a duration in milliseconds, naming the value in the error. */
export function checkDuration(ms: unknown, what: string): number {
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0 || ms === Infinity) {
    throw new RangeError(`${what} must be a finite number of milliseconds >= 0, got ${describe(ms)}`);
  }
  if (ms > MAX_DURATION_MS) {
    throw new RangeError(`${what} must be at most ${MAX_DURATION_MS} ms (MAX_DURATION_MS), got ${ms}`);
  }
  return ms;
}
