/** Why a timer stopped: its reactor was disposed, or its thread exited without being asked to. */
export type CloseReason = "disposed" | "thread-exited";

/**
 * The error of a sleep, timeout or interval whose timer closed before it fired: the reactor was
 * disposed (`reason: "disposed"`), or the timer thread died (`reason: "thread-exited"`, with the
 * thread's error as `cause` when there was one).
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
    super(
      reason === "disposed"
        ? "the timer was closed (its reactor was disposed) before this timer fired"
        : "the timer thread exited unexpectedly; every pending timer of it fails",
      options,
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
    super(`the future did not complete within ${timeoutMs} ms`);
    this.name = "ElapsedError";
    this.timeoutMs = timeoutMs;
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
    super(`the timer thread could not start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "TimerThreadStartError";
  }
}
