import { Mutex } from "@spindle/core";
import { NEXT } from "./job-record.ts";

/**
 * The global injector: the queue of jobs that belong to no worker yet (spawned by the runtime's
 * thread, or moved out of a full deque). A FIFO list linked through the records' `NEXT` words,
 * guarded by a {@linkcode Mutex}; workers take a batch per lock.
 *
 * `LENGTH` is also read without the lock (`Atomics.load`), as a cheap "is there anything?"
 * check: a reader may see a length that is about to change, which costs at most one needless
 * lock or one look that the next check repeats; nothing relies on it for correctness.
 */
export class Injector {
  readonly #control: Int32Array;
  readonly #heap: Int32Array;
  readonly #mutex: Mutex;
  readonly #at: number;

  /** The injector whose words start at `control[at]` ({@linkcode INJECTOR_WORDS} of them). */
  constructor(control: Int32Array, at: number, heap: Int32Array) {
    this.#control = control;
    this.#heap = heap;
    this.#at = at;
    this.#mutex = new Mutex(control, at + LOCK);
  }

  /** How many jobs it holds (a moment ago). */
  get length(): number {
    return Atomics.load(this.#control, this.#at + LENGTH);
  }

  /** Appends one job. */
  push(id: number): void {
    this.pushChain(id, id, 1);
  }

  /**
   * Appends `count` jobs already linked from `first` to `last` through `NEXT` (the caller built
   * the chain in records nobody else can see yet).
   */
  pushChain(first: number, last: number, count: number): void {
    const control = this.#control;
    const at = this.#at;
    Atomics.store(this.#heap, last + NEXT, 0);
    this.#mutex.lock();
    const tail = control[at + TAIL] as number;
    if (tail === 0) control[at + HEAD] = first;
    else Atomics.store(this.#heap, tail + NEXT, first);
    control[at + TAIL] = last;
    Atomics.add(control, at + LENGTH, count);
    this.#mutex.unlock();
  }

  /**
   * Takes up to `max` jobs, oldest first, into `into`; returns how many. Lock-free when it looks
   * empty.
   */
  popBatch(into: number[], max: number): number {
    const control = this.#control;
    const at = this.#at;
    if (Atomics.load(control, at + LENGTH) === 0) return 0;
    const heap = this.#heap;
    this.#mutex.lock();
    let id = control[at + HEAD] as number;
    let taken = 0;
    while (id !== 0 && taken < max) {
      into.push(id);
      taken++;
      id = Atomics.load(heap, id + NEXT);
    }
    control[at + HEAD] = id;
    if (id === 0) control[at + TAIL] = 0;
    Atomics.sub(control, at + LENGTH, taken);
    this.#mutex.unlock();
    return taken;
  }
}

const LOCK = 0;
const HEAD = 1;
const TAIL = 2;
const LENGTH = 3;
/** Words of the control block an injector occupies. */
export const INJECTOR_WORDS = 4;
