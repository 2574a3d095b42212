import {
  type Context,
  dropRawWaker,
  PENDING,
  type Poll,
  type RawWaker,
  replaceRawWaker,
  SpindleError,
  wakeRawWaker,
} from "@spindle/core";
import type { NetError } from "./errors.ts";
import { Interest } from "./readiness.ts";
import type { Registration } from "./registration.ts";
import { SocketOperation, type WouldBlock } from "./socket-operation.ts";

/**
 * The future of `UdpSocket.sendTo`: first a socket operation that hands the datagram to the
 * runtime (waiting for room in the send window), then a wait for the runtime's report that it was
 * sent. While the send is in flight the future sits in its socket's {@linkcode SendsInFlight}, so
 * that closing the socket settles it.
 */
export class SendTo extends SocketOperation<number> {
  /** The runtime's report: `null` when sent, the error, or `undefined` while in flight. */
  #outcome: NetError | null | undefined = undefined;
  #sentWaker: RawWaker<unknown> | null = null;
  #bytes = -1;
  #done = false;
  /** Links in the socket's {@linkcode SendsInFlight}. */
  previous: SendTo | null = null;
  next: SendTo | null = null;
  inFlight = false;

  constructor(registration: Registration, attempt: () => number | WouldBlock) {
    super(registration, Interest.WRITABLE, attempt);
  }

  override poll(cx: Context): Poll<number> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "a sendTo future was polled after it completed");
    if (this.#bytes < 0) {
      const bytes = super.poll(cx);
      if (bytes === PENDING) return PENDING;
      this.#bytes = bytes;
    }
    const outcome = this.#outcome;
    if (outcome === undefined) {
      this.#sentWaker = replaceRawWaker(this.#sentWaker, cx.waker);
      return PENDING;
    }
    this.#done = true;
    if (outcome !== null) throw outcome;
    return this.#bytes;
  }

  /** Records the runtime's report (the first one counts) and wakes the waiting task. */
  settle(error: NetError | null): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = error;
    this.#sentWaker = wakeRawWaker(this.#sentWaker);
  }

  /** A send in flight cannot be taken back: dropping only stops waiting for it. */
  override [Symbol.dispose](): void {
    super[Symbol.dispose]();
    this.#sentWaker = dropRawWaker(this.#sentWaker);
  }
}

/**
 * The `sendTo` futures of one socket whose datagram the runtime has not reported on yet: an
 * intrusive list (no allocation per send; a `Set` allocates when it empties and shrinks).
 */
export class SendsInFlight {
  #head: SendTo | null = null;

  add(send: SendTo): void {
    send.inFlight = true;
    send.previous = null;
    send.next = this.#head;
    if (this.#head !== null) this.#head.previous = send;
    this.#head = send;
  }

  /** Removes `send`; returns whether it was in flight. */
  remove(send: SendTo): boolean {
    if (!send.inFlight) return false;
    send.inFlight = false;
    if (send.previous !== null) send.previous.next = send.next;
    else this.#head = send.next;
    if (send.next !== null) send.next.previous = send.previous;
    send.previous = send.next = null;
    return true;
  }

  /** Removes every send and settles it with `error`. */
  settleAll(error: () => NetError): void {
    while (this.#head !== null) {
      const send = this.#head;
      this.remove(send);
      send.settle(error());
    }
  }
}
