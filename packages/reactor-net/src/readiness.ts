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
