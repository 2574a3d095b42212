import type { SocketAddress } from "./socket-address.ts";

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
  #queue: (ChainedSend | undefined)[] = [];
  #next = 0;
  #running = false;

  /** A chain that sends with `issue`, which resolves once the runtime sent the datagram. */
  constructor(issue: (data: Uint8Array, to: SocketAddress) => Promise<unknown>) {
    this.#issue = issue;
  }

  /** Queues a send; `done` gets the runtime's report once it and every earlier send was issued. */
  push(data: Uint8Array, to: SocketAddress, done: (error?: Error | null) => void): void {
    this.#queue.push({ data, to, done });
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#next < this.#queue.length) {
      const send = this.#queue[this.#next]!;
      this.#queue[this.#next++] = undefined; // sent: not kept alive by the rest of the burst
      let error: Error | null = null;
      try {
        await this.#issue(send.data, send.to);
      } catch (failure) {
        error = failure as Error;
      }
      send.done(error);
    }
    this.#queue = [];
    this.#next = 0;
    this.#running = false;
  }
}
