import { Context } from "./context.ts";
import { budgetExhausted, budgetLeft } from "./coop-budget.ts";
import { drop, type Future, throwDropErrors } from "./future.ts";
import { PENDING } from "./poll.ts";
import { Task } from "./task.ts";
import { type RawWaker, type RawWakerVTable, rebindWaker, replaceWaker, Waker } from "./waker.ts";

/**
 * What joins tasks through their joiner slot instead of a waker per task: `joinAll`/`race`'s
 * {@linkcode ChildSet}, and a `TaskScope`'s entry for one of its tasks. A task polled with a waker
 * whose vtable is {@linkcode CHILD_SET_VTABLE} keeps the collector and `current` (the child's
 * index) and, when it settles, calls `settledChild` instead of waking anybody.
 */
export interface TaskCollector extends RawWaker<TaskCollector> {
  /** The index of the child being polled (what a task that registers keeps). */
  readonly current: number;
  /**
   * Task `task`, registered while child `index` was polled, settled with `outcome` (its error when
   * `failed`). Returns `true` when the collector took the outcome (the task counts as joined), or
   * `false` after waking the child so that its handle is polled for it.
   */
  settledChild(index: number, task: Future<unknown>, outcome: unknown, failed: boolean): boolean;
  /** Child `index` was woken: poll it again. */
  wakeChild(index: number): void;
}

/** The waker a child keeps (a clone): it names the child's index, and is its own raw waker. */
class ChildRef implements RawWaker<ChildRef> {
  readonly data: ChildRef = this;
  readonly vtable: RawWakerVTable<ChildRef> = CHILD_VTABLE;
  readonly set: TaskCollector;
  readonly index: number;

  constructor(set: TaskCollector, index: number) {
    this.set = set;
    this.index = index;
  }
}

const CHILD_VTABLE: RawWakerVTable<ChildRef> = {
  clone: (child) => child,
  wake: (child) => child.set.wakeChild(child.index),
  wakeByRef: (child) => child.set.wakeChild(child.index),
  drop: () => {},
};

/**
 * The vtable of the waker a child is polled with (borrowed), over a {@linkcode TaskCollector}: it
 * stands for the child being polled now (`set.current`). A task's join handle recognises it and
 * keeps the collector and the index itself instead of cloning a waker per child (see
 * `Task.poll`), as tokio's `JoinSet` links its tasks.
 */
export const CHILD_SET_VTABLE: RawWakerVTable<TaskCollector> = {
  clone: (set) => new ChildRef(set, set.current),
  wake: (set) => set.wakeChild(set.current),
  wakeByRef: (set) => set.wakeChild(set.current),
  drop: () => {},
};

/**
 * The children of `joinAll` and `race`. A child's waker records its index and wakes the parent, so
 * a parent poll polls only the children woken since the last one: n children cost O(woken) per
 * wake, not O(n). Children are polled through one shared context whose waker stands for the child
 * being polled; a child that keeps a waker clones it into one that names its index, so children
 * that never wait cost no waker at all, and a join handle that waits keeps the set and its index in
 * its task instead of a clone.
 */
export class ChildSet<T> implements TaskCollector {
  readonly data: TaskCollector = this as ChildSet<unknown>;
  readonly vtable: RawWakerVTable<TaskCollector> = CHILD_SET_VTABLE;
  /** The index of the child being polled. */
  current = -1;
  readonly #children: (Future<T> | null)[];
  readonly #cx: Context = new Context(Waker.fromRaw(this as ChildSet<unknown>));
  /** Children `[#swept, length)` were never polled: queued implicitly, in order, before `#woken`. */
  #swept = 0;
  /** Whether a child is in `#woken` (only children below `#swept` ever are). */
  readonly #isQueued: Uint8Array;
  /**
   * The children woken since their first poll, in order: `[#head, #end)` is the batch of this
   * parent poll, anything after `#end` was woken since it began (polled on the next one, so a
   * child that wakes itself cannot keep the parent in one poll forever).
   */
  readonly #woken: number[] = [];
  #head = 0;
  #end = 0;
  #parent: Waker | null = null;
  /** The output of the child that {@linkcode ChildSet.pollNext} last returned. */
  output: T | undefined = undefined;
  /**
   * With `collect`, every child's output by index: a child task that completes hands its value
   * here itself (`settledChild`), as `Promise.all` collects, instead of waking the parent to poll
   * its handle again; `null` for a set that returns outputs one at a time (`race`, `asCompleted`).
   */
  readonly outputs: T[] | null;
  /** How many children have not completed yet. */
  pending: number;

  /** A set of `children`; `collect` keeps their outputs in {@linkcode ChildSet.outputs}. */
  constructor(children: Future<T>[], collect = false) {
    this.#children = children;
    this.#isQueued = new Uint8Array(children.length);
    this.outputs = collect ? new Array(children.length) : null;
    this.pending = children.length;
  }

  /**
   * Task `task`, registered while child `index` was polled, settled with `output` (an error when
   * `failed`). When it completed and that child is the task itself, a collecting set keeps the
   * output, forgets the child, wakes the parent once the last child is in, and returns `true` (the
   * task's outcome is taken). Otherwise (a failure; the child is a future that polls the task, say
   * a `pollFn` that maps its value; or the set does not collect) it wakes the child as `wakeChild`
   * does and returns `false`: the parent polls the child, which polls the handle for the outcome.
   */
  settledChild(index: number, task: Future<unknown>, output: unknown, failed: boolean): boolean {
    const outputs = this.outputs;
    if (failed || outputs === null || this.#children[index] !== task) {
      this.wakeChild(index);
      return false;
    }
    this.#children[index] = null;
    outputs[index] = output as T;
    if (--this.pending === 0) this.#parent?.wakeByRef();
    return true;
  }

  /** Records that child `index` was woken and wakes the parent. */
  wakeChild(index: number): void {
    if (index < this.#swept && this.#isQueued[index] === 0) {
      this.#isQueued[index] = 1;
      this.#woken.push(index);
    }
    this.#parent?.wakeByRef();
  }

  /** Starts a parent poll: keeps the parent's waker and takes the children woken so far. */
  beginPoll(cx: Context): void {
    this.#parent = replaceWaker(this.#parent, cx.waker);
    this.#end = this.#woken.length;
  }

  /**
   * Polls the children never polled yet, then the woken children of this batch, until one is
   * ready: returns its index (its output is in `output`) or -1 when none of the rest is. A child's
   * error propagates to the caller.
   *
   * Once the task's cooperative budget is used up, every further child would answer `PENDING` and
   * wake itself: the rest of the batch, led by the child that found the budget empty, stays queued
   * in order, unpolled, for the parent's next poll, and the parent is woken for it. Polling them
   * anyway (or moving them to a new list) cost n²/128 steps for n ready children.
   *
   * A child that used the budget up itself (it completed operations in this poll, then was refused
   * one) goes behind the rest instead: kept first, a child looping over ready operations found the
   * budget gone on every parent poll and its siblings were never polled again, so
   * `race([busyLoop, yieldNow()])` never completed (tokio's `select!` polls every branch).
   */
  pollNext(): number {
    const children = this.#children;
    const count = children.length;
    const cx = this.#cx;
    while (this.#swept < count) {
      if (budgetExhausted()) {
        this.#parent?.wakeByRef(); // usually woken already; a spurious wake is harmless
        return -1;
      }
      // Tasks that have not settled keep this set as their joiner, a run of them at once: no poll
      // and no budget (the outcome is handed over by `settledChild`, or it wakes its child then).
      let swept = this.#swept;
      for (let child = children[swept]; child instanceof Task; child = children[swept]) {
        if (!child.joinInto(this as ChildSet<unknown>, swept)) break;
        if (++swept === count) break;
      }
      this.#swept = swept;
      if (swept === count) break;
      const index = this.#swept++;
      const left = budgetLeft();
      const output = this.#pollChild(index, cx);
      if (output !== PENDING) return index;
      const woken = this.#woken;
      if (budgetExhausted() && left <= 0 && woken[woken.length - 1] === index) {
        // The child found the budget empty and woke itself: put it back first, unswept, so that
        // children are first polled in order (a burst of sends goes out in the order written).
        woken.pop();
        this.#isQueued[index] = 0;
        this.#swept--;
      }
    }
    const woken = this.#woken;
    while (this.#head < this.#end) {
      if (budgetExhausted()) {
        this.#parent?.wakeByRef();
        return -1;
      }
      const index = woken[this.#head++] as number;
      this.#isQueued[index] = 0;
      const left = budgetLeft();
      const output = this.#pollChild(index, cx);
      if (output !== PENDING) return index;
      if (budgetExhausted() && left <= 0) {
        // As above: keep the child first instead of behind the children not polled yet.
        if (woken[woken.length - 1] === index) woken.pop();
        this.#isQueued[index] = 1;
        this.#head--;
      }
    }
    // The batch is done: drop it from the front of the list (what remains was woken meanwhile).
    woken.copyWithin(0, this.#head);
    woken.length -= this.#head;
    this.#head = this.#end = 0;
    return -1;
  }

  /** Polls child `index` unless it completed; when it completes now, keeps its output and forgets it. */
  #pollChild(index: number, cx: Context): unknown {
    const child = this.#children[index];
    if (child === null || child === undefined) return PENDING;
    this.current = index;
    // The context's waker is this set's own, bound once; a child that consumed it (a `wake()` on
    // the borrowed waker, not `wakeByRef()`) gets it bound again, so the next child still has one.
    const waker = cx.waker;
    if (waker.isConsumed) rebindWaker(waker, this as ChildSet<unknown>);
    const output = child.poll(cx);
    if (output !== PENDING) {
      this.#children[index] = null;
      this.pending--;
      const outputs = this.outputs;
      if (outputs === null) this.output = output;
      else outputs[index] = output;
    }
    return output;
  }

  /**
   * Drops every child that has not completed, and the parent's waker; then throws what the
   * children's clean-up threw (see `dropEach`).
   */
  dropAll(): void {
    const children = this.#children;
    let errors: unknown[] | null = null;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      children[i] = null;
      if (child === null || child === undefined) continue;
      try {
        drop(child);
      } catch (error) {
        (errors ??= []).push(error);
      }
    }
    this.dropParent();
    throwDropErrors(errors);
  }

  /** Drops the parent's waker (every child completed: {@linkcode ChildSet.dropAll} without the children). */
  dropParent(): void {
    this.#parent?.drop();
    this.#parent = null;
  }
}
