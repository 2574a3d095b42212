import { dropRawWaker, type RawWaker, replaceRawWaker, type Waker, wakeRawWaker } from "@spindle/core";

/**
 * One waiter in a {@linkcode WaitList}: the waker of the task waiting, and its links. A future that
 * waits owns its node and keeps it in the list while it is pending; the list never outlives the
 * node's owner's interest (the owner removes it when dropped), so a node is in at most one list.
 */
export class WaitNode {
  prev: WaitNode | null = null;
  next: WaitNode | null = null;
  /** Whether the node is in a list now. */
  queued = false;
  /** The latest waker of the waiting task, or `null`. */
  waker: RawWaker<unknown> | null = null;

  /** Keeps a clone of `waker` (the task that polled last), as every pending poll must. */
  register(waker: Waker): void {
    this.waker = replaceRawWaker(this.waker, waker);
  }

  /** Wakes the stored waker, if any. */
  wake(): void {
    this.waker = wakeRawWaker(this.waker);
  }

  /** Drops the stored waker, if any, without waking. */
  dropWaker(): void {
    this.waker = dropRawWaker(this.waker);
  }
}

/**
 * A FIFO of waiting futures as an intrusive doubly-linked list: O(1) push, shift and removal of
 * any node, so that a future dropped while waiting leaves the queue at once, wherever it stands
 * (the first half of cancel safety; the second, handing on what it was given, is its owner's).
 * Single-threaded: every user runs on the thread that made it.
 */
export class WaitList<N extends WaitNode> {
  #head: N | null = null;
  #tail: N | null = null;
  #length = 0;

  /** How many nodes are queued. */
  get length(): number {
    return this.#length;
  }

  /** The front node, or `null`. */
  get head(): N | null {
    return this.#head;
  }

  /** The back node (the last pushed still queued), or `null`. */
  get tail(): N | null {
    return this.#tail;
  }

  /** Appends `node`, which must not be queued. */
  push(node: N): void {
    node.queued = true;
    node.prev = this.#tail;
    node.next = null;
    if (this.#tail === null) this.#head = node;
    else this.#tail.next = node;
    this.#tail = node;
    this.#length++;
  }

  /** Puts `node`, which must not be queued, in front of the others. */
  unshift(node: N): void {
    node.queued = true;
    node.prev = null;
    node.next = this.#head;
    if (this.#head === null) this.#tail = node;
    else this.#head.prev = node;
    this.#head = node;
    this.#length++;
  }

  /** Removes and returns the front node, or `null`. */
  shift(): N | null {
    const node = this.#head;
    if (node !== null) this.remove(node);
    return node;
  }

  /** Removes `node` if it is queued (in this list); does nothing otherwise. */
  remove(node: N): void {
    if (!node.queued) return;
    node.queued = false;
    if (node.prev === null) this.#head = node.next as N | null;
    else node.prev.next = node.next;
    if (node.next === null) this.#tail = node.prev as N | null;
    else node.next.prev = node.prev;
    node.prev = node.next = null;
    this.#length--;
  }

  /**
   * Removes every node and wakes each, front first. Every node is out of the list before the first
   * wake runs: a wake that drops a later node (its future's `remove` then finds it not queued) or
   * queues one again does not touch the nodes still to wake, nor corrupt the list through their
   * stale links (a wake that dropped the last node used to leave `tail` set with `head` null, and
   * the next waiter pushed was never found again).
   */
  wakeAll(): void {
    const head = this.#head;
    if (head === null) return;
    this.#head = this.#tail = null;
    this.#length = 0;
    if (head.next === null) {
      head.queued = false;
      head.wake();
      return;
    }
    const nodes: N[] = [];
    for (let node: N | null = head; node !== null;) {
      const next = node.next as N | null;
      node.queued = false;
      node.prev = node.next = null;
      nodes.push(node);
      node = next;
    }
    for (let i = 0; i < nodes.length; i++) (nodes[i] as N).wake();
  }
}
