import { Context } from "./context.ts";
import { drop, type Future } from "./future.ts";
import { PENDING } from "./poll.ts";
import { type RawWakerVTable, replaceWaker, Waker } from "./waker.ts";

interface ChildRef {
  readonly set: ChildSet<unknown>;
  readonly index: number;
}

const CHILD_VTABLE: RawWakerVTable<ChildRef> = {
  clone: (child) => ({ data: child, vtable: CHILD_VTABLE }),
  wake: (child) => child.set.wakeChild(child.index),
  wakeByRef: (child) => child.set.wakeChild(child.index),
  drop: () => {},
};

/**
 * The children of `joinAll` and `race`. Each child is polled with a waker of its own that records
 * its index and wakes the parent, so a parent poll polls only the children woken since the last
 * one: n children cost O(woken) per wake, not O(n).
 */
export class ChildSet<T> {
  readonly #children: (Future<T> | null)[];
  readonly #contexts: Context[];
  readonly #isQueued: Uint8Array;
  #woken: number[] = [];
  #batch: number[] = [];
  #cursor = 0;
  #parent: Waker | null = null;
  /** The output of the child that {@linkcode ChildSet.pollNext} last returned. */
  output: T | undefined = undefined;

  constructor(children: Future<T>[]) {
    this.#children = children;
    this.#contexts = children.map(
      (_, index) => new Context(Waker.fromRaw({ data: { set: this as ChildSet<unknown>, index }, vtable: CHILD_VTABLE })),
    );
    this.#isQueued = new Uint8Array(children.length).fill(1);
    this.#woken = children.map((_, index) => index);
  }

  /** How many children there are. */
  get size(): number {
    return this.#children.length;
  }

  /** Records that child `index` was woken and wakes the parent. */
  wakeChild(index: number): void {
    if (this.#isQueued[index] === 0) {
      this.#isQueued[index] = 1;
      this.#woken.push(index);
    }
    this.#parent?.wakeByRef();
  }

  /** Starts a parent poll: keeps the parent's waker and takes the children woken so far. */
  beginPoll(cx: Context): void {
    this.#parent = replaceWaker(this.#parent, cx.waker);
    const batch = this.#woken;
    this.#woken = this.#batch;
    this.#woken.length = 0;
    this.#batch = batch;
    this.#cursor = 0;
  }

  /**
   * Polls the woken children of this batch until one is ready: returns its index (its output is in
   * `output`) or -1 when none of the rest is. A child's error propagates to the caller.
   */
  pollNext(): number {
    const batch = this.#batch;
    while (this.#cursor < batch.length) {
      const index = batch[this.#cursor++] as number;
      this.#isQueued[index] = 0;
      const child = this.#children[index];
      if (child === null || child === undefined) continue;
      const output = child.poll(this.#contexts[index] as Context);
      if (output !== PENDING) {
        this.#children[index] = null;
        this.output = output;
        return index;
      }
    }
    return -1;
  }

  /** Drops every child that has not completed, and the parent's waker. */
  dropAll(): void {
    const children = this.#children;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      children[i] = null;
      if (child !== null && child !== undefined) drop(child);
    }
    this.#parent?.drop();
    this.#parent = null;
  }
}
