/** A node of a waiting list: a listed task, or a segment's sentinel. `null` links: not listed. */
export interface WaitingLink {
  prev: WaitingLink | null;
  next: WaitingLink | null;
}

/**
 * One batch's part of a `LocalExecutor`'s list of waiting tasks: a circular doubly linked list
 * through `WaitingLink.prev`/`next` with this segment as its sentinel, newest task first.
 *
 * Why segments: on V8, storing a young object into a long-lived one calls the write barrier
 * (about 50 instructions, callgrind). One list headed by the executor stored each newly listed
 * task into the executor, and unlisting the oldest of a batch stored into the long-lived task
 * listed before the batch. Within a segment made per batch, both stores go into young objects
 * (the batch's tasks and its sentinel); only listing and dropping the segment itself, once per
 * batch, store into the executor or another segment.
 */
export class WaitingSegment implements WaitingLink {
  prev: WaitingLink = this;
  next: WaitingLink = this;
  /** The executor's list of non-empty segments, newest first. */
  older: WaitingSegment | null = null;
  newer: WaitingSegment | null = null;

  /** No task is listed in it (then the executor does not list it either). */
  get isEmpty(): boolean {
    return this.next === this;
  }

  /** Lists `node`, which is not listed, as this segment's newest. */
  add(node: WaitingLink): void {
    const first = this.next;
    node.prev = this;
    node.next = first;
    first.prev = node;
    this.next = node;
  }
}

/**
 * Unlists a listed `node`. Returns its segment when that is left empty (its sentinel is then its
 * own neighbour on both sides), else `null`.
 */
export function unlist(node: WaitingLink): WaitingSegment | null {
  const prev = node.prev as WaitingLink;
  const next = node.next as WaitingLink;
  prev.next = next;
  next.prev = prev;
  node.prev = node.next = null;
  return prev === next ? prev as WaitingSegment : null;
}
