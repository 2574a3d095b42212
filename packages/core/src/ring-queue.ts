/**
 * A growable FIFO ring buffer: O(1) push and shift without the element shuffling of
 * `Array.prototype.shift` on large arrays. The executors' ready queue; also for queues of other
 * packages on hot paths.
 *
 * @example
 * ```ts
 * import { RingQueue } from "@spindle/core";
 *
 * const queue = new RingQueue<string>();
 * queue.push("a");
 * queue.push("b");
 * console.log(queue.shift(), queue.length); // a 1
 * ```
 */
export class RingQueue<T> {
  #items: (T | undefined)[] = new Array(16);
  #head = 0;
  #length = 0;

  /** How many items are queued. */
  get length(): number {
    return this.#length;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    const items = this.#items;
    if (this.#length === items.length) {
      this.#grow();
      return this.push(item);
    }
    items[(this.#head + this.#length) & (items.length - 1)] = item;
    this.#length++;
  }

  /** Removes and returns the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const items = this.#items;
    const item = items[this.#head];
    items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (items.length - 1);
    this.#length--;
    return item;
  }

  #grow(): void {
    const old = this.#items;
    const items: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = items;
    this.#head = 0;
  }
}
