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
  /** The error the timer thread died with, when there is one. */
  readonly closeCause: unknown;
}

/** The kinds of driver: the timer thread, the host's `setTimeout`, or a virtual clock. */
export type DriverKind = "thread" | "host" | "virtual";

/** The error for a timer whose driver closed (with the thread's error as cause), or `null`. */
export function closedError(driver: Driver): TimerClosedError | null {
  const reason = driver.closeReason;
  if (reason === null) return null;
  const cause = driver.closeCause;
  return new TimerClosedError(reason, cause === undefined ? undefined : { cause });
}
