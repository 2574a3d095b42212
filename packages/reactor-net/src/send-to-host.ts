import { type Context, Future, PENDING, type Poll, type RawWaker, SpindleError } from "@spindle/core";
import { closedError } from "./errors.ts";
import type { ReadinessWaiter, Registration } from "./registration.ts";
import type { SocketAddress } from "./socket-address.ts";

/**
 * The future of `UdpSocket.sendTo` to a host name: waits for the name's resolution, then runs the
 * send to its first address (`send`). While it waits for the resolver it is also a
 * {@linkcode ReadinessWaiter} for nothing but `CLOSED` in the socket's registration, so that
 * closing the socket fails it with `CLOSED` at once, as every other waiting operation, instead of
 * after the resolver answers.
 */
export class SendToHost extends Future<number> implements ReadinessWaiter {
  readonly interest = 0;
  waker: RawWaker<unknown> | null = null;
  readonly #registration: Registration;
  #resolving: Future<SocketAddress[]> | null;
  readonly #send: (to: SocketAddress) => Future<number>;
  #sending: Future<number> | null = null;
  /** Set by the drop: polled again, it would wait for the resolver or send after all. */
  #dropped = false;

  constructor(
    registration: Registration,
    resolving: Future<SocketAddress[]>,
    send: (to: SocketAddress) => Future<number>,
  ) {
    super();
    this.#registration = registration;
    this.#resolving = resolving;
    this.#send = send;
  }

  poll(cx: Context): Poll<number> {
    if (this.#dropped) {
      throw new SpindleError("FUTURE_COMPLETED", "a sendTo() to a host name was polled after it was dropped");
    }
    if (this.#sending === null) {
      const registration = this.#registration;
      if (registration.isClosed) throw this.#closed();
      const addresses = this.#resolving!.poll(cx);
      if (addresses === PENDING) {
        // Wake on close too: the registration sets CLOSED and wakes every waiter.
        if (registration.pollWaiter(cx, this) !== PENDING) throw this.#closed();
        return PENDING;
      }
      registration.forget(this);
      this.#resolving = null;
      this.#sending = this.#send(addresses[0]!);
    }
    return this.#sending.poll(cx);
  }

  /** Dropped: stops waiting (a resolution in progress finishes unobserved). */
  override [Symbol.dispose](): void {
    this.#dropped = true;
    this.#registration.forget(this);
    this.#resolving?.[Symbol.dispose]();
    this.#resolving = null;
    this.#sending?.[Symbol.dispose]();
    this.#sending = null;
  }

  #closed(): Error {
    this.#registration.forget(this);
    this.#resolving?.[Symbol.dispose]();
    this.#resolving = null;
    return closedError();
  }
}
