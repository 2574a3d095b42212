import { dropRawWaker, type RawWaker, replaceRawWaker, type Waker, wakeRawWaker } from "@spindle/core";
import type { Driver } from "./driver.ts";

/**
 * One pending timer in a {@linkcode TimerQueue}: its deadline, the waker to wake when it passes,
 * and where it is queued (its slot and its index in that slot's array): inserting and cancelling
 * touch only the entry and one element of its slot, no map and no other entry.
 *
 * A `Sleep` is its own entry (`initEntry` gives it these fields, which its public type does not
 * show): one object per sleep instead of two. Other users (`Interval`) make a {@linkcode TimerEntry}.
 */
export interface QueueEntry {
  /** The deadline, in milliseconds on the driver's clock (not `deadline`: a `Sleep` has that getter). */
  dueAt: number;
  /** The (raw) waker of the task waiting on this entry; owned by the queue while queued. */
  waker: RawWaker<unknown> | null;
  /**
   * The slot holding the entry (see {@linkcode TimerQueue}); when negative, not queued:
   * `NOT_QUEUED`, `FIRED`, or a state of the entry's owner (at most `OWNER_STATES`), which the
   * queue keeps until the entry is queued or moved (a `Sleep` keeps its own state here, a field
   * fewer per sleep).
   */
  slot: number;
  /** The entry's index in its slot's array. */
  position: number;
}

/**
 * Gives `entry` the fields of a queue entry, not queued (`slot`: `NOT_QUEUED` or an owner's state,
 * at most `OWNER_STATES`), due at `deadline`, in the order {@linkcode TimerEntry} declares them
 * (one object shape for both).
 */
export function initEntry(entry: QueueEntry, deadline: number, slot: number): void {
  entry.dueAt = deadline;
  entry.waker = null;
  entry.slot = slot;
  entry.position = 0;
}

/** A queue entry of its own (see {@linkcode QueueEntry}). */
export class TimerEntry implements QueueEntry {
  /** The deadline, in milliseconds on the driver's clock (not `deadline`: a `Sleep` has that getter). */
  dueAt: number;
  /** The (raw) waker of the task waiting on this entry; owned by the queue while queued. */
  waker: RawWaker<unknown> | null = null;
  /** The slot holding the entry (see {@linkcode TimerQueue}), or `NOT_QUEUED`. */
  slot: number = NOT_QUEUED;
  /** The entry's index in its slot's array. */
  position = 0;

  constructor(deadline: number) {
    this.dueAt = deadline;
  }

  /** Whether the queue took the entry out because its deadline passed (not cancelled, not closed). */
  get fired(): boolean {
    return this.slot === FIRED;
  }
}

/** `QueueEntry.slot` of an entry that is not queued (`< 0`: not queued). */
export const NOT_QUEUED = -1;
/**
 * `QueueEntry.slot` of an entry that `fire` took out as due (not cancelled, not closed), until it
 * is queued or moved again: a sleep's next poll completes without reading the clock again.
 */
export const FIRED = -2;
/**
 * The highest `QueueEntry.slot` an entry's owner may use for states of its own while the entry is
 * not queued (`OWNER_STATES`, `OWNER_STATES - 1`, ...): queueing or moving the entry replaces it.
 */
export const OWNER_STATES = -3;
/** Ticks per millisecond: a slot of the ring spans 62.5 µs. */
const TICKS_PER_MS = 16;
/** The ring: one slot per tick for the next 2^14 ticks (1.024 s). */
const RING_BITS = 14;
const RING = 1 << RING_BITS;
const RING_MASK = RING - 1;
/** Words of the ring's occupancy bitmap (one bit per slot). */
const RING_WORDS = RING >> 5;
/**
 * How far ahead of the clock the wheel runs (2^13 ticks, 512 ms): a wheel slot is moved into the
 * ring this long before it starts, so a slot holding many entries is moved well before they fall due.
 */
const LOOKAHEAD = RING >> 1;
/** Slots per wheel level, and the bits of a tick each level covers. */
const SLOT_BITS = 6;
const SLOTS = 1 << SLOT_BITS;
const SLOT_MASK = SLOTS - 1;
/** Wheel levels: 62.5 µs, 4 ms, 256 ms, 16.4 s and 17.5 min per slot; the wheel spans 2^30 ticks (18.6 h). */
const LEVELS = 5;
const SPAN = 2 ** (SLOT_BITS * LEVELS);
/** The wheel slot index of the list of entries beyond the wheel's span (another 2^30-tick block). */
const FAR = LEVELS * SLOTS;
/**
 * Cancelled entries' holes a wheel slot may hold beyond its live entries before an insert compacts
 * it: a slot of a high level (16.4 s or 17.5 min) or the far list can take inserts and cancels
 * for a long time before it is moved, and its array stays at most about twice its live entries.
 */
const COMPACT_SLACK = 32;
/** The wheel level of a tick whose highest set bit is bit `b` (`b / SLOT_BITS`, as a table: no division). */
const LEVEL_OF_BIT = Uint8Array.from({ length: 32 }, (_, bit) => Math.floor(bit / SLOT_BITS));

/**
 * The pending timers of one thread for one timer. A deadline is a tick (1/16 ms) counted from the
 * queue's origin, and an entry sits in one of two structures, both made of slots that are FIFO
 * arrays (an entry knows its index there: cancelling writes a hole, and touches no other entry):
 *
 * - the **ring**, one slot per tick for the 2^14 ticks (1.024 s) from `#ringAt` (the tick the ring
 *   has fired up to): an entry due within that span goes straight into the slot of its tick
 *   (`tick & RING_MASK`; every slot holds a single tick's entries), and firing wakes each slot's
 *   entries once their exact deadline has passed. An occupancy bitmap finds the next slot.
 * - the **wheel** for the later ones: a hierarchical timing wheel (the structure of tokio's
 *   `runtime/time/wheel`), five levels of 64 slots, where an entry sits at the level of the highest
 *   6-bit digit in which its tick differs from `#wheelAt` (the tick the wheel has processed up to),
 *   in the slot of that digit; entries beyond 18.6 h wait in one "far" list. The wheel runs
 *   `LOOKAHEAD` (512 ms) ahead of the clock: a slot whose start comes that close is taken whole,
 *   a higher level's entries re-inserted below and a level-0 slot's moved into the ring.
 *
 * Inserting and cancelling are O(1): no heap, no map, no allocation besides the entry; every entry
 * is moved at most five times in its life. Timers due within a second are never moved: firing
 * them costs a wake each. Cascading a wheel slot is the one bulk step (100,000 sleeps registered
 * at once for one later second are moved together), and it happens half a second before the
 * first of them is due, not while they are. Ticks only group entries: nothing is woken before its
 * own deadline (one due later within the current tick stays), and precision stays sub-millisecond.
 *
 * Invariants: ring entries have ticks in [`#ringAt`, `#ringAt` + 2^14) (an already due entry is
 * filed at `#ringAt`); wheel entries have ticks at or after `#wheelAt`, which stays at most
 * `LOOKAHEAD` ahead of `#ringAt`, and every entry's tick is at or after the start of its wheel
 * slot, so the lowest non-empty wheel level holds its earliest entries.
 *
 * Wakers are plain JavaScript objects and cannot cross threads, which is why every thread keeps its
 * own queue and the timer thread only sees one deadline per queue (see `timer-thread.ts`).
 */
export class TimerQueue {
  readonly driver: Driver;
  /**
   * Every slot's entries (made on first use): the ring's `RING` slots, then the wheel's, level by
   * level (`RING + level * SLOTS + digit`), then the far list (`RING + FAR`). Arrays, not linked
   * lists, so that firing a slot reads its entries' addresses in one sweep instead of chasing one
   * cache miss after the other (firing 100,000 timers took 1.5-3x as long through lists), and so
   * that cancelling writes one hole instead of re-linking two neighbours (a cancel touched the
   * next entry and wrote two pointers; two fields fewer per entry, too). A cancelled entry leaves
   * a `null`; a slot whose last live entry goes is emptied.
   */
  readonly #slots: ((QueueEntry | null)[] | undefined)[] = new Array(RING + FAR + 1);
  /** Entries per slot, not counting the cancelled ones' holes. */
  readonly #live = new Int32Array(RING + FAR + 1);
  /** One bit per ring slot: set while the slot holds an entry. */
  readonly #ringMap = new Int32Array(RING_WORDS);
  #inRing = 0;
  /** Entries per wheel level (and far), to skip empty levels. */
  readonly #perLevel: number[] = new Array(LEVELS + 1).fill(0);
  /** The tick the ring has fired up to. */
  #ringAt = 0;
  /** The tick the wheel has processed up to. */
  #wheelAt = 0;
  #size = 0;
  /** The instant the driver was last armed for (`Infinity`: not armed). */
  #armedFor = Infinity;
  /** The clock when the queue was made: ticks count from here. */
  readonly #origin: number;
  /**
   * The latest clock reading taken through {@linkcode TimerQueue.readClock}: the driver's clock is
   * monotonic, so it is at most the clock now (a sleep's first poll compares with it).
   */
  lastReading: number = -Infinity;

  constructor(makeDriver: (queue: TimerQueue) => Driver) {
    this.driver = makeDriver(this);
    this.#origin = Math.floor(this.driver.now());
  }

  /** Reads the driver's clock and keeps the reading as {@linkcode TimerQueue.lastReading}. */
  readClock(): number {
    return (this.lastReading = this.driver.now());
  }

  /** How many entries are queued. */
  get size(): number {
    return this.#size;
  }

  /** The earliest queued deadline, or `Infinity`. */
  get earliest(): number {
    let earliest = this.#ringEarliest();
    const slot = this.#nextWheelSlot();
    if (slot >= 0) {
      for (const entry of this.#slots[RING + slot] as (QueueEntry | null)[]) {
        if (entry !== null && entry.dueAt < earliest) earliest = entry.dueAt;
      }
    }
    return earliest;
  }

  /** Queues `entry` (not queued yet) with `waker`, whose ownership passes to the queue. */
  insert(entry: QueueEntry, waker: RawWaker<unknown>): void {
    entry.waker = waker;
    this.#place(entry);
    this.#size++;
    const wake = this.#wakeFor(entry);
    if (wake < this.#armedFor) this.#arm(wake);
  }

  /**
   * Makes `entry` wait for its deadline with `waker`: queues it with a clone of `waker` if it is
   * not queued, else keeps only the latest waker (replacing the stored one).
   */
  wait(entry: QueueEntry, waker: Waker): void {
    // Not queued, the entry may still hold a waker: fired but not yet woken, it is polled from
    // another entry's wake. Replaced, not overwritten: the old clone is dropped.
    if (entry.slot < 0) this.insert(entry, replaceRawWaker(entry.waker, waker));
    else entry.waker = replaceRawWaker(entry.waker, waker);
  }

  /**
   * Moves `entry` to `deadline`: a queued entry keeps its waker and is re-linked (O(1), no
   * allocation), and the driver is armed earlier if needed; an entry not queued only takes the
   * new deadline, for its next registration.
   */
  reschedule(entry: QueueEntry, deadline: number): void {
    entry.dueAt = deadline;
    if (entry.slot < 0) {
      entry.slot = NOT_QUEUED; // no longer fired: pending again until its new deadline
      return;
    }
    this.#unlink(entry);
    this.#place(entry);
    const wake = this.#wakeFor(entry);
    if (wake < this.#armedFor) this.#arm(wake);
  }

  /**
   * Removes a queued `entry` and drops its waker. An entry `fire` took out as due but has not woken
   * yet (another entry's waker dropped it during the same firing) only loses its waker: it is
   * neither woken after its drop nor kept alive by the queue.
   */
  remove(entry: QueueEntry): void {
    entry.waker = dropRawWaker(entry.waker);
    if (entry.slot < 0) return;
    this.#unlink(entry);
    // The driver may still fire once for a removed entry; fire() then finds nothing due. Only an
    // empty queue disarms, so that the driver stops holding the process open.
    if (--this.#size === 0) this.#arm(Infinity);
  }

  /**
   * Wakes the entries whose deadline has passed, at most `limit` of them (the earliest first), or
   * every entry when the driver closed, and arms the driver for what comes next (at once, when
   * due entries were left for the next fire); returns how many it woke. Called by the driver;
   * harmless when nothing is due.
   *
   * A driver that fires from the host's event loop passes a limit, so that a burst of due timers
   * is woken in slices, with the tasks each slice woke polled before the next is taken (the
   * thread driver fires the next slice from a microtask, in the same turn of the host): the first
   * task of a burst of 30,000 then runs within a slice of its deadline, not after the whole burst
   * was taken and woken, and what a task touches when polled was touched by its wake just before.
   */
  fire(limit: number = Infinity): number {
    if (this.driver.closeReason !== null) return this.#fireAll();
    const now = this.driver.now();
    const nowTick = this.#tickOf(now);
    // The ring first (it then stands at the clock's tick, or at the first tick it left entries
    // in), then the wheel's slots coming within LOOKAHEAD of that go into the ring, then what they
    // brought that is already due (a late fire).
    const due: QueueEntry[] = [];
    this.#takeDue(now, nowTick, due, limit);
    this.#advanceWheel(this.#ringAt + LOOKAHEAD);
    this.#takeDue(now, nowTick, due, limit);
    this.#size -= due.length;
    this.#arm(this.#nextWake());
    // Woken last, once the queue is consistent and the driver re-armed. A wake may run code that
    // moves a later entry (`reset`) and polls it, queueing it again with its waker: that entry now
    // waits for its new deadline, and is not woken here (which also took its waker from the queue,
    // so that nothing woke it at that deadline). One only moved, not queued, is woken: its task
    // polls it and queues it.
    for (let i = 0; i < due.length; i++) {
      const entry = due[i] as QueueEntry;
      if (entry.slot < 0) entry.waker = wakeRawWaker(entry.waker);
    }
    return due.length;
  }

  /**
   * Takes the ring's entries due at `now` (tick `nowTick`) out onto `due`, in tick order
   * (registration order within a tick), until `due` holds `limit`, and moves the ring to
   * `nowTick`, or to the first tick whose due entries it left (still due: `#nextWake` is then
   * in the past, and the driver fires again at once).
   */
  #takeDue(now: number, nowTick: number, due: QueueEntry[], limit: number): void {
    const ring = this.#slots;
    for (;;) {
      if (due.length >= limit) return; // the ring stays at the tick of the entries left
      const offset = this.#nextRingOffset();
      if (offset < 0) break;
      const tick = this.#ringAt + offset;
      if (tick > nowTick) break;
      const slot = tick & RING_MASK;
      const entries = ring[slot] as (QueueEntry | null)[];
      // A past tick's entries are all due; the clock's tick's only once their exact deadline has
      // passed. Those left keep their order, compacted.
      let kept = 0;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as QueueEntry | null;
        if (entry === null) continue;
        if (entry.dueAt <= now && due.length < limit) {
          entry.slot = FIRED;
          due.push(entry);
        } else {
          entry.position = kept;
          entries[kept++] = entry;
        }
      }
      this.#inRing -= (this.#live[slot] as number) - kept;
      if (kept === 0) {
        this.#emptyRingSlot(slot);
      } else {
        entries.length = kept;
        this.#live[slot] = kept;
      }
      this.#ringAt = tick;
      if (kept !== 0) {
        if (tick < nowTick) return; // stopped by the limit: the ring stays at this tick
        break; // the clock's tick: the entries left are not due yet
      }
    }
    if (nowTick > this.#ringAt) this.#ringAt = nowTick;
  }

  /** Marks ring slot `slot` empty (its array kept for the next tick that lands there). */
  #emptyRingSlot(slot: number): void {
    (this.#slots[slot] as (QueueEntry | null)[]).length = 0;
    this.#live[slot] = 0;
    this.#ringMap[slot >>> 5]! &= ~(1 << (slot & 31));
  }

  /** The driver closed: wakes every entry, slot by slot (their futures then fail). */
  #fireAll(): number {
    let due = 0;
    const slots = this.#slots;
    for (let slot = 0; slot < slots.length; slot++) {
      const entries = slots[slot];
      if (entries === undefined || entries.length === 0) continue;
      // Copied first: a waker may queue a new sleep in this very slot (it then fails at its poll).
      const taken = entries.slice();
      entries.length = 0;
      this.#live[slot] = 0;
      for (const entry of taken) {
        if (entry === null) continue;
        entry.slot = NOT_QUEUED;
        entry.waker = wakeRawWaker(entry.waker);
        due++;
      }
    }
    this.#ringMap.fill(0);
    this.#inRing = 0;
    this.#perLevel.fill(0);
    this.#size = 0;
    this.#arm(Infinity);
    return due;
  }

  /**
   * Takes every wheel slot that starts at or before `target` (a tick `LOOKAHEAD` after the
   * clock's): a higher level's entries are re-inserted below, a level-0 slot's go into the ring.
   */
  #advanceWheel(target: number): void {
    const slots = this.#slots;
    for (;;) {
      const slot = this.#nextWheelSlot();
      if (slot < 0) break;
      const start = this.#wheelSlotStart(slot);
      if (start > target) break;
      // Taken out whole: the far list's entries may go back into the far list (a new array).
      const entries = slots[RING + slot] as (QueueEntry | null)[];
      slots[RING + slot] = undefined;
      this.#perLevel[slot >> SLOT_BITS]! -= this.#live[RING + slot]!; // LEVELS for the far list
      this.#live[RING + slot] = 0;
      if (start > this.#wheelAt) this.#wheelAt = start;
      // Re-placed relative to the wheel's new position; a level-0 slot's entries now fall in the
      // ring (their ticks are within LOOKAHEAD + 64 ticks of the ring's position).
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as QueueEntry | null;
        if (entry !== null) this.#place(entry);
      }
    }
    if (target > this.#wheelAt) this.#wheelAt = target;
  }

  /**
   * The instant the driver must fire at next: the exact earliest deadline of the ring's next slot
   * (one tick's entries), or the instant the wheel's next slot comes within `LOOKAHEAD`, whichever
   * is first. Arming for the wheel's slot never scans it (it may hold most of the queue).
   */
  #nextWake(): number {
    let wake = this.#ringEarliest();
    const slot = this.#nextWheelSlot();
    if (slot >= 0) {
      // Exact: ticks are whole, and dividing by 16 is exact in binary.
      const cascade = this.#origin + (this.#wheelSlotStart(slot) - LOOKAHEAD) / TICKS_PER_MS;
      if (cascade < wake) wake = cascade;
    }
    return wake;
  }

  /** The smallest deadline in the ring's next occupied slot, or `Infinity`. */
  #ringEarliest(): number {
    const offset = this.#nextRingOffset();
    if (offset < 0) return Infinity;
    let earliest = Infinity;
    const entries = this.#slots[(this.#ringAt + offset) & RING_MASK] as (QueueEntry | null)[];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as QueueEntry | null;
      if (entry !== null && entry.dueAt < earliest) earliest = entry.dueAt;
    }
    return earliest;
  }

  /** Ticks from `#ringAt` to the ring's next occupied slot, or -1 when the ring is empty. */
  #nextRingOffset(): number {
    if (this.#inRing === 0) return -1;
    const map = this.#ringMap;
    const from = this.#ringAt & RING_MASK;
    let word = from >>> 5;
    let bits = (map[word] as number) & (-1 << (from & 31));
    // At most one full turn: the start word is read again, whole, at the end.
    for (let read = 0; read <= RING_WORDS; read++) {
      if (bits !== 0) {
        const slot = (word << 5) | (31 - Math.clz32(bits & -bits));
        return (slot - from) & RING_MASK;
      }
      word = (word + 1) & (RING_WORDS - 1);
      bits = map[word] as number;
    }
    return -1;
  }

  /**
   * When the driver must fire for a just placed `entry`: at its deadline in the ring; in the wheel,
   * LOOKAHEAD before it (its slot starts no later than its tick), to move it into the ring early.
   */
  #wakeFor(entry: QueueEntry): number {
    return entry.slot < RING ? entry.dueAt : entry.dueAt - LOOKAHEAD / TICKS_PER_MS;
  }

  #tickOf(instant: number): number {
    return Math.floor((instant - this.#origin) * TICKS_PER_MS);
  }

  #arm(instant: number): void {
    this.#armedFor = instant;
    this.driver.arm(instant);
  }

  /** Queues `entry` (in no slot) where its deadline belongs now: its ring slot, or the wheel. */
  #place(entry: QueueEntry): void {
    let tick = this.#tickOf(entry.dueAt);
    const ringAt = this.#ringAt;
    if (tick - ringAt < RING) {
      if (tick < ringAt) tick = ringAt; // already due: the ring's current slot
      const slot = tick & RING_MASK;
      const entries = this.#slots[slot] ?? (this.#slots[slot] = []);
      entry.slot = slot;
      entry.position = entries.length;
      entries.push(entry);
      if (this.#live[slot]!++ === 0) this.#ringMap[slot >>> 5]! |= 1 << (slot & 31);
      this.#inRing++;
      return;
    }
    // Beyond the ring, hence at or after #wheelAt (at most LOOKAHEAD ahead of the ring).
    const elapsed = this.#wheelAt;
    let slot: number;
    // Integer arithmetic only while both ticks are in the first block (the first 18.6 h of the
    // queue): JavaScriptCore pays for the float divisions of the general case on every insert
    // and cascade (Bun fired 100k timers 3-6x slower with them).
    const block = tick < SPAN ? 0 : Math.floor(tick / SPAN);
    if (block !== (elapsed < SPAN ? 0 : Math.floor(elapsed / SPAN))) {
      slot = FAR;
    } else {
      // Within one 2^30-tick block both fit in 30 bits: the level is the highest differing digit.
      const low = block === 0 ? tick : tick - block * SPAN;
      const differing = (low ^ (block === 0 ? elapsed : elapsed - block * SPAN)) | SLOT_MASK;
      const level = LEVEL_OF_BIT[31 - Math.clz32(differing)] as number;
      slot = (level << SLOT_BITS) + ((low >>> (level * SLOT_BITS)) & SLOT_MASK);
    }
    this.#perLevel[slot >> SLOT_BITS]!++; // FAR >> SLOT_BITS is LEVELS: the far list's count
    const index = RING + slot;
    const entries = this.#slots[index] ?? (this.#slots[index] = []);
    const live = this.#live[index]!;
    if (entries.length - live > live + COMPACT_SLACK) compact(entries);
    entry.slot = index;
    entry.position = entries.length;
    entries.push(entry);
    this.#live[index] = live + 1;
  }

  /** Takes a queued `entry` out of its slot. */
  #unlink(entry: QueueEntry): void {
    const slot = entry.slot;
    entry.slot = NOT_QUEUED;
    const entries = this.#slots[slot] as (QueueEntry | null)[];
    entries[entry.position] = null;
    const live = --this.#live[slot]!;
    if (slot < RING) {
      this.#inRing--;
      if (live === 0) this.#emptyRingSlot(slot);
      return;
    }
    this.#perLevel[(slot - RING) >> SLOT_BITS]!--; // FAR >> SLOT_BITS is LEVELS
    if (live === 0) entries.length = 0;
  }

  /**
   * The wheel's next slot to expire: the first occupied slot, from the wheel's position, of the
   * lowest non-empty level (then the far list), or -1 when the wheel is empty.
   */
  #nextWheelSlot(): number {
    const perLevel = this.#perLevel;
    const live = this.#live;
    for (let level = 0; level < LEVELS; level++) {
      if (perLevel[level] === 0) continue;
      const shift = level * SLOT_BITS;
      const position = Math.floor((this.#wheelAt % SPAN) / 2 ** shift) & SLOT_MASK;
      const base = RING + level * SLOTS;
      for (let digit = position; digit < SLOTS; digit++) {
        if (live[base + digit] !== 0) return level * SLOTS + digit;
      }
      // Occupied slots behind the position cannot exist (see the invariant); fall through safely.
      for (let digit = 0; digit < position; digit++) {
        if (live[base + digit] !== 0) return level * SLOTS + digit;
      }
    }
    return perLevel[LEVELS] === 0 ? -1 : FAR;
  }

  /** The first tick a wheel slot covers, given the wheel's position. */
  #wheelSlotStart(slot: number): number {
    const elapsed = this.#wheelAt;
    if (slot === FAR) return (Math.floor(elapsed / SPAN) + 1) * SPAN;
    const level = Math.floor(slot / SLOTS);
    const unit = 2 ** (level * SLOT_BITS);
    const above = unit * SLOTS;
    return Math.floor(elapsed / above) * above + (slot - level * SLOTS) * unit;
  }
}

/** Drops the holes of a slot's `entries`, keeping their order, and gives each its new position. */
function compact(entries: (QueueEntry | null)[]): void {
  let kept = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as QueueEntry | null;
    if (entry === null) continue;
    entry.position = kept;
    entries[kept++] = entry;
  }
  entries.length = kept;
}
