/**
 * Waiters of type `T` in the order they started waiting (a `Registration` keeps its
 * `ReadinessWaiter`s in one): an array with its own length. Emptying it keeps the array's storage,
 * where setting an array's `length` to 0 makes V8 free it (and a socket that waits once per
 * datagram would allocate it again every time). Generic, so that it needs nothing from its users'
 * files (no import cycle with `registration.ts`).
 */
export class WaiterList<T extends object> {
  #items: (T | null)[] = [];
  #length = 0;

  /** How many waiters the list holds. */
  get length(): number {
    return this.#length;
  }

  /** The waiter at `index` (`0 <= index < length`). */
  at(index: number): T {
    return this.#items[index] as T;
  }

  push(waiter: T): void {
    this.#items[this.#length++] = waiter;
  }

  /** Removes `waiter` if present, keeping the others' order. */
  remove(waiter: T): void {
    const items = this.#items;
    const last = this.#length - 1;
    for (let i = 0; i <= last; i++) {
      if (items[i] !== waiter) continue;
      items.copyWithin(i, i + 1, last + 1);
      items[last] = null;
      this.#length = last;
      return;
    }
  }

  /** Empties the list, keeping its storage. */
  clear(): void {
    const items = this.#items;
    for (let i = 0; i < this.#length; i++) items[i] = null; // usually one: cheaper than fill()
    this.#length = 0;
  }
}
