import { ANONYMOUS_OWNER, type HolderCheck, MAX_LOCK_OWNER, OwnedMutex } from "@spindle/codec";
import { NEXT } from "./job-record.ts";

/**
 * The global injector: the queue of jobs that belong to no worker yet (spawned by the runtime's
 * thread, or moved out of a full deque). A FIFO list linked through the records' `NEXT` words,
 * guarded by an {@linkcode OwnedMutex}; workers take a batch per lock.
 *
 * # Memory model
 *
 * `Atomics` operations are sequentially consistent (SC), and the {@linkcode OwnedMutex} orders
 * what is done under it before the next holder's section, plain accesses included:
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
 * - `PENDING_*` are plain, under the lock: what the holder is doing (see below).
 *
 * # A holder that dies
 *
 * A thread stopped inside a critical section (terminated, out of memory) would leave the lock
 * held, and the list half changed: a chain linked from the old tail but TAIL and LENGTH not yet
 * moved (the next push would then overwrite the link and lose the chain), or HEAD moved past jobs
 * that never reached the popper's deque (lost with it). So each section first records what it is
 * about to do: a push its chain (`PENDING_FIRST`), a pop the head it starts from
 * (`PENDING_POP`); both are cleared before the unlock. The runtime's thread, once it learns that
 * the holder died, takes the lock back ({@linkcode Injector.recover}) and repairs the list: an
 * unfinished pop is undone (HEAD goes back to where it was: a pop changes no `NEXT` word, and the
 * popper dies before it could use what it took, the unlock being the last step), an unfinished
 * push is completed (its chain is appended unless the walk from HEAD already reaches it), and
 * TAIL and LENGTH are recomputed from that walk (the list ends where a `NEXT` is 0: a chain's
 * last `NEXT` is cleared before the lock). A holder that died between its lock and its first
 * record loses the chain it was pushing, as one that died just before the lock would.
 */
export class Injector {
  readonly #control: Int32Array;
  /**
   * The heap the records are in: its `words` are read after the records in question became
   * known here (the lock taken, or the caller's own chain), as a `SharedHeap`'s fixed-length view
   * then covers them (see `SharedHeap.words`).
   */
  readonly #heap: { readonly words: Int32Array };
  readonly #mutex: OwnedMutex;
  readonly #at: number;

  /**
   * The injector whose words start at `control[at]` ({@linkcode INJECTOR_WORDS} of them), over
   * the records in `heap` (a `SharedHeap`, or anything whose `words` are the records' memory), used by
   * lock owner `owner` (this thread's number, for {@linkcode Injector.recover}), whose waits for
   * the lock give up after `patienceMs` and ask `checkHolder` about its holder (see
   * {@linkcode OwnedMutex}).
   */
  constructor(
    control: Int32Array,
    at: number,
    heap: { readonly words: Int32Array },
    owner: number = ANONYMOUS_OWNER,
    patienceMs: number = Infinity,
    checkHolder?: HolderCheck,
  ) {
    this.#control = control;
    this.#heap = heap;
    this.#at = at;
    this.#mutex = new OwnedMutex(control, at + LOCK, owner, patienceMs, "the injector's lock", checkHolder);
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
   * the chain in records nobody else can see yet). `trace` is told, under the lock, once they are
   * in (a deque's move, for its death: see `WorkDeque.takeOldest`).
   */
  pushChain(first: number, last: number, count: number, trace: PushTrace | null = null): void {
    const control = this.#control;
    const at = this.#at;
    // Before the lock: no queue holds `last` yet (see the class doc).
    Atomics.store(this.#heap.words, last + NEXT, 0);
    this.#mutex.lock();
    control[at + PENDING_FIRST] = first; // the chain a recovery completes (class doc)
    const tail = control[at + TAIL] as number;
    if (tail === 0) control[at + HEAD] = first;
    else Atomics.store(this.#heap.words, tail + NEXT, first); // read under the lock: covers `tail`
    control[at + TAIL] = last;
    // The publication the idle protocol pairs with (class doc); poppers need only the lock.
    Atomics.add(control, at + LENGTH, count);
    // Before PENDING_FIRST's clearing: a pusher that dies before either has its push finished by
    // the recovery (pushFinishedFor says so), after both it finished it.
    trace?.moved();
    control[at + PENDING_FIRST] = 0;
    this.#mutex.unlock();
  }

  /**
   * Takes up to `max` jobs, oldest first, into `into`; returns how many. Lock-free when it looks
   * empty. `trace` is told what was taken under the lock (a machine's trace of its batch, for its
   * death: a popper that dies holding the lock has its pop undone instead, see `recover`).
   */
  popBatch(into: number[], max: number, trace: BatchTrace | null = null): number {
    const control = this.#control;
    const at = this.#at;
    // The quick check without the lock (see the class doc for what a stale read costs).
    if (Atomics.load(control, at + LENGTH) === 0) return 0;
    // From here HEAD, TAIL and the NEXT words of the listed records change only under this lock,
    // so the walk below sees one consistent list (empty if another popper emptied it meanwhile).
    this.#mutex.lock();
    const heap = this.#heap.words; // read under the lock: covers every record listed
    let id = control[at + HEAD] as number;
    control[at + PENDING_POP] = id; // the record a recovery undoes to (class doc)
    let taken = 0;
    while (id !== 0 && taken < max) {
      into.push(id);
      taken++;
      id = Atomics.load(heap, id + NEXT);
    }
    control[at + HEAD] = id;
    if (id === 0) control[at + TAIL] = 0;
    Atomics.sub(control, at + LENGTH, taken);
    if (taken > 0) trace?.traceBatch(into[into.length - taken] as number, taken);
    control[at + PENDING_POP] = 0;
    this.#mutex.unlock();
    return taken;
  }

  /** The owner number of the thread that holds the lock now (0: nobody); see `OwnedMutex.holder`. */
  lockHolder(): number {
    return this.#mutex.holder();
  }

  /**
   * Whether `deadOwner`, a thread that ended, holds the lock in the middle of a pop, which
   * {@linkcode Injector.recover} then undoes. Before `recover`.
   */
  popUndoneBy(deadOwner: number): boolean {
    // After the owner's exit: the lock word and PENDING_POP are what it left (nobody else takes a
    // held lock but recover).
    const word = Atomics.load(this.#control, this.#at + LOCK);
    return (word & MAX_LOCK_OWNER) === deadOwner && this.#control[this.#at + PENDING_POP] !== 0;
  }

  /**
   * Whether `deadOwner`, a thread that ended, holds the lock in the middle of a push, which
   * {@linkcode Injector.recover} then finishes. Before `recover`.
   */
  pushFinishedBy(deadOwner: number): boolean {
    // As in popUndoneBy.
    const word = Atomics.load(this.#control, this.#at + LOCK);
    return (word & MAX_LOCK_OWNER) === deadOwner && this.#control[this.#at + PENDING_FIRST] !== 0;
  }

  /**
   * Takes the lock back from `deadOwner`, a thread that ended holding it, and repairs the list
   * (see the class doc); returns whether it held the lock.
   */
  recover(deadOwner: number): boolean {
    if (!this.#mutex.recover(deadOwner)) return false;
    const control = this.#control;
    const at = this.#at;
    const heap = this.#heap.words; // read under the lock: covers every record listed
    // Under the lock now, after the dead thread's exit: its writes are all visible (OwnedMutex).
    const popFrom = control[at + PENDING_POP] as number;
    if (popFrom !== 0) control[at + HEAD] = popFrom;
    const first = control[at + PENDING_FIRST] as number;
    let tail = 0;
    let length = 0;
    let linked = false;
    for (let id = control[at + HEAD] as number; id !== 0; id = Atomics.load(heap, id + NEXT)) {
      if (id === first) linked = true;
      tail = id;
      length++;
    }
    if (first !== 0 && !linked) {
      if (tail === 0) control[at + HEAD] = first;
      else Atomics.store(heap, tail + NEXT, first);
      for (let id = first; id !== 0; id = Atomics.load(heap, id + NEXT)) {
        tail = id;
        length++;
      }
    }
    control[at + TAIL] = tail;
    control[at + PENDING_POP] = 0;
    control[at + PENDING_FIRST] = 0;
    Atomics.store(control, at + LENGTH, length);
    this.#mutex.unlock();
    return true;
  }
}

/** Told by {@linkcode Injector.pushChain}, under the lock, that the chain is in. */
export interface PushTrace {
  moved(): void;
}

/** Told by {@linkcode Injector.popBatch}, under the lock, what it took: `count` jobs linked from `first`. */
export interface BatchTrace {
  traceBatch(first: number, count: number): void;
}

const LOCK = 0;
const HEAD = 1;
const TAIL = 2;
const LENGTH = 3;
/** The first record of the chain a holder is pushing (0: none); its last `NEXT` is 0. */
const PENDING_FIRST = 4;
/** The head a holder is popping from (0: none). */
const PENDING_POP = 5;
/** Words of the control block an injector occupies. */
export const INJECTOR_WORDS = 6;
