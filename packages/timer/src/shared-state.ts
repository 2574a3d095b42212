import { SpindleError } from "@spindle/core";
import type { CloseReason } from "./errors.ts";
import { Condvar } from "./sync/condvar.ts";
import { Mutex } from "@spindle/core";

/**
 * The memory shared by the timer thread and its clients (one client per thread that uses the
 * timer), in one `SharedArrayBuffer`.
 *
 * Int32 words: the mutex, the condition variable, the lifecycle (`STATE`, `CLOSE_REASON`,
 * `EXITED`), the number of clients, a count of condition-variable notifies (a statistic the tests
 * read), and per client the `WakeTable` slot to wake and whether the thread has read the client's
 * introduction. Float64 words: `SLEEPING_UNTIL`, the instant
 * the timer thread sleeps until, and per client its earliest deadline (`Infinity` for none).
 *
 * Who may touch what: deadlines, wake slots and `SLEEPING_UNTIL` only under the mutex (they are
 * plain Float64 accesses, ordered by the mutex's atomics). The lifecycle words are atomics, read
 * without the lock, so that a client can see that the thread died even if it died holding the lock.
 */
export class SharedTimerState {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #times: Float64Array;
  readonly #mutex: Mutex;
  readonly #condvar: Condvar;

  /** Fresh state: no client, no deadline, the thread not started. */
  static create(): SharedTimerState {
    const state = new SharedTimerState(new SharedArrayBuffer(BYTES));
    // Until the thread has scanned once it counts as awake: arming needs no notify.
    state.#times.fill(Infinity);
    state.#times[SLEEPING_UNTIL] = -Infinity;
    return state;
  }

  constructor(buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength !== BYTES) {
      throw new SpindleError("INVALID_ARGUMENT", "not the shared state of a Spindle timer (see Timer.share())");
    }
    this.buffer = buffer;
    this.#words = new Int32Array(buffer, 0, FLOATS_AT / 4);
    this.#times = new Float64Array(buffer, FLOATS_AT);
    this.#mutex = new Mutex(this.#words, MUTEX);
    this.#condvar = new Condvar(this.#words, CONDVAR);
  }

  /**
   * Takes the mutex. Returns `false`, without it, when the timer closed while this thread waited
   * (the thread may have died holding it).
   */
  lock(): boolean {
    return this.#mutex.lock(this.#closed);
  }

  /** Whether the timer closed, as a function made once: `lock` runs on every arm and scan. */
  readonly #closed = (): boolean => this.isClosed;

  unlock(): void {
    this.#mutex.unlock();
  }

  /** Timer thread only, holding the mutex: sleeps until notified or `timeoutMs` passed. */
  waitForChange(timeoutMs: number): void {
    this.#condvar.wait(this.#mutex, timeoutMs);
  }

  /** Wakes the timer thread from `waitForChange` and counts the notify. */
  notifyThread(): void {
    Atomics.add(this.#words, NOTIFIES, 1);
    this.#condvar.notifyOne();
  }

  /** How many times clients notified the timer thread. */
  get notifies(): number {
    return Atomics.load(this.#words, NOTIFIES);
  }

  get isClosed(): boolean {
    return Atomics.load(this.#words, STATE) === CLOSED;
  }

  get closeReason(): CloseReason | null {
    if (!this.isClosed) return null;
    return Atomics.load(this.#words, CLOSE_REASON) === THREAD_EXITED ? "thread-exited" : "disposed";
  }

  /** Closes the timer for `reason`; the first reason wins. Returns whether this call closed it. */
  close(reason: CloseReason): boolean {
    const words = this.#words;
    if (Atomics.load(words, STATE) === CLOSED) return false;
    Atomics.store(words, CLOSE_REASON, reason === "thread-exited" ? THREAD_EXITED : DISPOSED);
    return Atomics.exchange(words, STATE, CLOSED) !== CLOSED;
  }

  /** Timer thread: announces that it woke every client and stops touching shared memory. */
  markExited(): void {
    Atomics.store(this.#words, EXITED, 1);
    Atomics.notify(this.#words, EXITED);
  }

  /** Blocks until the thread exited its loop, at most `timeoutMs`; returns whether it did. */
  waitUntilExited(timeoutMs: number): boolean {
    Atomics.wait(this.#words, EXITED, 0, timeoutMs);
    return Atomics.load(this.#words, EXITED) === 1;
  }

  /** Reserves the next client index; throws `CAPACITY_EXCEEDED` when all are taken. */
  allocateClient(): number {
    const index = Atomics.add(this.#words, CLIENTS, 1);
    if (index >= MAX_CLIENTS) {
      Atomics.sub(this.#words, CLIENTS, 1);
      throw new SpindleError("CAPACITY_EXCEEDED", `a timer serves at most ${MAX_CLIENTS} threads`);
    }
    return index;
  }

  /** How many client indices were handed out. */
  get clientCount(): number {
    return Math.min(Atomics.load(this.#words, CLIENTS), MAX_CLIENTS);
  }

  /** Under the mutex: client `i`'s earliest deadline, `Infinity` when it has none. */
  deadline(i: number): number {
    return this.#times[DEADLINES + i]!;
  }

  setDeadline(i: number, deadline: number): void {
    this.#times[DEADLINES + i] = deadline;
  }

  /** Whether the timer thread has read client `i`'s introduction (its `WakeTable` buffer). */
  isIntroduced(i: number): boolean {
    return Atomics.load(this.#words, INTRODUCED + i) === 1;
  }

  /** Timer thread: records that it read client `i`'s introduction. */
  markIntroduced(i: number): void {
    Atomics.store(this.#words, INTRODUCED + i, 1);
  }

  /** Client `i`'s slot in its thread's `WakeTable` (read atomically, also without the mutex). */
  wakeSlot(i: number): number {
    return Atomics.load(this.#words, WAKE_SLOTS + i);
  }

  setWakeSlot(i: number, slot: number): void {
    Atomics.store(this.#words, WAKE_SLOTS + i, slot);
  }

  /**
   * Under the mutex: the instant the timer thread sleeps until; `-Infinity` while it is awake or
   * already notified, when it rescans every deadline before it sleeps again.
   */
  get sleepingUntil(): number {
    return this.#times[SLEEPING_UNTIL]!;
  }

  set sleepingUntil(instant: number) {
    this.#times[SLEEPING_UNTIL] = instant;
  }
}

/** How many threads one timer serves. */
export const MAX_CLIENTS = 1024;

// Int32 words.
const MUTEX = 0;
const CONDVAR = 1;
const STATE = 2;
const CLOSE_REASON = 3;
const CLIENTS = 4;
const NOTIFIES = 5;
const EXITED = 6;
const WAKE_SLOTS = 8;
const INTRODUCED = WAKE_SLOTS + MAX_CLIENTS;
const FLOATS_AT = (INTRODUCED + MAX_CLIENTS) * 4;
// Float64 words, from FLOATS_AT.
const SLEEPING_UNTIL = 0;
const DEADLINES = 1;
const BYTES = FLOATS_AT + (DEADLINES + MAX_CLIENTS) * 8;

// STATE values (0 while open).
const CLOSED = 1;
// CLOSE_REASON values.
const DISPOSED = 1;
const THREAD_EXITED = 2;
