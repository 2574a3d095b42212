import { Mutex } from "@spindle/core";
import { NEXT } from "./job-record.ts";

/**
 * The global injector: the queue of jobs that belong to no worker yet (spawned by the runtime's
 * thread, or moved out of a full deque). A FIFO list linked through the records' `NEXT` words,
 * guarded by a {@linkcode Mutex}; workers take a batch per lock.
 *
 * # Memory model
 *
 * `Atomics` operations are sequentially consistent (SC), and the {@linkcode Mutex} orders what is
 * done under it before the next holder's section, plain accesses included (see `mutex.ts`):
 *
 * - `HEAD` and `TAIL` are plain: read and written only under the lock.
 * - `LENGTH` is changed only under the lock, but read without it (`length`, and `popBatch`'s
 *   quick check), so it is `Atomics`. It is also what the idle protocol reads as "the injector
 *   holds work": a spawner's SC add, before its `notifyWork`, pairs with a parking machine's SC
 *   load in its last look (`idle.ts`, `notifyWork`). A reader may see a length that is about to
 *   change: a 0 read just before a push's add is covered by that push's `notifyWork`, and a
 *   stale non-zero read costs one needless lock.
 * - `NEXT` words live in the job records, which every thread reads and writes with `Atomics`
 *   (`job-record.ts`), and follow that rule; this queue alone would not need it. Every `NEXT`
 *   read is under the lock (`popBatch`). The writes outside the lock (the caller's links of a
 *   chain, `pushChain`'s end marker) go to records that no queue holds yet, so no other thread
 *   reads their `NEXT`, and they come before the pusher's `lock()`, so the lock orders them
 *   before any popper's reads, as it would plain writes. The link from the old tail is written
 *   under the lock.
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
    // Before the lock: no queue holds `last` yet (see the class doc).
    Atomics.store(this.#heap, last + NEXT, 0);
    this.#mutex.lock();
    const tail = control[at + TAIL] as number;
    if (tail === 0) control[at + HEAD] = first;
    else Atomics.store(this.#heap, tail + NEXT, first);
    control[at + TAIL] = last;
    // The publication the idle protocol pairs with (class doc); poppers need only the lock.
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
    // The quick check without the lock (see the class doc for what a stale read costs).
    if (Atomics.load(control, at + LENGTH) === 0) return 0;
    const heap = this.#heap;
    // From here HEAD, TAIL and the NEXT words of the listed records change only under this lock,
    // so the walk below sees one consistent list (empty if another popper emptied it meanwhile).
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
