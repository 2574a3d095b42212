import { currentThreadId } from "@spindle/core";

/**
 * Which thread holds what in a shared primitive: a table of {@linkcode HOLDER_ENTRIES} entries in
 * the primitive's `SharedArrayBuffer`, each an owner word (the thread's id + 1; 0: free) and
 * `fields` counters (permits held, ends held, a slot position being written...), padded to whole
 * cache lines: a channel's senders and receivers write their entries on every message, and two
 * threads' entries on one line made each of those stores a cache miss. A thread takes an
 * entry on its first holding and frees it when every counter is back to 0; a recovery after the
 * thread died ({@linkcode HolderTable.takeDead}) reads and clears its entry.
 *
 * Memory model: an entry's counters are written only by its owner thread, so they need no
 * read-modify-write; they are `Atomics` stores and loads all the same, so that a thread that
 * takes a freed entry (a CAS on its owner word, seq-cst) sees them zeroed. A recovery reads them
 * only after the owner's thread has ended, which the host reports after joining the thread: every
 * store the owner made is visible to it. The one exception is a counter set and cleared around a
 * short step through {@linkcode HolderTable.fieldIndex}, on every message of a channel: plain
 * stores suffice there (see RECORD_ORDERING in shared-ring.ts), as the owner's seq-cst store of 0
 * into the owner word, which frees the entry, comes after the clearing store.
 *
 * A thread without an id (core's `currentThreadId()` is -1: a Deno Web `Worker`) records nothing.
 *
 * The order of a holding and its record is chosen so that a thread killed between the two
 * (a window of one or two instructions) makes the recovery give back too little, never too much:
 * record after taking, and clear the record before giving back.
 */
export class HolderTable {
  readonly #words: Int32Array;
  readonly #at: number;
  readonly #fields: number;
  readonly #stride: number;
  /** This thread's entry as this object last used it (-1: none), valid while its owner word is ours. */
  #cached = -1;
  /** `entriesFreed` when `#cached` was last seen to be this thread's. */
  #cachedAtFrees = -1;

  /** The table at `words[at]`, of {@linkcode HOLDER_ENTRIES} entries of `fields` counters. */
  constructor(words: Int32Array, at: number, fields: number) {
    this.#words = words;
    this.#at = at;
    this.#fields = fields;
    this.#stride = stride(fields);
  }

  /** How many words a table of entries of `fields` counters takes. */
  static words(fields: number): number {
    return HOLDER_ENTRIES * stride(fields);
  }

  /**
   * Adds `delta` to this thread's counter `field` (1-based), taking an entry if it has none and
   * freeing it once every counter is 0. With the table full (more than {@linkcode HOLDER_ENTRIES}
   * threads holding at once) the holding is not recorded, and a recovery cannot give it back.
   */
  add(field: number, delta: number): void {
    const base = this.#entry(delta > 0);
    if (base < 0) return;
    const words = this.#words;
    Atomics.store(words, base + field, Atomics.load(words, base + field) + delta);
    if (delta < 0) this.#freeIfEmpty(base);
  }

  /** Sets this thread's counter `field` to `value` (a position + 1, 0 to clear). */
  set(field: number, value: number): void {
    const base = this.#entry(value !== 0);
    if (base < 0) return;
    Atomics.store(this.#words, base + field, value);
    if (value === 0) this.#freeIfEmpty(base);
  }

  /**
   * The index in the table's words (the array it was made over) of this thread's counter `field`
   * when this thread has an entry already, else -1 (then record with `set`, which takes one). For a
   * counter that is 0 and that the caller sets and clears again around a short step with its own
   * stores (a slot being written or read), saving `set`'s lookups twice per message: the
   * entry exists only while another of its counters is not 0 (its owner frees it when all are 0,
   * and took it to record something), so it stays this thread's across the step and needs no
   * freeing after it, the step's counter being back to 0.
   */
  fieldIndex(field: number): number {
    const base = this.#entry(false);
    return base < 0 ? -1 : base + field;
  }

  /**
   * The counters thread `deadThreadId` held (indexed by field, index 0 unused), cleared and its
   * entry freed; `null` if it held nothing. Only once that thread has ended.
   */
  takeDead(deadThreadId: number): number[] | null {
    const words = this.#words;
    const owner = deadThreadId + 1;
    for (let e = 0; e < HOLDER_ENTRIES; e++) {
      const base = this.#at + e * this.#stride;
      // Pairs with the owner's CAS that took the entry. The owner is dead, so only other
      // recoveries of the same thread race here: this seq-cst CAS claims the entry for one of
      // them before any counter is read (claiming after reading let two recoveries each take
      // some counters and one of them drop its share). RECOVERING is no thread's owner word and
      // not 0, so no thread takes the entry meanwhile.
      if (Atomics.compareExchange(words, base, owner, RECOVERING) !== owner) continue;
      const held = [0];
      for (let f = 1; f <= this.#fields; f++) held.push(Atomics.exchange(words, base + f, 0));
      // Seq-cst: a thread whose CAS takes the freed entry sees the counters zeroed above.
      Atomics.store(words, base, 0);
      return held;
    }
    return null;
  }

  /**
   * This thread's entry's base index (taking one when `take`), or -1. Every table object of this
   * thread over one buffer goes through `lastEntry`, so a thread has at most one entry per table:
   * the one it last used, taken back when it is still free (no scan in the usual case).
   */
  #entry(take: boolean): number {
    const words = this.#words;
    const owner = currentThreadId() + 1;
    if (owner === 0) return -1; // a thread without an id (core's currentThreadId): not recorded
    const cached = this.#cached;
    // Seen to be ours, and this thread has freed no entry since: still ours, without a load. Only
    // the owner frees its entry (a recovery takes only a dead thread's; other threads claim only
    // free ones), and every free on this thread, by any table object, counts in entriesFreed.
    // This spares a channel an `Atomics.load` (a builtin call on V8) per message and side.
    if (cached >= 0 && this.#cachedAtFrees === entriesFreed) return cached;
    // Only this thread stores its own id in an owner word, so a match is still ours.
    if (cached >= 0 && Atomics.load(words, cached) === owner) return this.#remember(cached);
    const last = lastEntry.get(words.buffer);
    if (last !== undefined) {
      const seen = Atomics.load(words, last);
      if (seen === owner) return this.#remember(last);
      if (!take) return -1;
      // Seq-cst CAS: pairs with #freeIfEmpty's store of 0 and with other threads' claims.
      if (seen === 0 && Atomics.compareExchange(words, last, 0, owner) === 0) return this.#remember(last);
    }
    if (!take) return -1;
    for (let e = 0; e < HOLDER_ENTRIES; e++) {
      const base = this.#at + e * this.#stride;
      if (Atomics.load(words, base) === 0 && Atomics.compareExchange(words, base, 0, owner) === 0) {
        lastEntry.set(words.buffer, base);
        return this.#remember(base);
      }
    }
    return -1;
  }

  /** `base` is this thread's entry now: cached, with the count of frees it is valid under. */
  #remember(base: number): number {
    this.#cachedAtFrees = entriesFreed;
    return (this.#cached = base);
  }

  #freeIfEmpty(base: number): void {
    const words = this.#words;
    for (let f = 1; f <= this.#fields; f++) if (Atomics.load(words, base + f) !== 0) return;
    Atomics.store(words, base, 0);
    entriesFreed++; // every object's cached entry is checked again (see #entry)
  }
}

/** Words per cache line (64 bytes). */
const LINE_WORDS = 16;

/** The words of one entry of `fields` counters and its owner word, in whole cache lines. */
function stride(fields: number): number {
  return Math.ceil((fields + 1) / LINE_WORDS) * LINE_WORDS;
}

/** How many entries this thread freed, in any table: a change invalidates every cached entry. */
let entriesFreed = 0;

/** The entry this thread last took in the table of each buffer (see `#entry`). */
const lastEntry = new WeakMap<ArrayBufferLike, number>();

/** The owner word of an entry while a recovery empties it (owner words are thread ids + 1, 0 free). */
const RECOVERING = -1;

/** How many threads a primitive records at once; holdings of more are not recoverable. */
export const HOLDER_ENTRIES = 64;
