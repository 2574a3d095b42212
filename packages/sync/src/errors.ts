import { checkTypeOf, describe, readErrorOptions, SpindleError } from "@spindle/core";

/**
 * The error of an operation on something closed: a channel whose other side is gone, a semaphore
 * after `close()`, a sender or guard used after it was dropped or released. `what` names the
 * closed thing.
 *
 * @example
 * ```ts
 * import { blockOn } from "@spindle/core";
 * import { ClosedError, Semaphore } from "@spindle/sync";
 *
 * const semaphore = new Semaphore(1);
 * semaphore.close();
 * try {
 *   blockOn(semaphore.acquire());
 * } catch (error) {
 *   if (error instanceof ClosedError) console.log(error.what); // semaphore
 * }
 * ```
 */
export class ClosedError extends Error {
  /** What was closed: `channel`, `semaphore`, `sender`, `guard`... */
  readonly what: string;

  /** Creates the error for `what`, closed; `detail` says how it was used. */
  constructor(what: string, detail: string, options?: ErrorOptions) {
    checkTypeOf(what, "string", "new ClosedError(): what");
    checkTypeOf(detail, "string", "new ClosedError(): detail");
    super(`the ${what} is closed: ${detail}`, readErrorOptions(options, "new ClosedError()"));
    this.name = "ClosedError";
    this.what = what;
  }
}

/**
 * The error of a send to a channel nobody can receive from any more: the value was not sent and
 * comes back as `value`.
 *
 * @example
 * ```ts
 * import { mpsc, SendError } from "@spindle/sync";
 *
 * const [tx, rx] = mpsc.unbounded<string>();
 * rx[Symbol.dispose]();
 * try {
 *   tx.send("lost?");
 * } catch (error) {
 *   if (error instanceof SendError) console.log(error.value); // lost?
 * }
 * ```
 */
export class SendError<T> extends ClosedError {
  /** The value that was not sent. */
  readonly value: T;

  /**
   * Creates the error handing `value` back; `why` says why it was not sent (default: no receiver
   * is left).
   */
  constructor(value: T, what = "channel", why = "no receiver is left") {
    super(what, `the value ${describe(value)} was not sent (${checkTypeOf(why, "string", "new SendError(): why")})`);
    this.name = "SendError";
    this.value = value;
  }
}

/**
 * What a broadcast receiver that fell more than the channel's capacity behind gets from its next
 * receive: `missed` values were overwritten before it read them. The receive after it returns the
 * oldest value still held.
 *
 * @example
 * ```ts
 * import { blockOn, next } from "@spindle/core";
 * import { broadcast, LaggedError } from "@spindle/sync";
 *
 * const [tx, rx] = broadcast<number>(2);
 * for (const n of [1, 2, 3, 4, 5]) tx.send(n);
 * try {
 *   blockOn(next(rx));
 * } catch (error) {
 *   if (error instanceof LaggedError) console.log(error.missed); // 3
 * }
 * console.log(blockOn(next(rx))); // 4
 * ```
 */
export class LaggedError extends Error {
  /** How many values this receiver will never see. */
  readonly missed: number;

  /** Creates the error for `missed` values skipped. */
  constructor(missed: number) {
    checkTypeOf(missed, "number", "new LaggedError(): missed");
    super(`the receiver lagged behind: ${missed} value(s) were overwritten before it read them`);
    this.name = "LaggedError";
    this.missed = missed;
  }
}

/** Largest permit count a {@linkcode Semaphore} holds, also the largest `acquire(n)` (2^31 - 1). */
export const MAX_PERMITS: number = 2 ** 31 - 1;

/** Throws `INVALID_ARGUMENT` naming `value` unless it is a positive integer up to {@linkcode MAX_PERMITS}. */
export function checkCapacity(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PERMITS) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${name} must be an integer from 1 to ${MAX_PERMITS}, got ${describe(value)}`,
    );
  }
  return value;
}

/** Throws `INVALID_ARGUMENT` naming `value` unless it is an integer from 0 to `max`. */
export function checkPermits(name: string, value: unknown, max: number = MAX_PERMITS): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new SpindleError("INVALID_ARGUMENT", `${name} must be an integer from 0 to ${max}, got ${describe(value)}`);
  }
  return value;
}
