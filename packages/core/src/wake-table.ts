import { describe, SpindleError } from "./errors.ts";
import { checkTimeout, spinWhileEquals } from "./futex.ts";
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

// Layout of the table's Int32Array. Every access from another thread is an Atomics operation.
const EPOCH = 0; // bumped by every remote wake; what waiters wait on
const WAITERS = 1; // threads (or async waits) currently waiting on EPOCH
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

  private constructor(buffer: SharedArrayBuffer) {
    this.#view = new Int32Array(buffer);
  }

  /**
   * This thread's table, created on first use: over `buffer` when one is given (from
   * {@linkcode WakeTable.createBuffer}), so that other threads can know a thread's table before
   * it starts. Throws `INVALID_ARGUMENT` when `buffer` is not such a buffer, or when this thread's
   * table already exists over another one.
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
    current ??= new WakeTable(buffer ?? WakeTable.createBuffer());
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
    return Atomics.load(this.#view, EPOCH);
  }

  /**
   * Registers a clone of `waker` in a free slot and returns the slot's handle for another thread.
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
    Atomics.and(this.#view, BITS + (slot >>> 5), ~(1 << (slot & 31)));
    this.#free.push(slot);
    if (--this.#registered === 0) this.#stopHoldingOpen();
  }

  /** Wakes (by reference) the waker of every slot woken since the last drain; returns how many. */
  drain(): number {
    const view = this.#view;
    const wakers = this.#wakers;
    const summaryWords = (wakers.length + 1023) >>> 10;
    let woken = 0;
    for (let s = 0; s < summaryWords; s++) {
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
    if (spinWhileEquals(view, EPOCH, epoch)) return;
    Atomics.add(view, WAITERS, 1);
    Atomics.wait(view, EPOCH, epoch, timeoutMs === Infinity ? undefined : timeoutMs);
    Atomics.sub(view, WAITERS, 1);
  }

  #own(handle: SharedWakerHandle): number {
    const slot = checkSlot(checkHandle(handle).slot);
    if (handle.buffer !== this.buffer || this.#wakers[slot] === undefined) {
      throw new SpindleError("INVALID_ARGUMENT", `slot ${describe(slot)} is not registered in this thread's WakeTable`);
    }
    return slot;
  }

  /** Runs the async listener while slots are registered, holding the process open meanwhile. */
  #listen(): void {
    this.#release ??= holdProcessOpen();
    if (this.#listening) return;
    this.#listening = true;
    void this.#listenLoop();
  }

  async #listenLoop(): Promise<void> {
    const view = this.#view;
    while (this.#registered > 0) {
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
  return buffer instanceof SharedArrayBuffer && buffer.byteLength === WORDS * 4;
}

/** Returns `handle` if it is an object; the error names it otherwise. */
function checkHandle(handle: SharedWakerHandle): SharedWakerHandle {
  if (typeof handle !== "object" || handle === null) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `a shared waker handle is { buffer, slot } from WakeTable.register(), got ${describe(handle)}`,
    );
  }
  return handle;
}

/**
 * Returns `slot` if it is a slot number: an integer from 0 below {@linkcode WAKE_TABLE_CAPACITY}.
 * Without this check the bit arithmetic would wake another slot (1.5 wakes slot 1, NaN slot 0)
 * and a slot past the table would throw a bare RangeError from `Atomics`.
 */
function checkSlot(slot: number): number {
  if ((slot >>> 0) !== slot || slot >= WAKE_TABLE_CAPACITY) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `a wake slot is an integer from 0 to ${WAKE_TABLE_CAPACITY - 1}, got ${describe(slot)}`,
    );
  }
  return slot;
}

const views = new WeakMap<SharedArrayBuffer, Int32Array>();

/** The view over the table that `handle` names; the error names what is wrong with the handle. */
function tableView(handle: SharedWakerHandle): Int32Array {
  const buffer = checkHandle(handle).buffer;
  let view = views.get(buffer);
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
  const view = tableView(handle);
  const slot = checkSlot(handle.slot);
  Atomics.or(view, BITS + (slot >>> 5), 1 << (slot & 31));
  Atomics.or(view, SUMMARY + (slot >>> 10), 1 << ((slot >>> 5) & 31));
  Atomics.add(view, EPOCH, 1);
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
  tableView(handle);
  checkSlot(handle.slot);
  const raw: RawWaker<SharedWakerHandle> = { data: handle, vtable: SHARED_VTABLE };
  return Waker.fromRaw(raw);
}
