import type { SocketAddress } from "./socket-address.ts";

/**
 * The bounded queue of datagrams a socket has received and nobody has read yet: a ring of
 * `capacity` slots. When it is full the newest datagram is dropped (and counted by the socket),
 * as the kernel does when its receive buffer is full, so memory stays bounded under any load.
 */
export class ReceiveQueue {
  readonly capacity: number;
  readonly #data: (Uint8Array | undefined)[];
  readonly #from: (SocketAddress | undefined)[];
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#data = new Array(capacity);
    this.#from = new Array(capacity);
  }

  /** How many datagrams are queued. */
  get length(): number {
    return this.#length;
  }

  /** Queues a datagram; returns `false`, keeping nothing, when the queue is full. */
  push(data: Uint8Array, from: SocketAddress): boolean {
    if (this.#length === this.capacity) return false;
    let tail = this.#head + this.#length;
    if (tail >= this.capacity) tail -= this.capacity; // a compare, not a division per datagram
    this.#data[tail] = data;
    this.#from[tail] = from;
    this.#length++;
    return true;
  }

  /** The oldest datagram's sender, or `undefined` when empty; call `shift` for its data. */
  peekFrom(): SocketAddress | undefined {
    return this.#length === 0 ? undefined : this.#from[this.#head];
  }

  /** The oldest datagram's data, left in the queue (check `peekFrom` first). */
  peekData(): Uint8Array {
    return this.#data[this.#head]!;
  }

  /** Removes the oldest datagram and returns its data (check `peekFrom` first). */
  shift(): Uint8Array {
    const head = this.#head;
    const data = this.#data[head]!;
    this.#data[head] = undefined;
    this.#from[head] = undefined;
    this.#head = head + 1 === this.capacity ? 0 : head + 1;
    this.#length--;
    return data;
  }

  /** Drops every queued datagram; returns how many there were. */
  clear(): number {
    const dropped = this.#length;
    this.#data.fill(undefined);
    this.#from.fill(undefined);
    this.#head = 0;
    this.#length = 0;
    return dropped;
  }
}
