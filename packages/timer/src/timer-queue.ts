import { dropRawWaker, type RawWaker, replaceRawWaker, type Waker, wakeRawWaker } from "@spindle/core";
import type { Driver } from "./driver.ts";

/**
 * One pending timer in a {@linkcode TimerQueue}: its deadline, the waker to wake when it passes,
 * and its links in the wheel slot that holds it (an intrusive list: inserting and cancelling touch
 * only the entry and its neighbours, no array or map).
 */
export class TimerEntry {
  /** Milliseconds on the driver's clock. */
  deadline: number;
  /** The (raw) waker of the task waiting on this entry; owned by the queue while queued. */
  waker: RawWaker<unknown> | null = null;
  /** The wheel slot holding the entry (see {@linkcode TimerQueue}), or `NOT_QUEUED`. */
  slot: number = NOT_QUEUED;
  prev: TimerEntry | null = null;
  next: TimerEntry | null = null;

  constructor(deadline: number) {
    this.deadline = deadline;
  }
}

/** `TimerEntry.slot` of an entry that is not queued. */
const NOT_QUEUED = -1;
/** Ticks per millisecond: the wheel's finest slots span 62.5 µs. */
const TICKS_PER_MS = 16;
/** Slots per level, and the bits of a tick each level covers. */
const SLOT_BITS = 6;
const SLOTS = 1 << SLOT_BITS;
const SLOT_MASK = SLOTS - 1;
/** Levels: 62.5 µs, 4 ms, 256 ms, 16.4 s and 17.5 min per slot; the wheel spans 2^30 ticks (18.6 h). */
const LEVELS = 5;
const SPAN = 2 ** (SLOT_BITS * LEVELS);
/** The slot index of the list of entries beyond the wheel's span (another 2^30-tick block). */
const FAR = LEVELS * SLOTS;
/** The wheel level of a tick whose highest set bit is bit `b` (`b / SLOT_BITS`, as a table: no division). */
const LEVEL_OF_BIT = Uint8Array.from({ length: 32 }, (_, bit) => Math.floor(bit / SLOT_BITS));

/**
 * The pending timers of one thread for one timer: a hierarchical timing wheel (the structure of
 * tokio's `runtime/time/wheel`), five levels of 64 slots, each slot an intrusive FIFO list of
 * entries. A deadline is a tick (1/16 ms) counted from the queue's origin; an entry sits at the
 * level of the highest 6-bit digit in which its tick differs from `#elapsed` (the tick the wheel
 * has processed up to), in the slot of that digit. Inserting and cancelling are O(1): no heap, no
 * map, no allocation besides the entry. Entries beyond 18.6 h wait in one "far" list.
 *
 * The driver is told the earliest deadline and calls {@linkcode fire} when it has passed. `fire`
 * takes the expiring slots in time order: a level-0 slot holds one tick's entries, woken when
 * their exact deadline has passed (in registration order within the tick; one due later within
 * the current tick stays); a higher slot's entries are re-inserted below (each entry moves down
 * at most four times in its life, so firing costs O(1) per timer amortised). Ticks only group
 * entries: nothing is woken before its own deadline, and precision stays sub-millisecond.
 *
 * Invariant: every entry's tick is at or after the start of its slot, and `#elapsed` only moves
 * to the start of the next expiring slot or, once nothing expires up to the clock, to the
 * clock's tick (before every slot start left), so the lowest non-empty level always holds the
 * earliest entries and a slot never holds entries of two different digits.
 *
 * Wakers are plain JavaScript objects and cannot cross threads, which is why every thread keeps its
 * own queue and the timer thread only sees one deadline per queue (see `timer-thread.ts`).
 */
export class TimerQueue {
  readonly driver: Driver;
  /** Slot heads and tails, level by level (`level * SLOTS + digit`), then the far list. */
  readonly #heads: (TimerEntry | null)[] = new Array(FAR + 1).fill(null);
  readonly #tails: (TimerEntry | null)[] = new Array(FAR + 1).fill(null);
  /** Entries per level (and far), to skip empty levels. */
  readonly #perLevel: number[] = new Array(LEVELS + 1).fill(0);
  /** The tick the wheel has processed up to. */
  #elapsed = 0;
  #size = 0;
  /** The instant the driver was last armed for (`Infinity`: not armed). */
  #armedFor = Infinity;
  /** The clock when the queue was made: ticks count from here. */
  readonly #origin: number;

  constructor(makeDriver: (queue: TimerQueue) => Driver) {
    this.driver = makeDriver(this);
    this.#origin = Math.floor(this.driver.now());
  }

  /** How many entries are queued. */
  get size(): number {
    return this.#size;
  }

  /** The earliest queued deadline, or `Infinity`: the smallest deadline of the next expiring slot. */
  get earliest(): number {
    const slot = this.#nextSlot();
    if (slot < 0) return Infinity;
    let earliest = Infinity;
    for (let entry = this.#heads[slot] as TimerEntry | null; entry !== null; entry = entry.next) {
      if (entry.deadline < earliest) earliest = entry.deadline;
    }
    return earliest;
  }

  /** Queues `entry` (not queued yet) with `waker`, whose ownership passes to the queue. */
  insert(entry: TimerEntry, waker: RawWaker<unknown>): void {
    entry.waker = waker;
    this.#place(entry);
    this.#size++;
    if (entry.deadline < this.#armedFor) this.#arm(entry.deadline);
  }

  /**
   * Makes `entry` wait for its deadline with `waker`: queues it with a clone of `waker` if it is
   * not queued, else keeps only the latest waker (replacing the stored one).
   */
  wait(entry: TimerEntry, waker: Waker): void {
    if (entry.slot === NOT_QUEUED) this.insert(entry, replaceRawWaker(null, waker));
    else entry.waker = replaceRawWaker(entry.waker, waker);
  }

  /**
   * Moves `entry` to `deadline`: a queued entry keeps its waker and is re-linked (O(1), no
   * allocation), and the driver is armed earlier if needed; an entry not queued only takes the
   * new deadline, for its next registration.
   */
  reschedule(entry: TimerEntry, deadline: number): void {
    entry.deadline = deadline;
    if (entry.slot === NOT_QUEUED) return;
    this.#unlink(entry);
    this.#place(entry);
    if (deadline < this.#armedFor) this.#arm(deadline);
  }

  /** Removes a queued `entry` and drops its waker; does nothing when it is not queued. */
  remove(entry: TimerEntry): void {
    if (entry.slot === NOT_QUEUED) return;
    this.#unlink(entry);
    entry.waker = dropRawWaker(entry.waker);
    // The driver may still fire once for a removed entry; fire() then finds nothing due. Only an
    // empty queue disarms, so that the driver stops holding the process open.
    if (--this.#size === 0) this.#arm(Infinity);
  }

  /**
   * Wakes every entry whose deadline has passed, or every entry when the driver closed, and arms
   * the driver for the earliest deadline left; returns how many it woke. Called by the driver;
   * harmless when nothing is due.
   */
  fire(): number {
    if (this.driver.closeReason !== null) return this.#fireAll();
    const now = this.driver.now();
    const nowTick = this.#tickOf(now);
    const heads = this.#heads;
    // Due entries are linked through `next` (already out of the wheel) and woken last, once the
    // wheel is consistent and the driver re-armed.
    let dueHead: TimerEntry | null = null;
    let dueTail: TimerEntry | null = null;
    let due = 0;
    // Entries of the current tick due later within it, put back once the wheel stops advancing.
    let keptHead: TimerEntry | null = null;
    for (;;) {
      const slot = this.#nextSlot();
      if (slot < 0) break;
      const start = this.#slotStart(slot);
      if (start > nowTick) break;
      // Take the slot's whole list; the wheel now stands at the slot's start.
      let entry = heads[slot] as TimerEntry | null;
      heads[slot] = this.#tails[slot] = null;
      if (start > this.#elapsed) this.#elapsed = start;
      const level = slot >> SLOT_BITS; // LEVELS for the far list
      while (entry !== null) {
        const next = entry.next;
        this.#perLevel[level]!--;
        entry.prev = entry.next = null;
        if (level > 0) {
          this.#place(entry); // one level down (or more)
        } else if (entry.deadline <= now) {
          entry.slot = NOT_QUEUED;
          if (dueTail === null) dueHead = entry;
          else dueTail.next = entry;
          dueTail = entry;
          due++;
        } else {
          entry.slot = NOT_QUEUED;
          entry.next = keptHead;
          keptHead = entry;
        }
        entry = next;
      }
      if (keptHead !== null) break; // the current tick is reached: nothing later can be due
    }
    if (nowTick > this.#elapsed) this.#elapsed = nowTick;
    // Put the current tick's pending entries back, in their registration order.
    let reversed: TimerEntry | null = null;
    while (keptHead !== null) {
      const next = keptHead.next;
      keptHead.next = reversed;
      reversed = keptHead;
      keptHead = next;
    }
    while (reversed !== null) {
      const next = reversed.next;
      reversed.next = null;
      this.#place(reversed);
      reversed = next;
    }
    this.#size -= due;
    this.#arm(this.#size === 0 ? Infinity : this.earliest);
    while (dueHead !== null) {
      const next = dueHead.next;
      dueHead.next = null;
      dueHead.waker = wakeRawWaker(dueHead.waker);
      dueHead = next;
    }
    return due;
  }

  /** The driver closed: wakes every entry, slot by slot (their futures then fail). */
  #fireAll(): number {
    const heads = this.#heads;
    let due = 0;
    for (let slot = 0; slot <= FAR; slot++) {
      let entry = heads[slot] as TimerEntry | null;
      heads[slot] = this.#tails[slot] = null;
      while (entry !== null) {
        const next = entry.next;
        entry.prev = entry.next = null;
        entry.slot = NOT_QUEUED;
        entry.waker = wakeRawWaker(entry.waker);
        due++;
        entry = next;
      }
    }
    this.#perLevel.fill(0);
    this.#size = 0;
    this.#arm(Infinity);
    return due;
  }

  #tickOf(instant: number): number {
    return Math.floor((instant - this.#origin) * TICKS_PER_MS);
  }

  #arm(instant: number): void {
    this.#armedFor = instant;
    this.driver.arm(instant);
  }

  /** Links `entry` (not in any slot) at the tail of the slot its deadline belongs in now. */
  #place(entry: TimerEntry): void {
    const elapsed = this.#elapsed;
    let tick = this.#tickOf(entry.deadline);
    if (tick < elapsed) tick = elapsed; // already due: the current tick's slot
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
    entry.slot = slot;
    const tail = this.#tails[slot] as TimerEntry | null;
    entry.prev = tail;
    entry.next = null;
    if (tail === null) this.#heads[slot] = entry;
    else tail.next = entry;
    this.#tails[slot] = entry;
    this.#perLevel[slot >> SLOT_BITS]!++; // FAR >> SLOT_BITS is LEVELS: the far list's count
  }

  #unlink(entry: TimerEntry): void {
    const slot = entry.slot;
    const prev = entry.prev;
    const next = entry.next;
    if (prev === null) this.#heads[slot] = next;
    else prev.next = next;
    if (next === null) this.#tails[slot] = prev;
    else next.prev = prev;
    entry.prev = entry.next = null;
    entry.slot = NOT_QUEUED;
    this.#perLevel[slot >> SLOT_BITS]!--; // FAR >> SLOT_BITS is LEVELS
  }

  /**
   * The next slot to expire: the first occupied slot, from the wheel's position, of the lowest
   * non-empty level (then the far list), or -1 when the wheel is empty.
   */
  #nextSlot(): number {
    const perLevel = this.#perLevel;
    const heads = this.#heads;
    for (let level = 0; level < LEVELS; level++) {
      if (perLevel[level] === 0) continue;
      const shift = level * SLOT_BITS;
      const position = Math.floor((this.#elapsed % SPAN) / 2 ** shift) & SLOT_MASK;
      for (let digit = position; digit < SLOTS; digit++) {
        if (heads[level * SLOTS + digit] !== null) return level * SLOTS + digit;
      }
      // Occupied slots behind the position cannot exist (see the invariant); fall through safely.
      for (let digit = 0; digit < position; digit++) {
        if (heads[level * SLOTS + digit] !== null) return level * SLOTS + digit;
      }
    }
    return perLevel[LEVELS] === 0 ? -1 : FAR;
  }

  /** The first tick a slot covers, given the wheel's position. */
  #slotStart(slot: number): number {
    const elapsed = this.#elapsed;
    if (slot === FAR) return (Math.floor(elapsed / SPAN) + 1) * SPAN;
    const level = Math.floor(slot / SLOTS);
    const unit = 2 ** (level * SLOT_BITS);
    const above = unit * SLOTS;
    return Math.floor(elapsed / above) * above + (slot - level * SLOTS) * unit;
  }
}
