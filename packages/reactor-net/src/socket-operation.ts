import {
  consumeBudget,
  type Context,
  Future,
  PENDING,
  type Poll,
  type RawWaker,
  refundBudget,
  SpindleError,
} from "@spindle/core";
import { closedError } from "./errors.ts";
import { Ready } from "./readiness.ts";
import type { ReadinessWaiter, Registration } from "./registration.ts";

/** What a `try*` operation returns when it would have to wait: a value, not an exception. */
export const WOULD_BLOCK: unique symbol = Symbol("spindle.would-block");
/** The type of {@linkcode WOULD_BLOCK}. */
export type WouldBlock = typeof WOULD_BLOCK;

/**
 * A socket operation as a future (`recvFrom`, `sendTo`, `readable`...): it runs `attempt` until
 * that does not return `WOULD_BLOCK`, and in between waits for `interest` as its own
 * {@linkcode ReadinessWaiter} in the socket's registration, so that any number of operations wait
 * side by side and each is woken. The future is its own waiter: one object per operation, which
 * matters on paths that wait once per datagram. Fails with `CLOSED` once the socket is closed.
 */
export class SocketOperation<T> extends Future<T> implements ReadinessWaiter {
  readonly interest: number;
  waker: RawWaker<unknown> | null = null;
  readonly #registration: Registration;
  readonly #attempt: () => T | WouldBlock;
  /**
   * Set by the poll that completed, or by the drop: polled again, it would send or receive a
   * datagram nobody waits for.
   */
  #done = false;

  constructor(registration: Registration, interest: number, attempt: () => T | WouldBlock) {
    super();
    this.#registration = registration;
    this.interest = interest;
    this.#attempt = attempt;
  }

  poll(cx: Context): Poll<T> {
    if (this.#done) {
      throw new SpindleError("FUTURE_COMPLETED", "a socket operation was polled after it completed or was dropped");
    }
    const registration = this.#registration;
    // An operation that completes takes a unit of the task's cooperative budget, so that a loop
    // of operations that never wait (sends the runtime takes at once, a full receive queue)
    // still returns to the executor and lets the host run.
    if (!consumeBudget(cx)) return PENDING;
    for (;;) {
      if (registration.isClosed) throw closedError();
      const output = this.#attempt();
      if (output !== WOULD_BLOCK) {
        this.#done = true;
        registration.forget(this);
        return output as T;
      }
      const ready = registration.pollWaiter(cx, this);
      if (ready === PENDING) {
        refundBudget();
        return PENDING;
      }
      if ((ready & Ready.CLOSED) !== 0) throw closedError();
    }
  }

  /** Dropped before it completed: stops waiting, for good. */
  override [Symbol.dispose](): void {
    this.#done = true;
    this.#registration.forget(this);
  }
}
