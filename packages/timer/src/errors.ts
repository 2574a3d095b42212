import { checkTypeOf, describe, readErrorOptions, SpindleError } from "@spindle/core";

/**
 * Why a timer stopped: its reactor was disposed, its thread exited without being asked to, or its
 * shared state was found corrupted (see {@linkcode TimerStateError}).
 */
export type CloseReason = "disposed" | "thread-exited" | "corrupted";

/**
 * The error of a sleep, timeout or interval whose timer closed before it fired: the reactor was
 * disposed (`reason: "disposed"`), the timer thread died (`reason: "thread-exited"`, with the
 * thread's error as `cause` when there was one), or a thread found the timer's shared memory
 * corrupted (`reason: "corrupted"`, with the {@linkcode TimerStateError} found as `cause`, on
 * every thread).
 *
 * @example
 * ```ts
 * import { blockOn } from "@spindle/core";
 * import { TimerClosedError, VirtualClock } from "@spindle/timer";
 *
 * const clock = new VirtualClock();
 * const sleep = clock.timer.sleep(1_000);
 * clock.close();
 * try {
 *   blockOn(sleep);
 * } catch (error) {
 *   if (error instanceof TimerClosedError) console.log(error.reason); // disposed
 * }
 * ```
 */
export class TimerClosedError extends Error {
  /** Why the timer closed. */
  readonly reason: CloseReason;

  /** Creates the error for a timer closed for `reason`. */
  constructor(reason: CloseReason, options?: ErrorOptions) {
    if (reason !== "disposed" && reason !== "thread-exited" && reason !== "corrupted") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `new TimerClosedError(): reason must be "disposed", "thread-exited" or "corrupted", got ${describe(reason)}`,
      );
    }
    super(
      reason === "disposed"
        ? "the timer was closed (its reactor was disposed) before this timer fired"
        : reason === "thread-exited"
        ? "the timer thread exited unexpectedly; every pending timer of it fails"
        : "the timer's shared memory was found corrupted; every pending timer of it fails",
      readErrorOptions(options, "new TimerClosedError()"),
    );
    this.name = "TimerClosedError";
    this.reason = reason;
  }
}

/**
 * The error of {@linkcode Timer.timeout} when the deadline passed before the inner future
 * completed (tokio's `Elapsed`). The inner future has been dropped.
 *
 * @example
 * ```ts
 * import { blockOn, pending } from "@spindle/core";
 * import { ElapsedError, VirtualClock } from "@spindle/timer";
 *
 * const clock = new VirtualClock();
 * const guarded = clock.timer.timeout(pending(), 250);
 * clock.advance(250);
 * try {
 *   blockOn(guarded);
 * } catch (error) {
 *   if (error instanceof ElapsedError) console.log(error.timeoutMs); // 250
 * }
 * ```
 */
export class ElapsedError extends Error {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  /** Creates the error for a timeout of `timeoutMs` that elapsed. */
  constructor(timeoutMs: number) {
    super(`the future did not complete within ${checkTypeOf(timeoutMs, "number", "new ElapsedError(): timeoutMs")} ms`);
    this.name = "ElapsedError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Shared memory that is not a working timer's state: what {@linkcode Timer.fromShared} throws for
 * a buffer that is not what `Timer.share()` returned (wrong size, layout word, or a word outside
 * its range), and the `cause` of the {@linkcode TimerClosedError}s of a timer found corrupted in
 * use. `field` names the word and `value` is what it held.
 *
 * @example
 * ```ts
 * import { Timer, TimerStateError } from "@spindle/timer";
 *
 * const buffer = new SharedArrayBuffer(16);
 * try {
 *   Timer.fromShared({ buffer, channel: "not-a-timer" });
 * } catch (error) {
 *   if (error instanceof TimerStateError) console.log(error.field); // buffer
 * }
 * ```
 */
export class TimerStateError extends SpindleError {
  /** The part of the shared state that was wrong (`"buffer"`, `"layout"`, `"mutex"`, …). */
  readonly field: string;
  /** What it held. */
  readonly value: unknown;
  /** What it should have held. */
  readonly expected: string;

  /**
   * Creates the error for `field` holding `value` where `expected` was needed; `attach` says
   * whether it was found when a thread attached (not a timer's state) or in use (corrupted).
   */
  constructor(field: string, value: unknown, expected: string, attach: boolean) {
    checkTypeOf(field, "string", "new TimerStateError(): field");
    checkTypeOf(expected, "string", "new TimerStateError(): expected");
    super(
      "INVALID_ARGUMENT",
      `${
        attach ? "not the shared state of a Spindle timer (see Timer.share())" : "the timer's shared state is corrupted"
      }: ` +
        `${field} is ${describe(value)}, expected ${expected}`,
    );
    this.name = "TimerStateError";
    this.field = field;
    this.value = value;
    this.expected = expected;
  }
}

/**
 * The timer thread did not start: its worker could not be created, or exited (or failed) before
 * it served. `cause` is the runtime's error (a module that was not found, say). A missing Deno
 * permission is reported as core's `PermissionDeniedError` instead, naming the flag.
 *
 * @example
 * ```ts
 * import { TimerThreadStartError } from "@spindle/timer";
 *
 * const error = new TimerThreadStartError(new Error("Cannot find module './timer-thread.js'"));
 * console.log(error.message); // the timer thread could not start: Cannot find module './timer-thread.js'
 * ```
 */
export class TimerThreadStartError extends Error {
  /** Creates the error for a thread that failed to start because of `cause`. */
  constructor(cause: unknown) {
    super(`the timer thread could not start: ${startFailure(cause)}`, { cause });
    this.name = "TimerThreadStartError";
  }
}

/** What a {@linkcode TimerThreadStartError} says of its cause: an `Error`'s message, else the value described, read safely. */
function startFailure(cause: unknown): string {
  try {
    return cause instanceof Error ? String(cause.message) : typeof cause === "string" ? cause : describe(cause);
  } catch {
    return `${describe(cause)}, which could not be read`;
  }
}
