import { RingQueue } from "@spindle/core";
import type { SocketAddress } from "../socket-address.ts";

/** One send waiting in a {@linkcode SendChain}. */
interface ChainedSend {
  readonly data: Uint8Array;
  readonly to: SocketAddress;
  readonly done: (error?: Error | null) => void;
}

/**
 * Sends handed to the runtime one at a time, in order. Deno reverses the order of sends issued
 * without waiting for the previous one (both of its UDP APIs: 100 sends in a burst arrived 99…0),
 * so its backends queue every send here and issue the next when the runtime has reported on the
 * previous, as a raw `await send()` loop does. The socket still allows `sendWindow` sends in
 * flight, so a sender does not wait (a task wake) for every datagram.
 */
export class SendChain {
  readonly #issue: (data: Uint8Array, to: SocketAddress) => Promise<unknown>;
  /** Sends waiting behind the one in flight. */
  readonly #waiting = new RingQueue<ChainedSend>();
  /** The report callback of the send in flight, or `null` when the chain is idle. */
  #inFlight: ((error?: Error | null) => void) | null = null;
  // Bound once: a send costs the runtime's promise and one `then`, no closures of its own.
  readonly #sent = (): void => this.#reported(null);
  readonly #failed = (error: unknown): void => this.#reported(error as Error);

  /** A chain that sends with `issue`, which resolves once the runtime sent the datagram. */
  constructor(issue: (data: Uint8Array, to: SocketAddress) => Promise<unknown>) {
    this.#issue = issue;
  }

  /** Queues a send; `done` gets the runtime's report once it and every earlier send was issued. */
  push(data: Uint8Array, to: SocketAddress, done: (error?: Error | null) => void): void {
    if (this.#inFlight === null) {
      this.#start(data, to, done);
      return;
    }
    this.#waiting.push({ data, to, done });
  }

  /**
   * Fails every send still waiting behind the one in flight with `error`, at once and in order:
   * the socket closed, so they will never be issued. (The send in flight gets whatever report
   * the runtime still gives; closing runtimes drop it.)
   */
  cancel(error: () => Error): void {
    for (let send = this.#waiting.shift(); send !== undefined; send = this.#waiting.shift()) send.done(error());
  }

  #start(data: Uint8Array, to: SocketAddress, done: (error?: Error | null) => void): void {
    this.#inFlight = done;
    let sending: Promise<unknown>;
    try {
      sending = this.#issue(data, to);
    } catch (error) {
      sending = Promise.reject(error);
    }
    sending.then(this.#sent, this.#failed);
  }

  /** The runtime reported on the send in flight: pass it on, then issue the next one. */
  #reported(error: Error | null): void {
    const done = this.#inFlight!;
    done(error); // may push more sends: they queue behind the one still marked in flight
    const send = this.#waiting.shift();
    if (send === undefined) {
      this.#inFlight = null;
      return;
    }
    this.#start(send.data, send.to, send.done);
  }
}
