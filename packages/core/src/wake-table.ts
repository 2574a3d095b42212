import { KEY } from "./construct-key.ts";
import { describe, isInstance, noPublicConstructor, SpindleError } from "./errors.ts";
import { readHandle } from "./read-handle.ts";
import { sharedBufferLength } from "./shared-word.ts";
import { checkTimeout, spinWhileEquals } from "./atomics-wait.ts";
import { holdProcessOpen } from "./keep-alive.ts";
import { type RawWaker, type RawWakerVTable, replaceWaker, Waker } from "./waker.ts";
import { yieldToHost } from "./yield-to-host.ts";

/**
 * A waker slot in another thread's {@linkcode WakeTable}: plain data, so it can be posted to a
 * worker or its slot number stored in shared memory. Turn it into a waker with
 * {@linkcode sharedWaker} on any thread.
 */
export interface SharedWakerHandle {
  /** The wake table's shared memory. */
  readonly buffer: SharedArrayBuffer;
  /** The slot in that table. */
  readonly slot: number;
}

// Layout of the table's Int32Array. Every word is read and written only with `Atomics`, since each
// is shared: wakers on any thread set bits, bump EPOCH and read WAITERS; the owner clears bits,
// reads EPOCH and counts its waits in WAITERS. All `Atomics` operations are sequentially
// consistent (SC): they fall in one total order that respects each thread's program order (see
// work-deque.ts, "Memory model"). The waker's side is `wakeShared`, the owner's side `drain` and
// the waits (`waitSync`, `#listenLoop`); the pairs:
//
// - BITS then SUMMARY (waker) against SUMMARY then BITS (drain): a set bit is always found by a
//   drain that starts after the waker set the summary bit (argued in `drain`);
// - SUMMARY then EPOCH (waker) against "read EPOCH, then drain" (owner): an owner that sees the
//   bumped epoch drains after the summary bit was set; one that does not see it waits on the old
//   epoch, which the bump ends (argued in `waitSync`);
// - EPOCH then WAITERS (waker) against WAITERS then the wait's check of EPOCH (owner): the waker
//   skips `Atomics.notify` only when the owner's wait will see the new epoch (argued in `waitSync`).
//
// The table's other fields (`#wakers`, `#free`, the counts) are ordinary objects of the owner
// thread; other threads never see them.
const EPOCH = 0; // bumped by every remote wake; what waiters wait on (wraps after 2^32 wakes)
const WAITERS = 1; // waits currently pending on EPOCH: the listener's waitAsync, a blockOn's wait
const SUMMARY = 2; // one bit per group of 32 slots: "a bit may be set in this group"
/** How many slots one table holds. */
export const WAKE_TABLE_CAPACITY: number = 1 << 20;
const SUMMARY_WORDS = WAKE_TABLE_CAPACITY >>> 10;
const BITS = SUMMARY + SUMMARY_WORDS; // one bit per slot: "this slot was woken"
const WORDS = BITS + (WAKE_TABLE_CAPACITY >>> 5);

let current: WakeTable | null = null;

/**
 * The cross-thread wakers of one thread: slots in a `SharedArrayBuffer` that other threads set,
 * and local wakers that this thread wakes when it drains them.
 *
 * A future on this thread that will be woken by another thread (the timer thread, a worker)
 * registers its waker here and sends the slot's handle to that thread; the other thread wakes it
 * with {@linkcode sharedWaker} (vtable code that every thread loads), which sets the slot's bit and
 * notifies this thread. The owner drains: an async listener does so while any slot is registered
 * (and keeps the process alive meanwhile), and `blockOn` does so while it blocks.
 *
 * Slots belong to this side: the future that registered one unregisters it when it completes or is
 * dropped. A wake that races with that, or lands on a reused slot, is a spurious wake, which every
 * future must tolerate.
 *
 * @example
 * ```ts
 * import { blockOn, pollFn, PENDING, sharedWaker, WakeTable, type SharedWakerHandle } from "@spindle/core";
 *
 * let handle: SharedWakerHandle | null = null;
 * const output = blockOn(pollFn((cx) => {
 *   if (handle !== null) {
 *     WakeTable.forThisThread().unregister(handle);
 *     return "woken through shared memory";
 *   }
 *   handle = WakeTable.forThisThread().register(cx.waker);
 *   sharedWaker(handle).wake(); // another thread would do this, after receiving `handle`
 *   return PENDING;
 * }));
 * console.log(output);
 * ```
 */
export class WakeTable {
  readonly #view: Int32Array;
  readonly #wakers: (Waker | undefined)[] = [];
  readonly #free: number[] = [];
  #registered = 0;
  #listening = false;
  #release: (() => void) | null = null;

  private constructor(key: typeof KEY, buffer: SharedArrayBuffer) {
    if (key !== KEY) throw noPublicConstructor("WakeTable", "use WakeTable.forThisThread()", key);
    this.#view = new Int32Array(buffer);
  }

  /**
   * This thread's table, created on first use: over `buffer` when one is given (from
   * {@linkcode WakeTable.createBuffer}), so that other threads can know a thread's table before
   * it starts. Throws `INVALID_ARGUMENT` when `buffer` is not such a buffer, or when this thread's
   * table already exists over another one. A buffer is one thread's table at a time: a thread may
   * adopt the buffer of a thread that has ended (wakes left in it are spurious wakes of the slots
   * it reuses), but two live threads over one buffer drain each other's wakes, which are then lost.
   */
  static forThisThread(buffer?: SharedArrayBuffer): WakeTable {
    if (buffer !== undefined) {
      if (!isTableBuffer(buffer)) {
        throw new SpindleError(
          "INVALID_ARGUMENT",
          `a WakeTable needs a buffer from WakeTable.createBuffer(), got ${describe(buffer)}`,
        );
      }
      if (current !== null && current.buffer !== buffer) {
        throw new SpindleError("INVALID_ARGUMENT", "this thread's WakeTable already exists over another buffer");
      }
    }
    current ??= new WakeTable(KEY, buffer ?? WakeTable.createBuffer());
    return current;
  }

  /**
   * Zeroed memory for a table that a thread adopts with {@linkcode WakeTable.forThisThread}, e.g.
   * a worker that receives it in its `workerData`: wakes aimed at it before it starts are kept.
   *
   * @example
   * ```ts
   * import { WakeTable } from "@spindle/core";
   *
   * const buffer = WakeTable.createBuffer(); // post it to a worker, which adopts it first thing
   * console.log(buffer.byteLength > 0); // true
   * ```
   */
  static createBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(WORDS * 4);
  }

  /** This thread's table if one was created, else `null`. */
  static ifCreated(): WakeTable | null {
    return current;
  }

  /** The table's shared memory. */
  get buffer(): SharedArrayBuffer {
    return this.#view.buffer as SharedArrayBuffer;
  }

  /** How many slots are registered. */
  get registered(): number {
    return this.#registered;
  }

  /** The wake counter; pass it to {@linkcode WakeTable.waitSync} after draining. */
  get epoch(): number {
    // SC load, taken before the drain: see waitSync for why that order loses no wake.
    return Atomics.load(this.#view, EPOCH);
  }

  /**
   * Registers a clone of `waker` in a free slot and returns the slot's handle for another thread.
   * It wakes no waker: a wake meant for the slot's last user may still wake this one later, once.
   * Throws `CAPACITY_EXCEEDED` when all {@linkcode WAKE_TABLE_CAPACITY} slots are in use.
   */
  register(waker: Waker): SharedWakerHandle {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#wakers.length;
      if (slot >= WAKE_TABLE_CAPACITY) {
        throw new SpindleError(
          "CAPACITY_EXCEEDED",
          `a WakeTable holds at most ${WAKE_TABLE_CAPACITY} registered wakers`,
        );
      }
    }
    this.#wakers[slot] = waker.clone();
    this.#registered++;
    this.#listen();
    return { buffer: this.buffer, slot };
  }

  /** Replaces the waker of a registered slot when `waker` would wake a different task. */
  update(handle: SharedWakerHandle, waker: Waker): void {
    const slot = this.#own(handle);
    this.#wakers[slot] = replaceWaker(this.#wakers[slot] ?? null, waker);
  }

  /** Frees a slot and drops its waker. */
  unregister(handle: SharedWakerHandle): void {
    const slot = this.#own(handle);
    this.#wakers[slot]?.drop();
    this.#wakers[slot] = undefined;
    // An atomic read-modify-write, since wakers set the other 31 bits of this word concurrently (a
    // plain read and write could erase their bits). A wake aimed at this slot that lands after
    // this clear (it raced with the unregister) stays set: the drain skips it while the slot is
    // free, or wakes the slot's next user spuriously once it is reused; both are harmless (see
    // the class doc). The group's summary bit is left alone: at worst one drain visits an empty
    // group.
    Atomics.and(this.#view, BITS + (slot >>> 5), ~(1 << (slot & 31)));
    this.#free.push(slot);
    if (--this.#registered === 0) this.#stopHoldingOpen();
  }

  /**
   * Wakes (by reference) the waker of every slot woken since the last drain; returns how many.
   *
   * No set bit is missed. A waker sets the slot's bit, then the group's summary bit (both SC);
   * the drain exchanges the summary word to 0, then each group's bits word it found set. If the
   * summary exchange saw the waker's summary bit, the waker's bit store came earlier still, so the
   * bits exchange that follows takes it. If it did not, the summary bit is set after the exchange
   * and stays set, so the next drain visits the group (and finds the bit, unless this drain's bits
   * exchange already took it: an empty visit). A bit is therefore without a set summary bit only
   * while its waker is between its two stores, and that waker bumps the epoch afterwards, which
   * makes the owner drain again (see `waitSync`).
   */
  drain(): number {
    const view = this.#view;
    const wakers = this.#wakers;
    const summaryWords = (wakers.length + 1023) >>> 10;
    let woken = 0;
    // Only the summary words that cover slots ever registered: a wake for a slot never registered
    // (a stale or forged handle) wakes nothing, whether its bits are drained (no waker there) or
    // left set past these words.
    for (let s = 0; s < summaryWords; s++) {
      // A load before the exchange, so that an idle group of 1,024 slots costs a read, not a write
      // of a shared cache line. A 0 read here just before a waker's summary store is the case
      // above: the next drain finds it.
      if (Atomics.load(view, SUMMARY + s) === 0) continue;
      let groups = Atomics.exchange(view, SUMMARY + s, 0);
      while (groups !== 0) {
        const group = (s << 5) + lowestBit(groups);
        groups &= groups - 1;
        let bits = Atomics.exchange(view, BITS + group, 0);
        while (bits !== 0) {
          const waker = wakers[(group << 5) + lowestBit(bits)];
          bits &= bits - 1;
          if (waker !== undefined) {
            waker.wakeByRef();
            woken++;
          }
        }
      }
    }
    return woken;
  }

  /**
   * Blocks this thread until a remote wake bumps the epoch past `epoch` (read it before draining,
   * so that a wake landing in between is not missed) or `timeoutMs` passes. Throws
   * `INVALID_ARGUMENT` for an `epoch` that is not an int32, a `RangeError` for a timeout that is
   * not a number ≥ 0 (`Atomics.wait` would wait forever on NaN).
   */
  waitSync(epoch: number, timeoutMs: number = Infinity): void {
    if ((epoch | 0) !== epoch) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `an epoch is an int32 read from WakeTable.epoch, got ${describe(epoch)}`,
      );
    }
    checkTimeout(timeoutMs);
    const view = this.#view;
    // The spin only loads, so it needs no WAITERS count: a wake seen here ends it, one that comes
    // later is caught by the wait below.
    if (spinWhileEquals(view, EPOCH, epoch)) return;
    // No lost wake-up (a Dekker pair with wakeShared, all SC): we add to WAITERS and then the wait
    // reads EPOCH; a waker adds to EPOCH and then reads WAITERS. In the one total order, either
    // the waker's WAITERS load comes after our add, and it notifies, or it comes before, and then
    // its EPOCH bump precedes our wait's read of EPOCH, which returns "not-equal" at once.
    // `Atomics.wait` reads the word and enqueues this thread in one critical section of the
    // runtime's waiter list, which `Atomics.notify` enters too, so a notify that follows the bump
    // either finds us enqueued or came before a read that sees the bump. The caller read `epoch`
    // before draining: a wake that drain missed stored its summary bit after the drain's exchange
    // (see drain), hence after that read, and bumps EPOCH after that store, so the wait does not
    // sleep on the value it read.
    // EPOCH wraps: a wait whose caller missed exactly a multiple of 2^32 wakes in between would
    // sleep until the next wake or the timeout; accepted.
    Atomics.add(view, WAITERS, 1);
    Atomics.wait(view, EPOCH, epoch, timeoutMs === Infinity ? undefined : timeoutMs);
    // After the wait: a waker that still sees this count notifies nobody, a needless system call.
    Atomics.sub(view, WAITERS, 1);
  }

  #own(handle: SharedWakerHandle): number {
    const { buffer, slot: given } = readWakeHandle(handle);
    const slot = checkSlot(given);
    if (buffer !== this.buffer || this.#wakers[slot] === undefined) {
      throw new SpindleError("INVALID_ARGUMENT", `slot ${describe(slot)} is not registered in this thread's WakeTable`);
    }
    return slot;
  }

  /** Runs the async listener while slots are registered, holding the process open meanwhile. */
  #listen(): void {
    this.#release ??= holdProcessOpen();
    if (this.#listening) return;
    this.#listening = true;
    // From a microtask, never inside register(): the loop's first drain would wake the new slot
    // at once when a stale wake (one that landed after the slot's last unregister, which every
    // wake racing an unregister may) left its bit set, running the caller's waker before
    // register() returned the handle. A waker that polls its future there registers again (the
    // future has no slot yet), and the caller then keeps the first handle over the second: a slot
    // nobody unregisters, which holds the process open for good. The wakes the delay covers are
    // not lost: they bumped the epoch, and their bits wait for the first drain.
    queueMicrotask(() => void this.#listenLoop());
  }

  async #listenLoop(): Promise<void> {
    const view = this.#view;
    while (this.#registered > 0) {
      // The same protocol as waitSync: the epoch before the drain, WAITERS before the wait's SC
      // check of EPOCH (waitAsync checks the word and enqueues in one step, as wait does).
      const epoch = Atomics.load(view, EPOCH);
      this.drain();
      if (this.#registered === 0) break;
      Atomics.add(view, WAITERS, 1);
      const wait = Atomics.waitAsync(view, EPOCH, epoch);
      if (wait.async) await wait.value;
      Atomics.sub(view, WAITERS, 1);
      // Woken again while draining: without a turn of the event loop here, a steady stream of
      // remote wakes would drain on and on, and the tasks just woken (and the host's I/O) would
      // never run.
      if (!wait.async) await yieldToHost();
    }
    this.#listening = false;
    this.#stopHoldingOpen();
  }

  #stopHoldingOpen(): void {
    this.#release?.();
    this.#release = null;
  }
}

/** Index of the lowest set bit of a non-zero 32-bit integer. */
function lowestBit(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}

/** Whether `buffer` is a table's memory: a SharedArrayBuffer of {@linkcode WakeTable.createBuffer}'s size. */
function isTableBuffer(buffer: unknown): buffer is SharedArrayBuffer {
  // isInstance refuses what cannot be read (a revoked Proxy) as such; a Proxy of a
  // SharedArrayBuffer passes it, and its length is then -1: no table.
  const needs = "a shared waker's buffer comes from WakeTable.createBuffer()";
  return isInstance(buffer, SharedArrayBuffer, needs) && sharedBufferLength(buffer) === WORDS * 4;
}

/**
 * The fields of `handle`, each read once (see {@linkcode readHandle}), if it is an object; the
 * error names it otherwise. The caller checks them.
 */
function readWakeHandle(handle: SharedWakerHandle): { readonly buffer: unknown; readonly slot: unknown } {
  if (typeof handle !== "object" || handle === null) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `a shared waker handle is { buffer, slot } from WakeTable.register(), got ${describe(handle)}`,
    );
  }
  return readHandle(handle, "a shared waker", ["buffer", "slot"]);
}

/**
 * Returns `slot` if it is a slot number: an integer from 0 below {@linkcode WAKE_TABLE_CAPACITY}.
 * Without this check the bit arithmetic would wake another slot (1.5 wakes slot 1, NaN slot 0)
 * and a slot past the table would throw a bare RangeError from `Atomics`.
 */
function checkSlot(slot: unknown): number {
  if (typeof slot !== "number" || (slot >>> 0) !== slot || slot >= WAKE_TABLE_CAPACITY) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `a wake slot is an integer from 0 to ${WAKE_TABLE_CAPACITY - 1}, got ${describe(slot)}`,
    );
  }
  return slot;
}

const views = new WeakMap<SharedArrayBuffer, Int32Array>();

/** The view over the table of a handle's `buffer`; the error names what is wrong with it. */
function tableView(buffer: unknown): Int32Array {
  let view = views.get(buffer as SharedArrayBuffer);
  if (view === undefined) {
    if (!isTableBuffer(buffer)) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `a shared waker's buffer comes from WakeTable.createBuffer(), got ${describe(buffer)}`,
      );
    }
    view = new Int32Array(buffer);
    views.set(buffer, view);
  }
  return view;
}

/**
 * Wakes a registered slot from any thread: sets its bit, then notifies the owning thread if it is
 * waiting. The bit is set before the epoch is bumped, so an owner that sees the new epoch finds the
 * bit when it drains. Throws `INVALID_ARGUMENT`, naming the value, for a handle whose buffer is
 * not a table's or whose slot is not a slot number (see {@linkcode WAKE_TABLE_CAPACITY}).
 */
export function wakeShared(handle: SharedWakerHandle): void {
  const { buffer, slot: given } = readWakeHandle(handle);
  const view = tableView(buffer);
  const slot = checkSlot(given);
  // Bit, then summary, then epoch, then waiters: each SC, each step's order argued on the owner's
  // side (drain for the first two, WakeTable.waitSync for the last two). The ors are atomic
  // read-modify-writes because other wakers set other bits of the same words concurrently. What
  // this thread did before the wake happens-before what the owner does after a drain that finds
  // the bit: the drain's exchange reads our or's write, or a later read-modify-write of the word
  // that read it.
  Atomics.or(view, BITS + (slot >>> 5), 1 << (slot & 31));
  Atomics.or(view, SUMMARY + (slot >>> 10), 1 << ((slot >>> 5) & 31));
  Atomics.add(view, EPOCH, 1);
  // Wake every waiter, not one: the owner thread may have two waits pending at once (the
  // listener's waitAsync, queued first, and a blockOn blocked in waitSync), and notify wakes in
  // arrival order, so a count of 1 could resolve the listener's promise while the blocked thread
  // sleeps on.
  if (Atomics.load(view, WAITERS) !== 0) Atomics.notify(view, EPOCH);
}

const SHARED_VTABLE: RawWakerVTable<SharedWakerHandle> = {
  clone: (handle) => ({ data: handle, vtable: SHARED_VTABLE }),
  wake: wakeShared,
  wakeByRef: wakeShared,
  drop: () => {},
};

/**
 * A waker, usable on any thread, for a slot of some thread's {@linkcode WakeTable}. Throws
 * `INVALID_ARGUMENT` at once for a handle that {@linkcode wakeShared} would refuse.
 *
 * @example
 * ```ts
 * import { Waker, WakeTable, sharedWaker } from "@spindle/core";
 *
 * const table = WakeTable.forThisThread();
 * const handle = table.register(Waker.noop());
 * sharedWaker(handle).wake(); // from a worker in real use
 * console.log(table.drain()); // 1
 * table.unregister(handle);
 * ```
 */
export function sharedWaker(handle: SharedWakerHandle): Waker {
  const { buffer, slot } = readWakeHandle(handle);
  tableView(buffer);
  // The waker keeps the fields checked here, not `handle`, whose getters could answer otherwise later.
  const checked: SharedWakerHandle = Object.freeze({ buffer: buffer as SharedArrayBuffer, slot: checkSlot(slot) });
  const raw: RawWaker<SharedWakerHandle> = { data: checked, vtable: SHARED_VTABLE };
  return Waker.fromRaw(raw);
}
