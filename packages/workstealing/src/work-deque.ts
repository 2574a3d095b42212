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
 * [TOP_WORD]     top: position of the oldest job; only ever advanced, by a CAS (thieves, and the
 *                owner when it takes the last job)
 * [BOTTOM_WORD]  bottom: position one past the newest job; written by the owner only
 * [SLOTS_WORD..] capacity slots; position p lives in slot p & (capacity - 1)
 * ```
 *
 * Jobs sit at positions top ≤ p < bottom. Zeroed memory is an empty deque. top and bottom sit
 * 128 bytes apart (and the slots 128 bytes further) so that thieves hammering top with CAS do not
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
 * - top is read and written only with `Atomics` (every thread writes it);
 * - bottom is written with `Atomics.store` (this is what publishes the slot writes before it) and
 *   read with `Atomics.load` by other threads; the owner reads its own bottom with a plain read,
 *   which sees its own last write because no other thread writes bottom;
 * - slots are plain: the owner writes a slot before the bottom store that covers it, and a reader
 *   reads it only after an `Atomics.load` of bottom returned a value covering it, so the write
 *   happens-before the read. The one racy slot read (a thief reading a slot the owner is reusing
 *   after the job in it was taken) is always followed by a CAS of top that fails, and the value
 *   is discarded.
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
 * divides 2^32. The one thing wrapping can defeat is the ABA check of a steal's CAS: a thief that
 * loaded top = t and then stalls while top advances by an exact multiple of 2^32 (4.3 billion
 * steals and last-job pops: over ten seconds even at the 3.4 ns per CAS measured on Bun here)
 * would succeed with a stale job. The runtime accepts that; 64-bit positions would need
 * `BigInt64Array` atomics on every operation.
 */

/** Nothing to take. */
export const EMPTY = -1;

/** Lost a race with another thread; try again (this is not "empty"). */
export const RETRY = -2;

/** Header word (from `offset`) holding top. */
export const TOP_WORD = 0;

/** Header word (from `offset`) holding bottom, 128 bytes after top. */
export const BOTTOM_WORD = 32;

/** Header size: the first slot's word (from `offset`), 128 bytes after bottom. */
export const SLOTS_WORD = 64;

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
  readonly #view: Int32Array;
  readonly #top: number;
  readonly #bottom: number;
  readonly #slots: number;
  readonly #mask: number;
  /**
   * Owner side: a lower bound of top. Any value top ever had is one, since top only advances, so
   * `push` needs no load of top (an `Atomics` call, ~10 ns on V8) until this bound says full.
   * Compared unsigned, a bound behind by 2^31 or more (another instance of the same deque pushed
   * meanwhile) also counts as full and is refreshed; one behind by exactly a multiple of 2^32 would
   * not, the same bound as the CAS's (see "Wrapping indices").
   */
  #topBound = 0;

  /**
   * A deque over `view[offset .. offset + WorkDeque.words(capacity))`; all threads pass the same
   * numbers. Zeroed memory is an empty deque. `capacity` is a power of two ≤ 2^30. The view may
   * be over a plain `ArrayBuffer` (one thread only).
   */
  constructor(view: Int32Array, offset: number, capacity: number) {
    const words = WorkDeque.words(capacity);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + words > view.length) {
      throw new RangeError(
        `a deque of capacity ${capacity} needs ${words} words from offset ${offset}; the view has ${view.length}`,
      );
    }
    this.capacity = capacity;
    this.#view = view;
    this.#top = offset + TOP_WORD;
    this.#bottom = offset + BOTTOM_WORD;
    this.#slots = offset + SLOTS_WORD;
    this.#mask = capacity - 1;
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
    // itself (atomically: every thread writes it) and look again.
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
    // Plain read of bottom: only the owner writes it. The SC load of top sees every thief's CAS
    // that came before it; one that comes after may take the job, which `pop` then finds.
    const b = (view[this.#bottom]! - 1) | 0;
    if (((b - Atomics.load(view, this.#top)) | 0) < 0) return EMPTY;
    // Plain read: this thread wrote the slot, and no other thread writes slots.
    return view[this.#slots + (b & this.#mask)]!;
  }

  /** Owner only. Pops the most recently pushed job, or `EMPTY`. */
  pop(): number {
    const view = this.#view;
    const b = (view[this.#bottom]! - 1) | 0;
    // Reserve position b, then look at top. Both are SC, so the load cannot move before the store
    // (crossbeam's SC fence). Why len > 0 below means no thief can take position b: a thief takes
    // b only with a CAS b → b + 1 after an SC load that saw top = b (in stealHalfInto, its own
    // CAS that left top = b) and then an SC load of bottom that saw a value > b, i.e. one stored
    // before this store (a later push stores b + 1 again, but that is a new job at b). So its top
    // load precedes our top load in the SC order, yet saw a larger value (b > t): impossible,
    // since top only advances.
    Atomics.store(view, this.#bottom, b);
    const t = Atomics.load(view, this.#top);
    const len = (b - t) | 0;
    if (len < 0) {
      // Was empty: undo the reservation. Atomic, since thieves load bottom concurrently.
      Atomics.store(view, this.#bottom, (b + 1) | 0);
      return EMPTY;
    }
    // Plain read: this thread wrote the slot, and no other thread writes slots.
    const job = view[this.#slots + (b & this.#mask)]!;
    if (len > 0) return job;
    // The last job: thieves that loaded bottom before our store may race for it, so take it the
    // way they do, by moving top with a CAS. Win or lose, the deque is now empty at top = t + 1.
    const won = Atomics.compareExchange(view, this.#top, t, (t + 1) | 0) === t;
    Atomics.store(view, this.#bottom, (b + 1) | 0);
    return won ? job : EMPTY;
  }

  /** Any thread (also the owner). Takes the oldest job, or `EMPTY`, or `RETRY`. */
  steal(): number {
    const view = this.#view;
    // Top first, then bottom: the order crossbeam enforces with an SC fence, here by SC loads.
    // Seeing bottom > t from the SC load of bottom orders the owner's write of slot t before our
    // read of it.
    const t = Atomics.load(view, this.#top);
    const b = Atomics.load(view, this.#bottom);
    if (((b - t) | 0) <= 0) return EMPTY;
    // Read before the CAS: once top moves past t, the owner may reuse the slot. The read may race
    // with such a reuse only if top already moved, and then the CAS fails and the value is dropped.
    const job = view[this.#slots + (t & this.#mask)]!;
    return Atomics.compareExchange(view, this.#top, t, (t + 1) | 0) === t ? job : RETRY;
  }

  /**
   * Steals about half of this deque: ceil(length / 2) jobs, at most `limit` (≥ 1) and at most one
   * more than `into` has room for. Returns the oldest stolen job, for the caller to run now, and
   * pushes the others onto `into`'s bottom oldest first, so `into.pop()` gives the newest of them
   * first (the order this deque's owner would have run them in) and thieves of `into` take the
   * oldest first. Returns `EMPTY` or `RETRY` when it took nothing. The caller must be `into`'s
   * owner (any thread otherwise); `into` may even be this deque, which then only rotates.
   *
   * Jobs are taken one CAS at a time, re-reading bottom before each (crossbeam-deque's LIFO
   * batch steal). One CAS of top over several positions would be wrong: the owner pops without a
   * CAS while it sees top < bottom, so with 3 jobs a thief claiming t, t + 1 could lose t + 1 to
   * the owner's second pop before its CAS t → t + 2 succeeds, and both would run it.
   */
  stealHalfInto(into: WorkDeque, limit: number): number {
    if (!(limit >= 1)) throw new RangeError(`the batch limit must be ≥ 1, got ${limit}`);
    const view = this.#view;
    let t = Atomics.load(view, this.#top);
    let b = Atomics.load(view, this.#bottom);
    const len = (b - t) | 0;
    if (len <= 0) return EMPTY;

    // Room in `into`: we own it, so its bottom only moves here, and its top only grows (its
    // thieves), so the room can only grow after this reading. Same argument as in push; the load
    // of top also refreshes its lower bound.
    const intoView = into.#view;
    let db = intoView[into.#bottom]!;
    const intoTop = Atomics.load(intoView, into.#top);
    into.#topBound = intoTop;
    const room = into.capacity - ((db - intoTop) | 0);
    const n = Math.min((len + 1) >>> 1, Math.floor(limit), room + 1);

    // The first job, exactly as steal() takes it.
    const first = view[this.#slots + (t & this.#mask)]!;
    if (Atomics.compareExchange(view, this.#top, t, (t + 1) | 0) !== t) return RETRY;
    t = (t + 1) | 0;

    const start = db;
    for (let i = 1; i < n; i++) {
      // Each further job is a steal() whose load of top is our own successful CAS (an SC
      // read-modify-write that left top = t). Bottom must be loaded again after it: since we read
      // it, the owner may have popped down into the range we meant to take (without a CAS while
      // it saw top < bottom), and this SC load, ordered after our CAS, sees any such pop's store.
      b = Atomics.load(view, this.#bottom);
      if (((b - t) | 0) <= 0) break;
      const job = view[this.#slots + (t & this.#mask)]!;
      if (Atomics.compareExchange(view, this.#top, t, (t + 1) | 0) !== t) break;
      t = (t + 1) | 0;
      // Plain write into our own deque, published by the bottom store after the loop (push).
      intoView[into.#slots + (db & into.#mask)] = job;
      db = (db + 1) | 0;
    }
    if (db !== start) Atomics.store(intoView, into.#bottom, db);
    return first;
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
