import { ANONYMOUS_OWNER, type HolderCheck, MAX_LOCK_OWNER, OwnedMutex } from "@spindle/codec";
import { CANCEL_PENDING, NEXT, PLACE, QUEUED, STATE } from "./job-record.ts";

/**
 * The global injector: the queue of jobs that belong to no worker yet (spawned by the runtime's
 * thread, or moved out of a full deque). A FIFO list linked through the records' `NEXT` words,
 * guarded by an {@linkcode OwnedMutex}; workers take a batch per lock.
 *
 * # Places, and jobs cancelled in the queue
 *
 * A job in the list holds a place: it counts in {@linkcode Injector.length}, which is what a
 * bounded queue (`queue: { limit }`), `queueSize` and the idle protocol read. Its record's PLACE
 * word says so (`job-record.ts`): 1 while it is listed and holds a place, else 0; set by the push
 * and cleared by the pop that takes it, both under the lock. A queued job that is cancelled while
 * it is listed gives its place back at once: every cancel of a queued job (`abort()`, a signal, a
 * deadline, a map's failed chunk, a cancelling shutdown) is made here, under the lock
 * ({@linkcode Injector.takeOut}): QUEUED → CANCEL_PENDING and, if PLACE is 1, PLACE 0 and
 * LENGTH - 1. Its record stays in the list, counted in DEAD instead, until a popper passes it and
 * hands it on with its batch; whoever runs the batch finds it cancelled (`claim` fails) and drops
 * the queue's reference, which frees it. No unlink from the middle of the list: the cancel is
 * O(1), the list and its dead-holder repair keep the shape they had (tokio's inject queue and
 * crossbeam's queues remove nothing either: a cancelled task is dropped when it is popped), and a
 * bounded queue's permit is what comes back at once (tokio's `batch_semaphore`: a dropped waiter
 * hands its permit on). A record pushed when already cancelled (a dead worker's job, cancelled
 * while it was requeued; a child cancelled in its deque, then moved here) takes no place: DEAD
 * counts it from the start.
 *
 * Exactly once: a place is given back by whoever clears PLACE, the popper or the canceller, both
 * under the lock: the popper subtracts only the places it cleared, the canceller its own. The
 * record's STATE does not change in the list (a listed job is QUEUED, as in a deque): a push, a
 * pop and a cancel are serialized by the lock, so the push's look at STATE and the PLACE it sets
 * are one step for a canceller. Outside the lock STATE leaves QUEUED only by a worker's `claim`,
 * which comes after a pop (or a steal) and races only with the canceller's compare-exchange, as it
 * did before the injector counted places. The rare cancel pays for this with a lock; the push and
 * the pop, which hold the lock anyway, pay plain reads and writes of words only lock holders
 * touch: no `Atomics` operation per job beyond the lock's and LENGTH's, where an INJECTED state
 * moved in and out by compare-exchanges in the push and the pop cost two more (V8 calls a
 * builtin for each `Atomics` operation, 125-160 instructions, against a few for a plain access:
 * callgrind, Node 24).
 *
 * # Memory model
 *
 * `Atomics` operations are sequentially consistent (SC), and the {@linkcode OwnedMutex} orders
 * what is done under it before the next holder's section, plain accesses included (its lock and
 * unlock are SC compare-exchanges on one word: a holder's writes happen-before the next holder's
 * reads). Plain typed-array accesses to shared memory carry no order of their own: a racing read
 * may return any value a racing write stored (an aligned Int32 access does not tear), which is
 * harmless where every such value means the same (see `work-deque.ts`, "Memory model"). Hence:
 *
 * - `HEAD` and `TAIL` are plain: read and written only under the lock.
 * - `LENGTH` and `DEAD` are changed only under the lock, but read without it (`length`, `dead`,
 *   and `popBatch`'s quick check), so they are changed with `Atomics` (the quick check reads
 *   DEAD plain: see there). LENGTH is also what the idle protocol reads
 *   as "the injector holds work": a spawner's SC add, before its `notifyWork`, pairs with a
 *   parking machine's SC load in its last look (`idle.ts`, `notifyWork`). A reader may see a
 *   length that is about to change: a 0 read just before a push's add is covered by that push's
 *   `notifyWork`, and a stale non-zero read costs one needless lock. Each change of LENGTH is one
 *   SC operation made where the list's state changes (the push, the pop, the cancel), so a reader
 *   on any thread sees the exact count of places at some moment, never a sum of two words read
 *   at two moments. A canceller's subtract comes before its `abort()` returns, so the thread
 *   that aborted sees the place free on its next read.
 * - `NEXT` and `PLACE` live in the job records, and are plain: read and written under the lock
 *   (`popBatch`, `takeOut`, `recover`; `pushChain` also reads the links of its own chain), and
 *   otherwise only in records that no queue holds yet: the caller's links of a chain and
 *   `pushChain`'s end marker (before the pusher's `lock()`, whose SC compare-exchange orders them
 *   before any later holder's reads), and PLACE's 0 when the record is made (before its id is
 *   published: `JobRecords.create`). The one reader outside the lock is the runtime's thread
 *   walking the batch of a popper that died after its pop (`Processor.heldJobs`): after that
 *   thread's exit, which orders everything the pushers and the popper did before it.
 * - `STATE` is every thread's (`job-record.ts`), written only with `Atomics`. The push reads it
 *   plain, under the lock: a cancel made before the push's lock happens-before the read, so the
 *   read sees CANCEL_PENDING or what the canceller stores after its unlock (CANCELLED, NO_ROOM,
 *   UNWRITTEN), never QUEUED; and with no cancel made before, it is QUEUED, and stays so until
 *   the unlock (no canceller can take the lock meanwhile, and no worker claims a record that is
 *   being pushed: nobody else has it). The cancel's compare-exchange, under the lock, races only
 *   with `claim`'s, which it pairs with. The pop does not read it.
 * - `PENDING_*` are plain, under the lock: what the holder is doing (see below).
 * - `ROOM_WANTED`: whether a spawner waits for room, set under the lock (see `watchRoom`) and read
 *   there, plain, by whoever gives places back. `ROOM` is the counter that spawner waits on:
 *   `Atomics`.
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
 * chain's last `NEXT` is cleared before the lock), each record's PLACE with them: 1 if it is
 * QUEUED, else 0 (it was cancelled). That covers a dead popper's records (PLACE cleared, still
 * QUEUED: no cancel could take the lock since), a dead pusher's (PLACE not set yet), and a
 * canceller that died in `takeOut` (its record CANCEL_PENDING, PLACE maybe still 1). A holder
 * that died between its lock and its first record loses the chain it was pushing, as one that
 * died just before the lock would.
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
    // Plain, before the lock: no queue holds `last` yet (class doc, "Memory model").
    this.#heap.words[last + NEXT] = 0;
    this.#mutex.lock();
    control[at + PENDING_FIRST] = first; // the chain a recovery completes (class doc)
    const heap = this.#heap.words; // read under the lock: covers the chain's records and the tail
    // Each record takes a place unless it was cancelled before (a child cancelled in its deque, a
    // dead worker's job cancelled while it was requeued). Plain reads of STATE: every cancel is
    // made under this lock, so the read sees QUEUED exactly when no cancel came first, and none
    // comes until the unlock (class doc, "Memory model"). PLACE is 0 in a record no queue holds.
    let places = 0;
    for (let id = first, k = 1;; k++) {
      if (heap[id + STATE] === QUEUED) {
        heap[id + PLACE] = 1;
        places++;
      }
      if (k === count) break;
      id = heap[id + NEXT] as number;
    }
    const tail = control[at + TAIL] as number;
    if (tail === 0) control[at + HEAD] = first;
    else heap[tail + NEXT] = first;
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
    // the next worker that looks, not only after the next push. DEAD's read is plain: it races
    // with the SC changes made under the lock, and returns a value one of them stored; a stale 0
    // leaves those records for a later look, as a parking machine does (its last look reads
    // LENGTH only), and spares every look at an empty injector an `Atomics` load.
    if (Atomics.load(control, at + LENGTH) === 0 && control[at + DEAD] === 0) return 0;
    // From here HEAD, TAIL and the NEXT and PLACE words of the listed records change only under
    // this lock, so the walk below sees one consistent list (empty if another popper emptied it
    // meanwhile).
    this.#mutex.lock();
    const heap = this.#heap.words; // read under the lock: covers every record listed
    let id = control[at + HEAD] as number;
    control[at + PENDING_POP] = id; // the record a recovery undoes to (class doc)
    let taken = 0;
    let places = 0;
    while (id !== 0 && taken < max) {
      into.push(id);
      taken++;
      // Plain, under the lock (class doc): a record whose place this clears held one, one with
      // PLACE 0 was cancelled and gave its place back then. Its STATE stays QUEUED for its claim.
      if (heap[id + PLACE] === 1) {
        heap[id + PLACE] = 0;
        places++;
      }
      id = heap[id + NEXT] as number;
    }
    control[at + HEAD] = id;
    if (id === 0) control[at + TAIL] = 0;
    Atomics.sub(control, at + LENGTH, places);
    if (places < taken) Atomics.sub(control, at + DEAD, taken - places);
    if (taken > 0) trace?.traceBatch(into[into.length - taken] as number, taken);
    control[at + PENDING_POP] = 0;
    const roomWanted = places > 0 && control[at + ROOM_WANTED] !== 0; // plain, under the lock (watchRoom)
    this.#mutex.unlock();
    if (roomWanted) this.#roomFreed();
    return taken;
  }

  /**
   * Cancels queued job `id`, wherever it waits (this injector, a deque, a slot, a popper's batch):
   * under the lock, moves it QUEUED → CANCEL_PENDING and, if it holds a place here, gives the
   * place back at once (the record stays listed, dead, until a popper passes it: see the class
   * doc), then tells a spawner waiting for room; returns whether it cancelled it. `false`: a
   * worker claimed it first, or it was cancelled already. The first half of
   * `JobRecords.cancelQueued`, which then writes the reason and publishes CANCELLED.
   */
  takeOut(id: number): boolean {
    const control = this.#control;
    const at = this.#at;
    this.#mutex.lock();
    // The record stays allocated meanwhile: the caller's handle holds a reference (or, in a
    // cancelling shutdown, the queue's, which the runtime took with the job).
    const heap = this.#heap.words; // read under the lock: covers every record listed
    // The partner of claim's compare-exchange, which does not take the lock: exactly one of the
    // two moves STATE out of QUEUED. Under the lock, so that no push reads STATE between this and
    // the PLACE below (class doc).
    const took = Atomics.compareExchange(heap, id + STATE, QUEUED, CANCEL_PENDING) === QUEUED;
    // Plain, under the lock. 1: listed and not yet passed by a popper; a record claim could race
    // for is not listed (it was popped or stolen first), and its PLACE is 0.
    const freed = took && heap[id + PLACE] === 1;
    if (freed) {
      heap[id + PLACE] = 0;
      // SC, as every change of LENGTH (class doc); DEAD keeps the list's total for the quick check.
      Atomics.sub(control, at + LENGTH, 1);
      Atomics.add(control, at + DEAD, 1);
    }
    const roomWanted = freed && control[at + ROOM_WANTED] !== 0; // plain, under the lock (watchRoom)
    this.#mutex.unlock();
    if (roomWanted) this.#roomFreed();
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
    const control = this.#control;
    const at = this.#at;
    // Under the lock, where whoever gives places back reads ROOM_WANTED (a pop, a cancel, a
    // recovery; plain, as the lock orders it): a holder after this section sees the watch and
    // bumps ROOM after the read below (the wait returns); one before gave its places back before
    // our lock, and our caller, which checks the length after this, sees the room. A rare call
    // (a spawner waiting for room), where the pops it lets read ROOM_WANTED without an `Atomics`
    // load are every worker's.
    this.#mutex.lock();
    control[at + ROOM_WANTED] = 1;
    const seen = Atomics.load(control, at + ROOM); // SC, as #roomFreed's add
    this.#mutex.unlock();
    return seen;
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
    // Without the lock (it never throws, in the caller's `finally`): a holder's plain read that
    // races with this store sees 1 or 0, and a 1 costs one needless bump. The next watchRoom's 1,
    // stored after this by the same thread, is the one the holders after that section see.
    Atomics.store(this.#control, this.#at + ROOM_WANTED, 0);
  }

  /** Places were given back while a spawner watches for room (read under the lock): tells it. */
  #roomFreed(): void {
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
    for (let id = control[at + HEAD] as number; id !== 0; id = heap[id + NEXT] as number) {
      if (id === first) linked = true;
      tail = id;
    }
    if (first !== 0 && !linked) {
      if (tail === 0) control[at + HEAD] = first;
      else heap[tail + NEXT] = first;
    }
    // The places and the dead, from each record's state (class doc): no canceller can change a
    // QUEUED one meanwhile (this thread holds the lock), and a cancelled one stays cancelled.
    let length = 0;
    let dead = 0;
    tail = 0;
    for (let id = control[at + HEAD] as number; id !== 0; id = heap[id + NEXT] as number) {
      const place = Atomics.load(heap, id + STATE) === QUEUED ? 1 : 0;
      heap[id + PLACE] = place;
      length += place;
      dead += 1 - place;
      tail = id;
    }
    control[at + TAIL] = tail;
    control[at + PENDING_POP] = 0;
    control[at + PENDING_FIRST] = 0;
    // SC stores, as every change of LENGTH and DEAD (class doc).
    Atomics.store(control, at + LENGTH, length);
    Atomics.store(control, at + DEAD, dead);
    const roomWanted = length > 0 && control[at + ROOM_WANTED] !== 0; // plain, under the lock (watchRoom)
    this.#mutex.unlock();
    if (roomWanted) this.#roomFreed();
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
/** 1 while a spawner waits for room (set and read under the lock, see watchRoom). */
const ROOM_WANTED = 8;
/** Words of the control block an injector occupies. */
export const INJECTOR_WORDS = 9;
