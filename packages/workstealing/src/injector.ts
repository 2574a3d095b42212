import { ANONYMOUS_OWNER, type HolderCheck, MAX_LOCK_OWNER, OwnedMutex } from "@spindle/codec";
import { CANCEL_PENDING, INJECTED, NEXT, QUEUED, STATE } from "./job-record.ts";

/**
 * The global injector: the queue of jobs that belong to no worker yet (spawned by the runtime's
 * thread, or moved out of a full deque). A FIFO list linked through the records' `NEXT` words,
 * guarded by an {@linkcode OwnedMutex}; workers take a batch per lock.
 *
 * # Places, and jobs cancelled in the queue
 *
 * A job in the list holds a place: it counts in {@linkcode Injector.length}, which is what a
 * bounded queue (`queue: { limit }`), `queueSize` and the idle protocol read. Its record's state
 * says so: INJECTED (`job-record.ts`), set under the lock by the push and moved back to QUEUED,
 * under the lock, by the pop that takes it. A queued job that is cancelled while it is listed
 * ({@linkcode Injector.takeOut}: `abort()`, a signal, a deadline, a map's failed chunk) gives its
 * place back at once, under the lock: INJECTED → CANCEL_PENDING and LENGTH - 1. Its record stays
 * in the list, counted in DEAD instead, until a popper passes it and hands it on with its batch;
 * whoever runs the batch finds it cancelled (`claim` fails) and drops the queue's reference,
 * which frees it. No unlink from the middle of the list: the cancel is O(1), the list and its
 * dead-holder repair keep the shape they had (tokio's inject queue and crossbeam's queues remove
 * nothing either: a cancelled task is dropped when it is popped), and a bounded queue's
 * permit is what comes back at once (tokio's `batch_semaphore`: a dropped waiter hands its permit
 * on). A record pushed when already cancelled (a dead worker's job, cancelled while it was
 * requeued; a child cancelled in its deque, then moved here) takes no place: DEAD counts it from
 * the start.
 *
 * Exactly once: a place is given back by whoever moves the record's state out of INJECTED, the
 * popper (to QUEUED) or the canceller (to CANCEL_PENDING), both under the lock: the popper
 * subtracts only the records it moved, the canceller its own. A canceller that finds the record
 * QUEUED (in a deque, a slot, a popper's batch) cancels it without the lock and gives no place
 * back: it holds none. The push's compare-exchange QUEUED → INJECTED, also under the lock, decides
 * the race with such a canceller: a record it could not move holds no place.
 *
 * # Memory model
 *
 * `Atomics` operations are sequentially consistent (SC), and the {@linkcode OwnedMutex} orders
 * what is done under it before the next holder's section, plain accesses included:
 *
 * - `HEAD` and `TAIL` are plain: read and written only under the lock.
 * - `LENGTH` and `DEAD` are changed only under the lock, but read without it (`length`, and
 *   `popBatch`'s quick check), so they are `Atomics`. LENGTH is also what the idle protocol reads
 *   as "the injector holds work": a spawner's SC add, before its `notifyWork`, pairs with a
 *   parking machine's SC load in its last look (`idle.ts`, `notifyWork`). A reader may see a
 *   length that is about to change: a 0 read just before a push's add is covered by that push's
 *   `notifyWork`, and a stale non-zero read costs one needless lock. Each change of LENGTH is one
 *   SC operation made where the list's state changes (the push, the pop, the cancel), so a reader
 *   on any thread sees the exact count of places at some moment, never a sum of two words read
 *   at two moments. A canceller's subtract comes before its `abort()` returns, so the thread
 *   that aborted sees the place free on its next read.
 * - `NEXT` and `STATE` words live in the job records, which every thread reads and writes with
 *   `Atomics` (`job-record.ts`). Every `NEXT` read is under the lock (`popBatch`, `recover`).
 *   The writes outside the lock (the caller's links of a chain, `pushChain`'s end marker) go to
 *   records that no queue holds yet, so no other thread reads their `NEXT`, and they come before
 *   the pusher's `lock()`, so the lock orders them before any popper's reads, as it would plain
 *   writes. The link from the old tail is written under the lock. STATE leaves INJECTED only
 *   under the lock (the pop, `takeOut`, `recover`): outside it, other threads move it only out
 *   of QUEUED (`claim`, `cancelQueued`), with compare-exchanges that race with this file's.
 * - `PENDING_*` are plain, under the lock: what the holder is doing (see below).
 * - `ROOM` and `ROOM_WANTED`: the room watch of a spawner waiting for room (see `watchRoom`).
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
 * TAIL, LENGTH and DEAD are recomputed from that walk (the list ends where a `NEXT` is 0: a
 * chain's last `NEXT` is cleared before the lock), each record's state with them: one left QUEUED
 * (moved by the dead popper, or not yet by the dead pusher) becomes INJECTED again, unless a
 * canceller took it meanwhile; an INJECTED one holds a place, any other is dead. A canceller that
 * died in `takeOut` needs nothing more: its record is CANCEL_PENDING, dead by that count. A
 * holder that died between its lock and its first record loses the chain it was pushing, as one
 * that died just before the lock would.
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

  /**
   * How many jobs it holds (a moment ago): its places, the listed jobs not cancelled (see the
   * class doc); a cancelled job's record may still be listed until a popper passes it.
   */
  get length(): number {
    return Atomics.load(this.#control, this.#at + LENGTH);
  }

  /** Appends one job (its record QUEUED, or already cancelled: it then takes no place). */
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
    const heap = this.#heap.words; // read under the lock: covers the chain's records
    // Each record takes a place unless a canceller took it out of QUEUED first (a child cancelled
    // in its deque, a dead worker's job cancelled while it was requeued): the SC compare-exchange
    // pairs with cancelQueued's, which finds INJECTED afterwards and then waits for this lock.
    let places = 0;
    for (let id = first, k = 0; k < count; k++, id = Atomics.load(heap, id + NEXT)) {
      if (Atomics.compareExchange(heap, id + STATE, QUEUED, INJECTED) === QUEUED) places++;
    }
    const tail = control[at + TAIL] as number;
    if (tail === 0) control[at + HEAD] = first;
    else Atomics.store(heap, tail + NEXT, first);
    control[at + TAIL] = last;
    // The publication the idle protocol pairs with (class doc); poppers need only the lock.
    Atomics.add(control, at + LENGTH, places);
    if (places < count) Atomics.add(control, at + DEAD, count - places);
    // Before PENDING_FIRST's clearing: a pusher that dies before either has its push finished by
    // the recovery (pushFinishedFor says so), after both it finished it.
    trace?.moved();
    control[at + PENDING_FIRST] = 0;
    this.#mutex.unlock();
  }

  /**
   * Takes up to `max` jobs, oldest first, into `into`; returns how many. The records of cancelled
   * jobs still listed come with them (they hold no place): whoever runs the batch finds them
   * cancelled and drops the queue's reference. Lock-free when it looks empty. `trace` is told
   * what was taken under the lock (a machine's trace of its batch, for its death: a popper that
   * dies holding the lock has its pop undone instead, see `recover`). Tells a spawner waiting for
   * room when it freed places.
   */
  popBatch(into: number[], max: number, trace: BatchTrace | null = null): number {
    const control = this.#control;
    const at = this.#at;
    // The quick check without the lock (see the class doc for what a stale read costs): DEAD only
    // when no place is taken, so that the records of cancelled jobs are passed, and freed, by
    // the next worker that looks, not only after the next push.
    if (Atomics.load(control, at + LENGTH) === 0 && Atomics.load(control, at + DEAD) === 0) return 0;
    // From here HEAD, TAIL and the NEXT words of the listed records change only under this lock,
    // so the walk below sees one consistent list (empty if another popper emptied it meanwhile).
    this.#mutex.lock();
    const heap = this.#heap.words; // read under the lock: covers every record listed
    let id = control[at + HEAD] as number;
    control[at + PENDING_POP] = id; // the record a recovery undoes to (class doc)
    let taken = 0;
    let places = 0;
    while (id !== 0 && taken < max) {
      into.push(id);
      taken++;
      // INJECTED → QUEUED under the lock, the only place but takeOut and recover where STATE
      // leaves INJECTED: a record this moves held a place, one it cannot move was cancelled here
      // and gave its place back then (class doc). Before the NEXT load: the compare-exchange
      // takes the record's line for writing, which the load then hits, and the claim that follows
      // on this worker too.
      if (Atomics.compareExchange(heap, id + STATE, INJECTED, QUEUED) === INJECTED) places++;
      id = Atomics.load(heap, id + NEXT);
    }
    control[at + HEAD] = id;
    if (id === 0) control[at + TAIL] = 0;
    Atomics.sub(control, at + LENGTH, places);
    if (places < taken) Atomics.sub(control, at + DEAD, taken - places);
    if (taken > 0) trace?.traceBatch(into[into.length - taken] as number, taken);
    control[at + PENDING_POP] = 0;
    this.#mutex.unlock();
    if (places > 0) this.#roomFreed();
    return taken;
  }

  /**
   * Cancels job `id` if it holds a place here (its state INJECTED): under the lock, moves it to
   * CANCEL_PENDING and gives its place back at once (the record stays listed, dead, until a popper
   * passes it: see the class doc), then tells a spawner waiting for room; returns whether it did.
   * `false`: a popper took it first (it is QUEUED now, in that popper's batch), or it is in no
   * injector. The canceller's half of `JobRecords.cancelQueued`, which then writes the reason and
   * publishes CANCELLED.
   */
  takeOut(id: number): boolean {
    const control = this.#control;
    const at = this.#at;
    this.#mutex.lock();
    // Under the lock, as every move out of INJECTED (class doc): exactly one of this and the
    // popper's compare-exchange wins, and the winner alone changes LENGTH for this record. The
    // record stays allocated meanwhile: the caller's handle holds a reference, and the queue's
    // is dropped only by whoever takes it from a queue.
    const heap = this.#heap.words; // read under the lock: covers every record listed
    const took = Atomics.compareExchange(heap, id + STATE, INJECTED, CANCEL_PENDING) === INJECTED;
    if (took) {
      // SC, as every change of LENGTH (class doc); DEAD keeps the list's total for the quick check.
      Atomics.sub(control, at + LENGTH, 1);
      Atomics.add(control, at + DEAD, 1);
    }
    this.#mutex.unlock();
    if (took) this.#roomFreed();
    return took;
  }

  /**
   * Records of cancelled jobs still listed (see the class doc), a moment ago: with
   * {@linkcode Injector.length}, what the list holds.
   */
  get dead(): number {
    return Atomics.load(this.#control, this.#at + DEAD);
  }

  /**
   * Starts watching for room (places given back: a pop, a cancel); returns the counter to wait on
   * with {@linkcode Injector.waitForRoom}.
   */
  watchRoom(): number {
    // SC: ROOM_WANTED is set before ROOM is read, and a thread that gave places back (LENGTH
    // changed under the lock before) reads ROOM_WANTED before it bumps ROOM (#roomFreed): either
    // it sees the watch and bumps after our read (the wait returns), or our caller, which checks
    // the length after this, sees the room.
    Atomics.store(this.#control, this.#at + ROOM_WANTED, 1);
    return Atomics.load(this.#control, this.#at + ROOM);
  }

  /**
   * Waits, without blocking, until room may have freed since {@linkcode Injector.watchRoom}
   * returned `seen`, or `timeoutMs` passed; null when the counter has moved already.
   */
  waitForRoom(seen: number, timeoutMs: number): Promise<unknown> | null {
    // Paired with #roomFreed's add and notify, as in watchRoom.
    const wait = Atomics.waitAsync(this.#control, this.#at + ROOM, seen, timeoutMs);
    return wait.async ? wait.value : null;
  }

  /** Stops watching for room. */
  stopWatchingRoom(): void {
    Atomics.store(this.#control, this.#at + ROOM_WANTED, 0);
  }

  /** Places were given back: tells a spawner waiting for room. */
  #roomFreed(): void {
    // The unlocked check keeps a worker's batch free of a notify when nobody waits (see watchRoom).
    if (Atomics.load(this.#control, this.#at + ROOM_WANTED) === 0) return;
    Atomics.add(this.#control, this.#at + ROOM, 1);
    Atomics.notify(this.#control, this.#at + ROOM);
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
    let linked = false;
    for (let id = control[at + HEAD] as number; id !== 0; id = Atomics.load(heap, id + NEXT)) {
      if (id === first) linked = true;
      tail = id;
    }
    if (first !== 0 && !linked) {
      if (tail === 0) control[at + HEAD] = first;
      else Atomics.store(heap, tail + NEXT, first);
    }
    // The places and the dead, from each record's state (class doc). QUEUED → INJECTED is a
    // compare-exchange: a canceller may take such a record out of QUEUED meanwhile, without the
    // lock (it took it for a record in no injector), and then it is dead here.
    let length = 0;
    let dead = 0;
    tail = 0;
    for (let id = control[at + HEAD] as number; id !== 0; id = Atomics.load(heap, id + NEXT)) {
      Atomics.compareExchange(heap, id + STATE, QUEUED, INJECTED);
      if (Atomics.load(heap, id + STATE) === INJECTED) length++;
      else dead++;
      tail = id;
    }
    control[at + TAIL] = tail;
    control[at + PENDING_POP] = 0;
    control[at + PENDING_FIRST] = 0;
    // SC stores, as every change of LENGTH and DEAD (class doc).
    Atomics.store(control, at + LENGTH, length);
    Atomics.store(control, at + DEAD, dead);
    this.#mutex.unlock();
    if (length > 0) this.#roomFreed();
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
/** Records of cancelled jobs still listed: they hold no place (see the class doc). */
const DEAD = 6;
/** Bumped whenever places are given back while a spawner waits for room. */
const ROOM = 7;
/** 1 while a spawner waits for room. */
const ROOM_WANTED = 8;
/** Words of the control block an injector occupies. */
export const INJECTOR_WORDS = 9;
