import { budgetLeft, type Context, Future, PENDING, type Poll, SpindleError } from "@spindle/core";
import { ElapsedError } from "./errors.ts";
import { pollDeadline } from "./poll-deadline.ts";
import type { Sleep } from "./sleep.ts";

/**
 * A future bounded by a sleep: it polls the inner future first, and fails with an
 * {@linkcode ElapsedError} (dropping the inner future) once the sleep completes first (also when
 * the inner future used the task's budget up: see `pollDeadline`). Whichever
 * way it ends, both are dropped, so the sleep deregisters and the inner future releases what it
 * holds. See {@linkcode Timer.timeout}.
 */
export class Timeout<T> extends Future<T> {
  #inner: Future<T> | null;
  readonly #sleep: Sleep;
  readonly #timeoutMs: number;

  constructor(inner: Future<T>, sleep: Sleep, timeoutMs: number) {
    super();
    this.#inner = inner;
    this.#sleep = sleep;
    this.#timeoutMs = timeoutMs;
  }

  /** The inner future's output, or an {@linkcode ElapsedError} once the deadline passed. */
  poll(cx: Context): Poll<T> {
    const inner = this.#inner;
    if (inner === null) throw new SpindleError("FUTURE_COMPLETED", "a timeout was polled after it completed");
    let elapsed: boolean;
    try {
      const budgetBefore = budgetLeft();
      const output = inner.poll(cx);
      if (output !== PENDING) {
        this[Symbol.dispose]();
        return output;
      }
      elapsed = pollDeadline(this.#sleep, cx, budgetBefore) !== PENDING;
    } catch (error) {
      this[Symbol.dispose]();
      throw error;
    }
    if (!elapsed) return PENDING;
    this[Symbol.dispose]();
    throw new ElapsedError(this.#timeoutMs);
  }

  /** Drops the inner future and the sleep. */
  override [Symbol.dispose](): void {
    const inner = this.#inner;
    this.#inner = null;
    this.#sleep[Symbol.dispose]();
    inner?.[Symbol.dispose]();
  }
}
