/**
 * A Chase–Lev work-stealing deque of job ids in shared memory. Internal to the runtime.
 *
 * Every worker thread builds a {@linkcode WorkDeque} over the same words of one `Int32Array`
 * (over a `SharedArrayBuffer`). Exactly one thread, the owner, pushes and pops at the bottom
 * (LIFO); any thread steals at the top (FIFO). The capacity is fixed: when `push` reports full,
 * the runtime moves half of the deque to its global injector (tokio's overflow).
 *
 * Layout, in Int32 words from `offset` (the header constants below):
 *
 * ```text
 * [TOP_WORD]     top: position of the oldest job; only ever advanced, by the holder of the steal
 *                lock (a thief, or the runtime's thread)
 * [LOCK_WORD]    the steal lock: 0, or the taker number of the thread that holds it
 * [BOTTOM_WORD]  bottom: position one past the newest job; written by the owner only
 * [BOTTOM_WORD+1 ..] the owner's take traces (plain words, see below)
 * [SLOTS_WORD..] capacity slots; position p lives in slot p & (capacity - 1)
 * ```
 *
 * # Takes that survive the taker's death
 *
 * A thread may end at any call (V8's out-of-memory end, `terminate()`). Every take is exact
 * afterwards: the runtime's thread, once the taker's thread has exited, knows which jobs it took
 * ({@linkcode WorkDeque.recoverDeadOwnerPop}, {@linkcode WorkDeque.recoverDeadThief}). Two things
 * make that possible. First, top moves only under the steal lock, whose word names its holder:
 * the owner never moves top (it takes the last job under the lock, by leaving bottom on it), so
 * while a dead thread holds the lock, how far top moved since the dead thread read it is exactly
 * what that thread took. Second, each taker leaves a trace in its own deque's header before its
 * take becomes visible: the position it pops, or the victim, the top it read and where in its own
 * deque it copies the jobs it steals. Traces are plain words, written and cleared by the deque's
 * owner only and read by the runtime only after the owner's thread exited (the host reports the
 * exit after the thread ended, which orders every write of the thread before the read); the owner
 * clears them once its processor named the first job taken ({@linkcode WorkDeque.named}).
 *
 * Jobs sit at positions top ≤ p < bottom. Zeroed memory is an empty deque. top and bottom sit
 * 128 bytes apart (and the slots 128 bytes further) so that thieves hammering top and the lock do not
 * keep stealing the owner's cache line: this helps only when `offset` is a multiple of 32 words,
 * and {@linkcode WorkDeque.words} is a multiple of 32 so that deques laid end to end stay aligned.
 *
 * # Memory model
 *
 * Every `Atomics` operation is sequentially consistent (SC): all of them, on all threads, fall in
 * one total order consistent with each thread's program order, and an `Atomics.store` read by an
 * `Atomics.load` (or CAS) makes everything the storing thread did before it happen-before
 * everything the loading thread does after it. Plain typed-array accesses to shared memory are
 * "unordered": they carry no ordering of their own, a racing read may return any value a racing
 * write stored (an aligned Int32 access does not tear), and there is no undefined behaviour, so a
 * racy read whose value is then thrown away is harmless. Hence:
 *
 * - top is read and written only with `Atomics`, and written only by the steal lock's holder;
 * - the steal lock is taken by an SC compare-exchange 0 → taker and released by an SC store of 0,
 *   so each holder's moves of top happen-before the next holder's loads;
 * - bottom is written with `Atomics.store` (this is what publishes the slot writes before it) and
 *   read with `Atomics.load` by other threads; the owner reads its own bottom with a plain read,
 *   which sees its own last write because no other thread writes bottom;
 * - slots are plain: the owner writes a slot before the bottom store that covers it, and a reader
 *   reads it only after an `Atomics.load` of bottom returned a value covering it, so the write
 *   happens-before the read. A thief reads slot t only under the lock with top = t, so the owner,
 *   whose push reuses a slot only once top passed its previous position, is not writing it.
 *
 * crossbeam-deque needs an SC fence in `pop` (between storing bottom and loading top) and in
 * `steal` (between loading top and loading bottom); here both loads and the store are SC
 * `Atomics` operations, which is at least as strong.
 *
 * # Wrapping indices
 *
 * top and bottom are int32 positions that wrap after 2^32 increments (they turn negative after
 * 2^31). All arithmetic is wrapping (`(a + 1) | 0`, `(b - t) | 0`): the true distance
 * bottom − top lies in [−1, capacity] and capacity ≤ 2^30, so the int32 difference is exact
 * whatever the wrap; `p & mask` picks the same slot for p and p + 2^32 because the capacity
 * divides 2^32. No take compares top with a value read before the lock, so there is no ABA.
 *
 * The lock costs a thief a compare-exchange and a store where Chase–Lev has one CAS of top, and
 * the owner the same on the last job only (crossbeam-deque and tokio's queue are lock-free; they
 * need not survive a taker that ends between two instructions).
 */

/** Nothing to take. */
export const EMPTY = -1;

/** Another thread holds the steal lock; try again (this is not "empty"). */
export const RETRY = -2;

/** Header word (from `offset`) holding top. */
export const TOP_WORD = 0;

/** Header word (from `offset`) holding the steal lock, beside top. */
export const LOCK_WORD = 1;

/** Header word (from `offset`) holding bottom, 128 bytes after top. */
export const BOTTOM_WORD = 32;

// The owner's take traces, on bottom's line (only the owner writes either): plain words.
/** 1 while a pop, from POP_AT's position, is not named yet. */
const POPPING = BOTTOM_WORD + 1;
const POP_AT = BOTTOM_WORD + 2;
/** 1 while a stealHalfInto into this deque is not named yet; the rest describe it. */
const STEALING = BOTTOM_WORD + 3;
const STEAL_VICTIM = BOTTOM_WORD + 4;
const STEAL_TOP = BOTTOM_WORD + 5;
const STEAL_FIRST = BOTTOM_WORD + 6;
const STEAL_INTO = BOTTOM_WORD + 7;
const STEAL_TAKEN = BOTTOM_WORD + 8;
/**
 * 1 while the owner moves the oldest jobs out of its full deque (takeOldest), 2 once they reached
 * their new queue; the top it read and how many it takes.
 */
const MOVING = BOTTOM_WORD + 9;
const MOVE_TOP = BOTTOM_WORD + 10;
const MOVE_COUNT = BOTTOM_WORD + 11;

/** Header size: the first slot's word (from `offset`), 128 bytes after bottom. */
export const SLOTS_WORD = 64;

/** How long the runtime's thread waits for a steal lock held by a live thief (a few stores) before it asks again later. */
const LIVE_HOLDER_MS = 5;

/** Largest capacity: keeps bottom − top exact in int32 arithmetic. */
const MAX_CAPACITY = 2 ** 30;

/**
 * A Chase–Lev deque of job ids (int32 ≥ 0) over a region of a shared `Int32Array`. Each thread
 * builds its own instance over the same region; the owner calls `push` and `pop`, any thread
 * `steal`, `stealHalfInto`, `length` and `isEmpty`.
 */
export class WorkDeque {
  /** Int32 words the deque needs for `capacity` slots (header + slots, a multiple of 32). */
  static words(capacity: number): number {
    checkCapacity(capacity);
    return SLOTS_WORD + Math.ceil(capacity / 32) * 32;
  }

  /** The number of slots (a power of two). */
  readonly capacity: number;
  /** Its number among the deques of one view (a processor's index), named in thieves' traces. */
  readonly index: number;
  readonly #view: Int32Array;
  readonly #base: number;
  readonly #top: number;
  readonly #lock: number;
  readonly #bottom: number;
  readonly #slots: number;
  readonly #mask: number;
  readonly #taker: number;
  /**
   * Owner side: a lower bound of top. Any value top ever had is one, since top only advances, so
   * `push` needs no load of top (an `Atomics` call, ~10 ns on V8) until this bound says full.
   * Compared unsigned, a bound behind by 2^31 or more (another instance of the same deque pushed
   * meanwhile) also counts as full and is refreshed; one behind by exactly a multiple of 2^32 would
   * not (another instance pushing 4.3 billion jobs meanwhile: the runtime has one owner per deque).
   */
  #topBound = 0;

  /**
   * A deque over `view[offset .. offset + WorkDeque.words(capacity))`; all threads pass the same
   * numbers. Zeroed memory is an empty deque. `capacity` is a power of two ≤ 2^30. The view may
   * be over a plain `ArrayBuffer` (one thread only). `index` numbers the deque among those of the
   * view (thieves' traces name their victim by it); `taker` (≥ 1) numbers this thread among those
   * that take from the deque, distinct per thread, so that the steal lock names its holder.
   */
  constructor(view: Int32Array, offset: number, capacity: number, index = 0, taker = 1) {
    const words = WorkDeque.words(capacity);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + words > view.length) {
      throw new RangeError(
        `a deque of capacity ${capacity} needs ${words} words from offset ${offset}; the view has ${view.length}`,
      );
    }
    if (!Number.isInteger(taker) || taker < 1 || taker > 0x7fff_ffff) {
      throw new RangeError(`a deque's taker number must be an integer from 1 to 2^31 - 1, got ${taker}`);
    }
    this.capacity = capacity;
    this.index = index;
    this.#view = view;
    this.#base = offset;
    this.#top = offset + TOP_WORD;
    this.#lock = offset + LOCK_WORD;
    this.#bottom = offset + BOTTOM_WORD;
    this.#slots = offset + SLOTS_WORD;
    this.#mask = capacity - 1;
    this.#taker = taker;
  }

  /** Owner only. Pushes `job` (an int32 ≥ 0) at the bottom; false when the deque is full. */
  push(job: number): boolean {
    if (job < 0 || (job | 0) !== job) throw badJob(job);
    const view = this.#view;
    // Plain read: only the owner (this thread) writes bottom.
    const b = view[this.#bottom]!;
    // A lower bound of top (stale, hence smaller) only makes the deque look fuller; it never lets
    // the write below land on a slot a thief may still take: the job at position p can be taken
    // only while top ≤ p, and we write position b only when b − bound < capacity, i.e. once top
    // has passed b − capacity, the previous user of this slot. When the bound says full, load top
    // itself (atomically: thieves write it) and look again.
    if (((b - this.#topBound) >>> 0) >= this.capacity) {
      const t = Atomics.load(view, this.#top);
      this.#topBound = t;
      if (((b - t) | 0) >= this.capacity) return false;
    }
    // Plain write: no thread reads this slot before the bottom store below covers it.
    view[this.#slots + (b & this.#mask)] = job;
    // SC store (the release): a thief whose Atomics.load of bottom returns b + 1 or later is
    // ordered after this store, and therefore after the slot write before it.
    Atomics.store(view, this.#bottom, (b + 1) | 0);
    return true;
  }

  /**
   * Owner only. The most recently pushed job, without taking it, or `EMPTY`: what {@linkcode
   * WorkDeque.pop} would return unless thieves take it first (then `pop` returns `EMPTY`: only the
   * owner pushes, and thieves take from the top).
   */
  peek(): number {
    const view = this.#view;
    // Plain read of bottom: only the owner writes it. The SC load of top sees every thief's move
    // that came before it; one that comes after may take the job, which `pop` then finds.
    const b = (view[this.#bottom]! - 1) | 0;
    if (((b - Atomics.load(view, this.#top)) | 0) < 0) return EMPTY;
    // Plain read: this thread wrote the slot, and no other thread writes slots.
    return view[this.#slots + (b & this.#mask)]!;
  }

  /**
   * Owner only. Pops the most recently pushed job, or `EMPTY`. Its trace (POPPING, POP_AT) stays
   * until the owner calls {@linkcode WorkDeque.named}.
   */
  pop(): number {
    const view = this.#view;
    const b = (view[this.#bottom]! - 1) | 0;
    // The trace, before the reservation below makes the take visible (plain: see the class doc).
    view[this.#base + POP_AT] = b;
    view[this.#base + POPPING] = 1;
    // Reserve position b, then look at top. Both are SC, so the load cannot move before the store
    // (crossbeam's SC fence). Why len > 0 below means no thief can take position b: a thief takes
    // b only by storing top = b + 1 after an SC load that saw top = b (in stealHalfInto, its own
    // store that left top = b) and then an SC load of bottom that saw a value > b, i.e. one stored
    // before this store (a later push stores b + 1 again, but that is a new job at b). So its top
    // load precedes our top load in the SC order, yet saw a larger value (b > t): impossible,
    // since top only advances.
    Atomics.store(view, this.#bottom, b);
    const t = Atomics.load(view, this.#top);
    const len = (b - t) | 0;
    if (len < 0) {
      // Was empty: undo the reservation. Atomic, since thieves load bottom concurrently.
      Atomics.store(view, this.#bottom, (b + 1) | 0);
      view[this.#base + POPPING] = 0;
      return EMPTY;
    }
    // Plain read: this thread wrote the slot, and no other thread writes slots.
    const job = view[this.#slots + (b & this.#mask)]!;
    if (len > 0) return job;
    // The last job (top = b): a thief that loaded bottom before our reservation may be taking it.
    // Thieves take only under the steal lock, so under it top says who won: still b, nobody, and
    // none can now (a thief that locks after us loads bottom = b = top: empty), so the job is ours
    // and the deque stays empty at bottom = top = b, top unmoved; b + 1, a thief took it: restore
    // bottom (SC, thieves load it) to top. The owner never moves top, which is what makes a dead
    // taker's take exact (class doc).
    this.#lockWaiting(Infinity);
    const won = Atomics.load(view, this.#top) === t;
    if (!won) {
      Atomics.store(view, this.#bottom, (b + 1) | 0);
      view[this.#base + POPPING] = 0;
    }
    this.#unlock();
    return won ? job : EMPTY;
  }

  /**
   * Owner only: its processor named the job its last pop or steal took, so that job's trace can
   * go (see the class doc).
   */
  named(): void {
    // Plain: the traces are the owner's words, read only after its thread exited.
    this.#view[this.#base + POPPING] = 0;
    this.#view[this.#base + STEALING] = 0;
  }

  /** Any thread (also the owner). Takes the oldest job, or `EMPTY`, or `RETRY` (another thread holds the steal lock). */
  steal(): number {
    const view = this.#view;
    if (!this.#tryLock()) return RETRY;
    // Top first, then bottom: the order crossbeam enforces with an SC fence, here by SC loads.
    // Seeing bottom > t from the SC load of bottom orders the owner's write of slot t before our
    // read of it. Under the lock, nobody else moves top.
    const t = Atomics.load(view, this.#top);
    const b = Atomics.load(view, this.#bottom);
    let job = EMPTY;
    if (((b - t) | 0) > 0) {
      job = view[this.#slots + (t & this.#mask)]!;
      // SC store (the take): pop's argument shows the owner cannot take position t meanwhile.
      Atomics.store(view, this.#top, (t + 1) | 0);
    }
    this.#unlock();
    return job;
  }

  /**
   * Steals about half of this deque: ceil(length / 2) jobs, at most `limit` (≥ 1) and at most one
   * more than `into` has room for. Returns the oldest stolen job, for the caller to run now, and
   * pushes the others onto `into`'s bottom oldest first, so `into.pop()` gives the newest of them
   * first (the order this deque's owner would have run them in) and thieves of `into` take the
   * oldest first. Returns `EMPTY`, or `RETRY` when another thread holds the steal lock. The caller
   * must be `into`'s owner, `into` another deque of the same view; the steal's trace in `into`
   * stays until the caller calls `into.named()`.
   *
   * Jobs are taken one store of top at a time, re-reading bottom before each (crossbeam-deque's
   * LIFO batch steal). One store over several positions would be wrong: the owner pops without
   * the lock while it sees top < bottom, so with 3 jobs a thief claiming t, t + 1 could lose t + 1
   * to the owner's second pop, and both would run it.
   */
  stealHalfInto(into: WorkDeque, limit: number): number {
    if (!(limit >= 1)) throw new RangeError(`the batch limit must be ≥ 1, got ${limit}`);
    const view = this.#view;
    if (!this.#tryLock()) return RETRY;
    const t0 = Atomics.load(view, this.#top);
    let b = Atomics.load(view, this.#bottom);
    const len = (b - t0) | 0;
    if (len <= 0) {
      this.#unlock();
      return EMPTY;
    }

    // Room in `into`: we own it, so its bottom only moves here, and its top only grows (its
    // thieves), so the room can only grow after this reading. Same argument as in push; the load
    // of top also refreshes its lower bound.
    const intoView = into.#view;
    const trace = into.#base;
    let db = intoView[into.#bottom]!;
    const intoTop = Atomics.load(intoView, into.#top);
    into.#topBound = intoTop;
    const room = into.capacity - ((db - intoTop) | 0);
    const n = Math.min((len + 1) >>> 1, Math.floor(limit), room + 1);

    // The first job, exactly as steal() takes it, after the trace (plain, our own deque's words:
    // see the class doc) that says what a death from here on took: top's rise from t0, the first
    // job, the others copied into `into` from position db before each further rise.
    const first = view[this.#slots + (t0 & this.#mask)]!;
    intoView[trace + STEAL_VICTIM] = this.index;
    intoView[trace + STEAL_TOP] = t0;
    intoView[trace + STEAL_FIRST] = first;
    intoView[trace + STEAL_INTO] = db;
    intoView[trace + STEALING] = 1;
    let t = (t0 + 1) | 0;
    Atomics.store(view, this.#top, t);

    const start = db;
    for (let i = 1; i < n; i++) {
      // Each further job is a steal() whose load of top is our own store (SC, and nobody else moves
      // top under the lock). Bottom must be loaded again after it: since we read it, the owner may
      // have popped down into the range we meant to take (without the lock while it saw
      // top < bottom), and this SC load, ordered after our store, sees any such pop's store.
      b = Atomics.load(view, this.#bottom);
      if (((b - t) | 0) <= 0) break;
      // Plain write into our own deque before the take, so a death after the take leaves it
      // there; published by the bottom store after the loop (push), or by the runtime's recovery.
      intoView[into.#slots + (db & into.#mask)] = view[this.#slots + (t & this.#mask)]!;
      db = (db + 1) | 0;
      t = (t + 1) | 0;
      Atomics.store(view, this.#top, t);
    }
    if (db !== start) Atomics.store(intoView, into.#bottom, db);
    intoView[trace + STEAL_TAKEN] = (t - t0) | 0;
    this.#unlock();
    return first;
  }

  /**
   * Owner only, when `push` reported full (tokio's overflow): takes the oldest `count` jobs (fewer
   * if it holds fewer) under the steal lock, links them oldest first with `link(job, next)`, and
   * hands them to `move(first, last, n)`, which puts them in another queue and calls
   * {@linkcode WorkDeque.moved} once they are there, before it returns. Returns `n`. A thread that
   * ends on the way leaves a trace that says whether the jobs left the deque and whether they
   * reached the other queue (`recoverDeadMove`).
   */
  takeOldest(
    count: number,
    link: (job: number, next: number) => void,
    move: (first: number, last: number, n: number) => void,
  ): number {
    const view = this.#view;
    this.#lockWaiting(Infinity);
    // Under the lock nobody else moves top (SC load: the last holder's store came before its
    // unlock); bottom is ours (plain).
    const t = Atomics.load(view, this.#top);
    const n = Math.min(count, (view[this.#bottom]! - t) | 0);
    if (n <= 0) {
      this.#unlock();
      return 0;
    }
    // Plain slot reads: this thread wrote them, and no thread writes slots but the owner. The links
    // go to jobs still in the deque, which nobody takes while we hold the lock.
    for (let i = 0; i < n - 1; i++) {
      link(view[this.#slots + ((t + i) & this.#mask)]!, view[this.#slots + ((t + i + 1) & this.#mask)]!);
    }
    // The trace (plain, our own words: see the class doc) before the take.
    view[this.#base + MOVE_TOP] = t;
    view[this.#base + MOVE_COUNT] = n;
    view[this.#base + MOVING] = 1;
    // SC store (the take), under the lock: no thief takes these positions (they load top under it),
    // and the owner's own pops come after this in program order.
    Atomics.store(view, this.#top, (t + n) | 0);
    move(view[this.#slots + (t & this.#mask)]!, view[this.#slots + ((t + n - 1) & this.#mask)]!, n);
    view[this.#base + MOVING] = 0;
    this.#unlock();
    return n;
  }

  /** Owner only, from `takeOldest`'s `move`: the jobs taken are in their new queue (see there). */
  moved(): void {
    this.#view[this.#base + MOVING] = 2; // plain, as the trace
  }

  /**
   * The runtime's thread, holding the steal lock of this deque, whose owner's thread exited: the
   * jobs its unfinished {@linkcode WorkDeque.takeOldest} took out of the deque and did not put in
   * their new queue, oldest first (for the caller to queue again), or none. `queued`: whether the
   * recovery of that queue finished the owner's move there. Clears the trace.
   */
  recoverDeadMove(queued: boolean): number[] {
    const view = this.#view;
    // Plain reads of the trace, as in recoverDeadOwnerPop. MOVING is 0 outside the lock, so a
    // trace here means the dead thread held the lock: nobody moved top since MOVE_TOP but it.
    const moving = view[this.#base + MOVING];
    view[this.#base + MOVING] = 0;
    const t = view[this.#base + MOVE_TOP]!;
    if (moving !== 1 || queued || Atomics.load(view, this.#top) === t) return [];
    // Taken (top moved) and not queued: the slots still hold them (only the dead owner wrote slots).
    const n = view[this.#base + MOVE_COUNT]!;
    return Array.from({ length: n }, (_, i) => view[this.#slots + ((t + i) & this.#mask)]!);
  }

  /** Position one past the newest job, as the owner left it (the owner, or any thread once the owner's thread exited). */
  get ownBottom(): number {
    // Plain: only the owner writes bottom; another thread reads it only after the owner's exit.
    return this.#view[this.#bottom]!;
  }

  // ---- the steal lock, and a dead taker's takes (the runtime's thread) -------------------------

  /** Takes the steal lock if it is free. */
  #tryLock(): boolean {
    // SC compare-exchange (the acquire): pairs with the holder's unlocking store, so the holder's
    // moves of top come before our loads of it.
    return Atomics.compareExchange(this.#view, this.#lock, 0, this.#taker) === 0;
  }

  /**
   * Takes the steal lock, waiting while another thread holds it: a thief for a few loads and
   * stores, or a dead thread until the runtime's thread takes the lock back (`takeBackLock`).
   * Gives up past `patienceMs` with `false`.
   */
  #lockWaiting(patienceMs: number): boolean {
    if (this.#tryLock()) return true;
    const since = performance.now();
    for (let spins = 0;; spins++) {
      if (this.#tryLock()) return true;
      if (spins < 100) continue;
      const seen = Atomics.load(this.#view, this.#lock);
      // Timed, without a notify: the holder's unlock is one store, and a lock left by a dead thread
      // is taken back by the runtime's thread; neither wakes waiters.
      if (seen !== 0) Atomics.wait(this.#view, this.#lock, seen, 1);
      if (performance.now() - since > patienceMs) return false;
    }
  }

  #unlock(): void {
    // SC store (the release): see #tryLock.
    Atomics.store(this.#view, this.#lock, 0);
  }

  /**
   * The runtime's thread, once the thread of taker `deadTaker` exited: takes the steal lock over
   * if that thread held it, else takes it if it is free, waiting a moment for a live thief (a few
   * stores). Returns whether the caller holds it now (then it must call
   * {@linkcode WorkDeque.unlock}); false when another thread still holds it, alive, or dead with its
   * exit not handled yet.
   */
  tryLockAfterDeath(deadTaker: number): boolean {
    // SC compare-exchange: the dead thread's writes all came before its exit, before this.
    return this.takeBackLock(deadTaker) || this.#lockWaiting(LIVE_HOLDER_MS);
  }

  /**
   * The runtime's thread, once the thread of taker `deadTaker` exited: takes the steal lock over if
   * that thread held it (the caller then holds it, and must {@linkcode WorkDeque.unlock}).
   */
  takeBackLock(deadTaker: number): boolean {
    // As in tryLockAfterDeath.
    return Atomics.compareExchange(this.#view, this.#lock, deadTaker, this.#taker) === deadTaker;
  }

  /**
   * The taker number of the thread holding the steal lock, or 0: a snapshot for the runtime's
   * silent-death watch (SC load; a holder's lock is a few stores long unless its thread died there).
   */
  lockHolder(): number {
    return Atomics.load(this.#view, this.#lock);
  }

  /** Releases the steal lock taken by {@linkcode WorkDeque.tryLockAfterDeath} or {@linkcode WorkDeque.takeBackLock}. */
  unlock(): void {
    this.#unlock();
  }

  /**
   * The runtime's thread, holding the steal lock (`tryLockAfterDeath`) of this deque, whose owner's
   * thread exited: the job the owner's unfinished pop took (for the caller to queue again unless
   * the owner named it), or `EMPTY`; clears the trace and leaves bottom ≥ top.
   */
  recoverDeadOwnerPop(): number {
    const view = this.#view;
    // Plain reads of the trace (the dead owner's words, written before its exit); SC loads of the
    // ends. Bottom has no other writer; top moves only under the lock, which we hold.
    if (view[this.#base + POPPING] !== 1) return EMPTY;
    view[this.#base + POPPING] = 0;
    const b = view[this.#base + POP_AT]!;
    const bottom = Atomics.load(view, this.#bottom);
    const t = Atomics.load(view, this.#top);
    // Reserved (bottom = b) with top ≤ b: no thief took position b (pop's argument, and under the
    // lock top = b means no thief will), so the pop took it, whether it reached its end or not.
    if (bottom === b && ((b - t) | 0) >= 0) return view[this.#slots + (b & this.#mask)]!;
    // Not reserved (bottom = b + 1: the job is still in the deque), or a thief took it (top > b):
    // not the owner's. Restore bottom as the owner would have (SC: thieves load it).
    if (((bottom - t) | 0) < 0) Atomics.store(view, this.#bottom, t);
    return EMPTY;
  }

  /**
   * The runtime's thread, on the deque of a dead thread (the thief) once that thread exited: the
   * first job its unfinished {@linkcode WorkDeque.stealHalfInto} took, for the caller to queue
   * again unless the thief named it, or `EMPTY`; the others are published in this deque. `victim`:
   * the deque stolen from when the dead thread held its steal lock (the caller holds it now), else
   * null. Clears the trace.
   */
  recoverDeadThief(victim: WorkDeque | null): number {
    const view = this.#view;
    // Plain reads of the trace, as in recoverDeadOwnerPop.
    if (view[this.#base + STEALING] !== 1) return EMPTY;
    view[this.#base + STEALING] = 0;
    let taken: number;
    if (victim !== null && victim.index === view[this.#base + STEAL_VICTIM]) {
      // The dead thread held the lock: nobody else moved top since it read STEAL_TOP (SC load).
      taken = (Atomics.load(victim.#view, victim.#top) - view[this.#base + STEAL_TOP]!) | 0;
      // The jobs after the first were copied into our slots before each rise of top; publish them
      // (SC store, as push's), as the thief would have.
      if (taken > 1) Atomics.store(view, this.#bottom, (view[this.#base + STEAL_INTO]! + taken - 1) | 0);
    } else {
      // It finished (its count was written before it unlocked) and published the others itself.
      taken = view[this.#base + STEAL_TAKEN]!;
    }
    return taken > 0 ? view[this.#base + STEAL_FIRST]! : EMPTY;
  }

  /** The victim named by this deque's unfinished steal trace (see recoverDeadThief), or -1. */
  get stealVictim(): number {
    const view = this.#view;
    return view[this.#base + STEALING] === 1 ? view[this.#base + STEAL_VICTIM]! : -1;
  }

  /** Approximate length (any thread), for heuristics; exact on the owner without thieves. */
  get length(): number {
    const view = this.#view;
    const t = Atomics.load(view, this.#top);
    const len = (Atomics.load(view, this.#bottom) - t) | 0;
    // Below 0 while the owner's pop has reserved the last job; above capacity when top moved
    // between the two loads and the owner pushed into the freed slots.
    return len < 0 ? 0 : len > this.capacity ? this.capacity : len;
  }

  /** Whether the deque looks empty (any thread). */
  get isEmpty(): boolean {
    const view = this.#view;
    const t = Atomics.load(view, this.#top);
    return ((Atomics.load(view, this.#bottom) - t) | 0) <= 0;
  }
}

function checkCapacity(capacity: number): void {
  const valid = Number.isInteger(capacity) && capacity >= 1 && capacity <= MAX_CAPACITY;
  if (!valid || (capacity & (capacity - 1)) !== 0) {
    throw new RangeError(`a deque's capacity must be a power of two from 1 to 2^30, got ${capacity}`);
  }
}

function badJob(job: number): RangeError {
  return new RangeError(`a job id must be an int32 ≥ 0, got ${job}`);
}
