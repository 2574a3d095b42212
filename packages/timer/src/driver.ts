import { type CloseReason, TimerClosedError } from "./errors.ts";

/**
 * What moves time for a {@linkcode TimerQueue}: the timer thread, the host's `setTimeout`, or a
 * virtual clock. A driver reads the clock and calls the queue's `fire()` once the instant it was
 * armed for has passed. It may fire late or spuriously (the queue checks every deadline), never
 * early without a later fire.
 */
export interface Driver {
  /** Which kind of driver this is, as {@linkcode TimerReactor.driver} reports it. */
  readonly kind: DriverKind;
  /** The current time in milliseconds on the driver's clock. */
  now(): number;
  /**
   * Asks for one `fire()` at or after `deadline`, the queue's earliest deadline, replacing what was
   * armed before when `deadline` is earlier; a deadline already past fires promptly (a sleep's
   * first poll relies on it). `Infinity` means nothing is pending: the driver stops holding the
   * process open.
   */
  arm(deadline: number): void;
  /** Why the driver stopped, or `null` while it runs. */
  readonly closeReason: CloseReason | null;
  /**
   * `closeReason === null` as far as this thread has seen, for a fast path that tolerates a stale
   * `true`: a timer closed by another thread still wakes this thread's pending timers (they then
   * fail), so a sleep registered meanwhile fails at its next poll.
   */
  readonly seemsOpen: boolean;
  /**
   * Once closed, what closed it, as the `cause` of the timers' `TimerClosedError`s: the error
   * the timer thread died with, an `Error` naming its exit code, the corruption found, or the
   * `Error` made where the timer was closed; `undefined` while it runs.
   */
  readonly closeCause: unknown;
}

/** The kinds of driver: the timer thread, the host's `setTimeout`, or a virtual clock. */
export type DriverKind = "thread" | "host" | "virtual";

/**
 * The error for a timer whose driver closed, or `null`. Its `cause` is the driver's
 * `closeCause`, or (should a driver know none) {@linkcode closeCauseFor} the reason: every
 * `TimerClosedError` a timer hands out says why, whichever way it closed.
 */
export function closedError(driver: Driver): TimerClosedError | null {
  const reason = driver.closeReason;
  if (reason === null) return null;
  return new TimerClosedError(reason, { cause: driver.closeCause ?? closeCauseFor(reason, null) });
}

/**
 * The cause of a timer's failures when this thread knows nothing more specific: the error of
 * `TimerReactor.close()` (made where it was called, on the closing thread), the timer thread's
 * exit (with its `exitCode` when one was recorded), or corruption found but not readable here.
 */
export function closeCauseFor(reason: CloseReason, exitCode: number | null): Error {
  return new Error(
    reason === "disposed"
      ? "the timer was closed (TimerReactor.close() or VirtualClock.close())"
      : reason === "thread-exited"
      ? `the timer thread exited unexpectedly${exitCode === null ? "" : ` with code ${exitCode}`}`
      : "the timer's shared state was found corrupted; what was found could not be read here",
  );
}
