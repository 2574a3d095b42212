import { describe, SpindleError } from "@spindle/core";

/**
 * Readiness and interest as bit sets, as in mio and tokio: what a source can do now (readiness),
 * and what a task waits for (interest).
 *
 * @example
 * ```ts
 * import { Interest, Ready } from "@spindle/reactor-net";
 *
 * const both = Interest.READABLE | Interest.WRITABLE;
 * console.log((Ready.READABLE & both) !== 0); // true
 * ```
 */
export const Interest = {
  /** Wait until data can be read. */
  READABLE: 1,
  /** Wait until data can be written. */
  WRITABLE: 2,
} as const;

/** A set of {@linkcode Interest} bits. */
export type Interest = number;

/** What a source is ready for. `CLOSED` is set with both directions when it closes. */
export const Ready = {
  READABLE: 1,
  WRITABLE: 2,
  CLOSED: 4,
} as const;

/** A set of {@linkcode Ready} bits. */
export type Ready = number;

/**
 * Throws `INVALID_ARGUMENT` naming `interest` (for `what`) unless it is `Interest.READABLE`,
 * `Interest.WRITABLE` or both: an interest of no direction would wait until the source closes.
 */
export function checkInterest(interest: unknown, what: string): number {
  if (interest !== 1 && interest !== 2 && interest !== 3) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${what}'s interest must be Interest.READABLE, Interest.WRITABLE or both, got ${describe(interest)}`,
    );
  }
  return interest;
}
