import { type SocketAddress, trustedAddress } from "../socket-address.ts";

/**
 * The senders a backend saw recently, so that datagrams from one peer share one address object:
 * keyed by port (a number: no key string per datagram), checked against the address, and
 * cleared when it holds `capacity` entries.
 */
export class SenderCache {
  readonly #byPort = new Map<number, SocketAddress>();
  readonly #capacity: number;
  /** The last sender returned: a burst from one peer is answered without the map. */
  #last: SocketAddress | null = null;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  /** The address object for `address` (an IP literal the runtime reported) and `port`. */
  get(address: string, port: number): SocketAddress {
    const last = this.#last;
    if (last !== null && last.port === port && last.address === address) return last;
    let from = this.#byPort.get(port);
    if (from === undefined || from.address !== address) {
      if (this.#byPort.size >= this.#capacity) this.#byPort.clear();
      from = trustedAddress(address, port, address.includes(":") ? "IPv6" : "IPv4");
      this.#byPort.set(port, from);
    }
    this.#last = from;
    return from;
  }
}
