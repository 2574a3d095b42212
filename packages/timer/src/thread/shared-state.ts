import { Condvar, Mutex, sharedBufferLength, SpindleError, WAKE_TABLE_CAPACITY } from "@spindle/core";
import { clockNow } from "../clock.ts";
import { type CloseReason, TimerStateError } from "../errors.ts";
import { CORRUPTION_BYTES, readCorruption, writeCorruption } from "./corruption-summary.ts";
import { readThreadError, THREAD_ERROR_BYTES, writeThreadError } from "./thread-error.ts";

/**
 * The memory shared by the timer thread and its clients (one client per thread that uses the
 * timer), in one `SharedArrayBuffer`.
 *
 * Int32 words: the mutex, the condition variable, `STATE` (open, or why it closed), `LAYOUT` (a
 * tag checked on attach), the number of clients, a count of condition-variable notifies (a
 * statistic the tests read), `EXITED`, `EXIT_CODE`, `THREAD_ERROR`, `CORRUPTION`, and per client
 * the `WakeTable` slot to wake and whether the thread has read the client's introduction. Float64
 * words: `SLEEPING_UNTIL`, the instant the timer thread sleeps until, and per client its earliest
 * deadline (`Infinity` for none). Then bytes: the summary of the error the timer thread died of
 * (see `thread-error.ts`), and the summary of the first corruption found (`corruption-summary.ts`).
 *
 * ## Who may touch what, and why the orderings suffice
 *
 * Every `Atomics` operation is sequentially consistent, and a plain access is ordered against
 * them in each thread's program order (the memory model's happens-before through
 * synchronizes-with of atomics on the same word).
 *
 * - The Float64 words (deadlines, `SLEEPING_UNTIL`) are plain accesses, made only while holding
 *   the mutex: they pair with the mutex's locking `compareExchange`/`exchange` and unlocking
 *   `sub`/`store`, so whoever takes the lock next sees every write of the previous holder. Plain
 *   Float64 accesses may tear (the memory model promises tear-free reads only for integer
 *   arrays), which is one more reason never to read them without the lock.
 * - The wake slots are Int32 atomics. A client stores its slot under the mutex before it stores
 *   its deadline (`ThreadDriver.arm`); the timer thread loads it under the mutex when it takes
 *   the deadline, so the mutex already orders them. The creator also loads them without the
 *   mutex, when the thread died (it may have died holding the lock): the atomic load then sees
 *   the latest slot stored, or one stored before it, both registered or harmlessly stale (a
 *   wake of a slot that was unregistered or reused is spurious, which every future tolerates).
 * - `STATE` is read without the lock by everyone (`isClosed`), so that a client sees that the
 *   timer closed even if the thread died holding the lock. It changes once, from `OPEN` to a
 *   reason, by one `compareExchange`: the first reason wins, and the reason read is the one that
 *   closed it. A client that publishes its slot and deadline and then loads `STATE` (under the
 *   lock) either sees it closed and fails by itself, or closed after the load, in which case
 *   whoever closed it will wake every armed client and read the slot already stored (both
 *   orders are sequentially consistent atomics on the lock and `STATE`).
 * - `INTRODUCED[i]` is stored by the timer thread after it recorded client `i`'s `WakeTable`,
 *   and loaded by client `i` under the lock: the load only decides whether to notify, so a stale
 *   0 costs one needless notify.
 * - `CLIENTS` is an atomic counter (`add` hands out indices); `EXITED` is stored once by the
 *   thread and waited on by the creator; `NOTIFIES` is a statistic.
 * - `EXIT_CODE` is stored by the creator when the thread died, before its `compareExchange` of
 *   `STATE` to `"thread-exited"`: a thread that loads `STATE` closed and then `EXIT_CODE` sees the
 *   code (both SC, in that order on each side), and names it in its failures' `cause`. It only
 *   words a message, so a stale or corrupted value is not checked.
 * - The error summary is written once, by the timer thread as it dies of an error, with plain
 *   writes, then published by an SC store of 1 to `THREAD_ERROR`, before the thread's
 *   `compareExchange` of `STATE` to `"thread-exited"`. A client loads `THREAD_ERROR` (SC) before
 *   it reads the summary, so it reads it whole; and a client that loaded `STATE` closed by the
 *   thread and then loads `THREAD_ERROR` sees 1 (both SC, in that order on each side). That is
 *   the point: the thread's error reaches every client with the close itself, not through the
 *   creator's `error` event, which can come after a client saw the close. The summary is read
 *   only once the timer closed as `"thread-exited"`, and once per thread (the same `Error` for
 *   all its failures); a corrupted header makes it unreadable, never a read outside the region.
 * - The corruption summary works the same way for the finding of whichever thread found the
 *   state corrupted, before that thread's `compareExchange` of `STATE` to `"corrupted"`, so that
 *   a client woken by the close (or finding it at a poll, or parked) fails with what was found,
 *   not with a cause saying only that some thread found something. Several threads may find
 *   corruption at once, so a finder first claims the summary by a `compareExchange` of
 *   `CORRUPTION` from 0 (none) to 1 (being written), writes it, then publishes it by an SC store
 *   of 2 and a notify; a finder that loses the claim writes nothing (the first finding is the
 *   one every other thread reads; a finder's own failures keep its own). A client that loaded
 *   `STATE` closed as corrupted by a finder then loads `CORRUPTION` at 1 or 2 (the claim precedes
 *   that close, or the close of a finder that lost the claim, which came after the winner's
 *   claim). At 1 it waits on the word for the publishing store, at most
 *   {@linkcode SUMMARY_WAIT_MS} (writing takes microseconds; only a finder ended while writing
 *   leaves the claim unpublished, and the client then says less). A `STATE` closed as corrupted
 *   with `CORRUPTION` at 0 was closed by no finder (the state word itself was overwritten).
 * - `PROBES` and `ANSWERED` are a liveness probe for clients parked in `blockOn`, which cannot
 *   receive the thread's `exit` event: a client adds to `PROBES` and notifies the condition
 *   variable; the thread, each time round its loop, loads `PROBES` and stores it in `ANSWERED`.
 *   Both SC: a probe whose add precedes the thread's load is answered by that store; one after it
 *   by the next round (the notify wakes the thread for it). Only counters: stale values only
 *   delay an answer.
 * - `LAYOUT` is written before the buffer is shared (the buffer reaches the thread through
 *   `postMessage`, which orders it) and only read afterwards.
 *
 * ## Validation
 *
 * A buffer from outside (`Timer.fromShared`, the thread's `workerData`) is checked on attach:
 * size, the `LAYOUT` tag (a magic number with a version), and every Int32 word that has a closed
 * set of values (mutex, state, exited, the two summary words, clients, each client's slot and
 * introduced flag): one pass over 2,055 words, once per thread. A failure throws a {@linkcode TimerStateError} naming the
 * word and its value. The Float64 words are not checked on attach (they may only be read under
 * the lock); values read in use are checked where they are used, with one comparison each: a
 * mutex word outside 0–2, a lock not taken within {@linkcode LOCK_LIMIT_MS}, a client index,
 * slot or count out of range, a `NaN` deadline. Any of these closes the timer with reason
 * `"corrupted"` (the finder's `TimerClosedError`s carry the `TimerStateError` as `cause`), so
 * every pending timer fails in bounded time instead of a thread waiting forever.
 */
export class SharedTimerState {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #times: Float64Array;
  readonly #mutex: Mutex;
  readonly #condvar: Condvar;
  /** The corruption this thread found, if any: the cause of its `TimerClosedError`s. */
  #corruption: TimerStateError | null = null;
  /** The corruption another thread found, as read here from its summary (`undefined`: not read yet). */
  #foundElsewhere: TimerStateError | null | undefined;
  /** The timer thread's error as read here from its summary (`undefined`: not read yet). */
  #threadError: Error | null | undefined;
  /** When the current `lock()` first found the lock still held after a wait (`NaN`: not yet). */
  #lockWaitFrom = Number.NaN;

  /** Fresh state: no client, no deadline, the thread not started. */
  static create(): SharedTimerState {
    const buffer = new SharedArrayBuffer(BYTES);
    // Written before the buffer is shared with any thread (see the class comment).
    Atomics.store(new Int32Array(buffer, 0, FLOATS_AT / 4), LAYOUT, LAYOUT_TAG);
    const state = new SharedTimerState(buffer as SharedArrayBuffer);
    // Until the thread has scanned once it counts as awake: arming needs no notify.
    state.#times.fill(Infinity);
    state.#times[SLEEPING_UNTIL] = -Infinity;
    return state;
  }

  /**
   * The state in `buffer`, which came from another thread (`Timer.share()`'s buffer); throws a
   * {@linkcode TimerStateError} naming the first word found wrong.
   */
  static attach(buffer: unknown): SharedTimerState {
    // A real SharedArrayBuffer (a Proxy of one passes instanceof, then its getters throw): -1 if not.
    const bytes = sharedBufferLength(buffer);
    if (bytes !== BYTES) {
      const value = bytes >= 0 ? `a SharedArrayBuffer of ${bytes} bytes` : buffer;
      throw new TimerStateError("buffer", value, `a SharedArrayBuffer of ${BYTES} bytes`, true);
    }
    const state = new SharedTimerState(buffer as SharedArrayBuffer);
    state.#check();
    return state;
  }

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#words = new Int32Array(buffer, 0, FLOATS_AT / 4);
    this.#times = new Float64Array(buffer, FLOATS_AT, DEADLINES + MAX_CLIENTS);
    this.#mutex = new Mutex(this.#words, MUTEX);
    this.#condvar = new Condvar(this.#words, CONDVAR);
  }

  /** The attach-time checks (see the class comment); atomic loads, no lock. */
  #check(): void {
    const words = this.#words;
    const expect = (field: string, value: number, ok: boolean, expected: string): void => {
      if (!ok) throw new TimerStateError(field, value, expected, true);
    };
    const layout = Atomics.load(words, LAYOUT);
    expect("layout", layout, layout === LAYOUT_TAG, `${LAYOUT_TAG} (a Spindle timer of this version)`);
    const mutex = Atomics.load(words, MUTEX);
    expect("mutex", mutex, isLockWord(mutex), "0, 1 or 2");
    const state = Atomics.load(words, STATE);
    expect("state", state, state >= OPEN && state <= CORRUPTED, `${OPEN} to ${CORRUPTED}`);
    const exited = Atomics.load(words, EXITED);
    expect("exited", exited, exited === 0 || exited === 1, "0 or 1");
    const threadError = Atomics.load(words, THREAD_ERROR);
    expect("threadError", threadError, threadError === 0 || threadError === 1, "0 or 1");
    const corruption = Atomics.load(words, CORRUPTION);
    expect("corruption", corruption, corruption >= NO_SUMMARY && corruption <= SUMMARY_PUBLISHED, "0, 1 or 2");
    const clients = Atomics.load(words, CLIENTS);
    // A failed allocateClient adds and then subtracts: MAX_CLIENTS may be passed for a moment.
    expect("clients", clients, clients >= 0 && clients <= 2 * MAX_CLIENTS, `0 to ${MAX_CLIENTS}`);
    for (let i = 0; i < MAX_CLIENTS; i++) {
      const slot = Atomics.load(words, WAKE_SLOTS + i);
      expect(`the wake slot of client ${i}`, slot, isSlot(slot), `0 to ${WAKE_TABLE_CAPACITY - 1}`);
      const introduced = Atomics.load(words, INTRODUCED + i);
      expect(`the introduced flag of client ${i}`, introduced, introduced === 0 || introduced === 1, "0 or 1");
    }
  }

  /**
   * Takes the mutex. Returns `false`, without it, when the timer is closed and the lock could not
   * be taken: the timer closed while this thread waited (the thread may have died holding it), or
   * the lock word is corrupted, or the lock stayed held for {@linkcode LOCK_LIMIT_MS} (a holder
   * that died inside its few loads and stores, or corruption), which closes it as `"corrupted"`.
   */
  lock(): boolean {
    // One extra load per lock: a corrupted word would otherwise be swapped for "contended" and
    // waited on for the limit.
    const word = Atomics.load(this.#words, MUTEX);
    if (!isLockWord(word)) {
      this.#corrupted(new TimerStateError("mutex", word, "0, 1 or 2", false));
      return false;
    }
    this.#lockWaitFrom = Number.NaN;
    return this.#mutex.lock(this.#abandoned);
  }

  /**
   * Asked by the mutex after each timed-out wait (every 50 ms): give up when closed, or when the
   * lock stayed held for the limit. A function made once: `lock` runs on every arm and scan.
   */
  readonly #abandoned = (): boolean => {
    if (this.isClosed) return true;
    const now = clockNow();
    if (Number.isNaN(this.#lockWaitFrom)) this.#lockWaitFrom = now;
    else if (now - this.#lockWaitFrom >= LOCK_LIMIT_MS) {
      const held = `held for ${LOCK_LIMIT_MS} ms (word ${Atomics.load(this.#words, MUTEX)})`;
      this.#corrupted(new TimerStateError("mutex", held, "a lock held for a few loads and stores", false));
      return true;
    }
    return false;
  };

  unlock(): void {
    this.#mutex.unlock();
  }

  /**
   * Timer thread only, holding the mutex: sleeps until notified or `timeoutMs` passed, and takes
   * the mutex again; `false` (without it) as {@linkcode SharedTimerState.lock}.
   */
  waitForChange(timeoutMs: number): boolean {
    return this.#condvar.wait(this.#mutex, timeoutMs, this.#relock);
  }

  /** `lock`, bound once for the condition variable. */
  readonly #relock = (): boolean => this.lock();

  /**
   * Wakes the timer thread from `waitForChange` and counts the notify. Called after `unlock`: the
   * condition variable's `add` bumps the sequence the thread read under the lock, so a notify
   * that lands before the thread sleeps makes its wait return at once (see `Condvar`).
   */
  notifyThread(): void {
    Atomics.add(this.#words, NOTIFIES, 1);
    this.#condvar.notifyOne();
  }

  /**
   * Client: asks the timer thread to show it is alive (see the class comment) and wakes it;
   * returns the probe's number, for {@linkcode SharedTimerState.answered}. Not counted in
   * `notifies`.
   */
  probeThread(): number {
    const probe = Atomics.add(this.#words, PROBES, 1) + 1;
    this.#condvar.notifyOne();
    return probe;
  }

  /** Whether the timer thread answered probe `probe` (or a later one). */
  answered(probe: number): boolean {
    return ((Atomics.load(this.#words, ANSWERED) - probe) | 0) >= 0;
  }

  /** Timer thread: answers every probe made so far. */
  answerProbes(): void {
    Atomics.store(this.#words, ANSWERED, Atomics.load(this.#words, PROBES));
  }

  /** How many times clients notified the timer thread. */
  get notifies(): number {
    return Atomics.load(this.#words, NOTIFIES);
  }

  get isClosed(): boolean {
    return Atomics.load(this.#words, STATE) !== OPEN;
  }

  /**
   * Whether this thread has seen no close: `STATE` read without ordering (a plain load, which the
   * JIT inlines, where `Atomics.load` is a builtin call: a tenth of scheduling a sleep on Node).
   * For a sleep's pending poll only (`Driver.seemsOpen`), where a stale `OPEN` is harmless: a
   * close by this thread is always seen (program order), as is one this thread learnt of through
   * its `WakeTable` (the drain's atomics synchronize with the closer's wake, which follows its
   * `compareExchange` of `STATE`). A close by another thread not learnt of yet registers the sleep,
   * and the close wakes this client anyway: its armed slot was published before `arm`'s SC load
   * of `STATE` under the lock (see above), or an earlier deadline's was, so the sleep fails at
   * its next poll instead of this one.
   */
  get seemsOpen(): boolean {
    return this.#words[STATE] === OPEN;
  }

  /** Why the timer closed, or `null`; a `STATE` outside its values reads as `"corrupted"`. */
  get closeReason(): CloseReason | null {
    const state = Atomics.load(this.#words, STATE);
    if (state === OPEN) return null;
    return state === DISPOSED ? "disposed" : state === THREAD_EXITED ? "thread-exited" : "corrupted";
  }

  /**
   * The corruption this thread found; else, once the timer closed as `"corrupted"`, the first one
   * any thread found, rebuilt from its summary (see the class comment; read once per thread, the
   * same `TimerStateError` for all its failures); else `null`.
   */
  get corruption(): TimerStateError | null {
    if (this.#corruption !== null) return this.#corruption;
    if (this.#foundElsewhere !== undefined) return this.#foundElsewhere;
    if (this.closeReason !== "corrupted") return null;
    // Pairs with the finder's publishing store and notify; returns at once unless the summary is
    // still being written.
    Atomics.wait(this.#words, CORRUPTION, SUMMARY_CLAIMED, SUMMARY_WAIT_MS);
    const published = Atomics.load(this.#words, CORRUPTION) === SUMMARY_PUBLISHED;
    return (this.#foundElsewhere = published ? readCorruption(this.#corruptionRegion()) : null);
  }

  /**
   * Timer thread, dying of `error`, before it closes the timer: summarises the error for every
   * client (see the class comment). Once: a second error keeps the first summary.
   */
  recordThreadError(error: unknown): void {
    if (Atomics.load(this.#words, THREAD_ERROR) !== 0) return;
    writeThreadError(this.#errorRegion(), error);
    Atomics.store(this.#words, THREAD_ERROR, 1); // publishes the plain writes above
  }

  /**
   * The error the timer thread died of, rebuilt from its summary (name, `code`, message, stack),
   * once the timer closed as `"thread-exited"` and the thread recorded one; else `null`. Read
   * once per thread: every failure here gets the same `Error`.
   */
  get threadError(): Error | null {
    if (this.#threadError !== undefined) return this.#threadError;
    if (this.closeReason !== "thread-exited" || Atomics.load(this.#words, THREAD_ERROR) !== 1) return null;
    return (this.#threadError = readThreadError(this.#errorRegion()));
  }

  #errorRegion(): Uint8Array {
    return new Uint8Array(this.buffer, THREAD_ERROR_AT, THREAD_ERROR_BYTES);
  }

  #corruptionRegion(): Uint8Array {
    return new Uint8Array(this.buffer, CORRUPTION_AT, CORRUPTION_BYTES);
  }

  /**
   * Closes the timer for `reason` by one `compareExchange` from `OPEN`: the first reason wins, and
   * it is the one every thread reads. Returns whether this call closed it.
   */
  close(reason: CloseReason): boolean {
    const code = reason === "disposed" ? DISPOSED : reason === "thread-exited" ? THREAD_EXITED : CORRUPTED;
    return Atomics.compareExchange(this.#words, STATE, OPEN, code) === OPEN;
  }

  /**
   * Records `error` as this thread's finding and, when it is the first finding of any thread,
   * summarises it for every thread (see the class comment); then closes the timer as
   * `"corrupted"` and wakes the timer thread, which then wakes every armed client to fail.
   */
  #corrupted(error: TimerStateError): void {
    this.#corruption ??= error;
    const words = this.#words;
    if (Atomics.compareExchange(words, CORRUPTION, NO_SUMMARY, SUMMARY_CLAIMED) === NO_SUMMARY) {
      writeCorruption(this.#corruptionRegion(), error);
      Atomics.store(words, CORRUPTION, SUMMARY_PUBLISHED); // publishes the plain writes above
      Atomics.notify(words, CORRUPTION);
    }
    this.close("corrupted");
    this.notifyThread();
  }

  /**
   * Timer thread: announces that it woke every client and stops touching shared memory. The store
   * pairs with the load in `waitUntilExited`; the `notify` ends that thread's `wait`, which also
   * returns at once if the store came first (the word no longer holds 0).
   */
  markExited(): void {
    Atomics.store(this.#words, EXITED, 1);
    Atomics.notify(this.#words, EXITED);
  }

  /** Blocks until the thread exited its loop, at most `timeoutMs`; returns whether it did. */
  waitUntilExited(timeoutMs: number): boolean {
    Atomics.wait(this.#words, EXITED, 0, timeoutMs);
    return Atomics.load(this.#words, EXITED) === 1;
  }

  /**
   * Resolves once the thread exited its loop or `timeoutMs` passed, without blocking (the same
   * pairing with `markExited` as `waitUntilExited`).
   */
  async whenExited(timeoutMs: number): Promise<void> {
    const wait = Atomics.waitAsync(this.#words, EXITED, 0, timeoutMs);
    if (wait.async) await wait.value;
  }

  /**
   * Creator: the thread died with `code`; stored (as `code + 1`, so that the zeroed word means
   * none) before the timer is closed for it.
   */
  recordExitCode(code: number): void {
    Atomics.store(this.#words, EXIT_CODE, (code | 0) + 1);
  }

  /** The exit code of a thread that died (see `recordExitCode`), or `null` when none was recorded. */
  get exitCode(): number | null {
    const stored = Atomics.load(this.#words, EXIT_CODE);
    return stored === 0 ? null : stored - 1;
  }

  /**
   * Reserves the next client index; throws `CAPACITY_EXCEEDED` when all are taken. The `add`
   * hands each caller a distinct index whatever the interleaving; the index is published to the
   * timer thread by the client's introduction and by its (locked) deadline, never by this word.
   */
  allocateClient(): number {
    const index = Atomics.add(this.#words, CLIENTS, 1);
    if (index < 0) throw new TimerStateError("clients", index, `0 to ${MAX_CLIENTS}`, true);
    if (index >= MAX_CLIENTS) {
      Atomics.sub(this.#words, CLIENTS, 1);
      throw new SpindleError("CAPACITY_EXCEEDED", `a timer serves at most ${MAX_CLIENTS} threads`);
    }
    return index;
  }

  /** How many client indices were handed out (all of them, if the count is corrupted). */
  get clientCount(): number {
    const clients = Atomics.load(this.#words, CLIENTS);
    if (clients < 0) {
      this.#corrupted(new TimerStateError("clients", clients, `0 to ${MAX_CLIENTS}`, false));
      return MAX_CLIENTS;
    }
    return Math.min(clients, MAX_CLIENTS);
  }

  /**
   * Under the mutex: client `i`'s earliest deadline, `Infinity` when it has none. A `NaN` (no
   * deadline is written as one) closes the timer as corrupted and reads as due, so that the
   * client is woken to fail.
   */
  deadline(i: number): number {
    const deadline = this.#times[DEADLINES + i]!;
    if (deadline !== deadline) {
      this.#corrupted(new TimerStateError(`the deadline of client ${i}`, deadline, "an instant or Infinity", false));
      return -Infinity;
    }
    return deadline;
  }

  /** Under the mutex: sets client `i`'s earliest deadline. */
  setDeadline(i: number, deadline: number): void {
    this.#times[DEADLINES + i] = deadline;
  }

  /**
   * Whether the timer thread has read client `i`'s introduction (its `WakeTable` buffer). Pairs
   * with `markIntroduced`; a stale 0 only costs the caller a needless notify.
   */
  isIntroduced(i: number): boolean {
    return Atomics.load(this.#words, INTRODUCED + i) === 1;
  }

  /** Timer thread: records, after storing the client's handle, that it read its introduction. */
  markIntroduced(i: number): void {
    Atomics.store(this.#words, INTRODUCED + i, 1);
  }

  /**
   * Client `i`'s slot in its thread's `WakeTable` (an atomic load, also made without the mutex;
   * see the class comment), or -1 when the word is out of range: that closes the timer as
   * corrupted (the client cannot be reached through it).
   */
  wakeSlot(i: number): number {
    const slot = Atomics.load(this.#words, WAKE_SLOTS + i);
    if (!isSlot(slot)) {
      this.#corrupted(
        new TimerStateError(`the wake slot of client ${i}`, slot, `0 to ${WAKE_TABLE_CAPACITY - 1}`, false),
      );
      return -1;
    }
    return slot;
  }

  /** Under the mutex (before the deadline it goes with): client `i`'s `WakeTable` slot. */
  setWakeSlot(i: number, slot: number): void {
    Atomics.store(this.#words, WAKE_SLOTS + i, slot);
  }

  /**
   * Under the mutex: the instant the timer thread sleeps until; `-Infinity` while it is awake or
   * already notified, when it rescans every deadline before it sleeps again. A `NaN` closes the
   * timer as corrupted and reads as awake.
   */
  get sleepingUntil(): number {
    const instant = this.#times[SLEEPING_UNTIL]!;
    if (instant !== instant) {
      this.#corrupted(new TimerStateError("sleepingUntil", instant, "an instant or ±Infinity", false));
      return -Infinity;
    }
    return instant;
  }

  set sleepingUntil(instant: number) {
    this.#times[SLEEPING_UNTIL] = instant;
  }
}

/**
 * How long a closed timer's thread waits for the introductions of clients that armed before the
 * close (sent already, still in flight) before it leaves its loop. It leaves as soon as every
 * armed client was woken; only an armed client whose thread died before its introduction was
 * delivered (nobody waits on it) makes it wait this long.
 */
export const CLOSE_GRACE_MS = 10_000;

/** How many threads one timer serves. */
export const MAX_CLIENTS = 1024;

/**
 * How long a lock may stay held before the state counts as corrupted. Critical sections here are
 * a few loads and stores (microseconds); only a holder that died inside one (a worker terminated
 * there) or a corrupted word keeps the lock this long.
 */
export const LOCK_LIMIT_MS = 2_000;

function isLockWord(word: number): boolean {
  return word === 0 || word === 1 || word === 2;
}

function isSlot(slot: number): boolean {
  return slot >= 0 && slot < WAKE_TABLE_CAPACITY;
}

// Int32 words.
const MUTEX = 0;
const CONDVAR = 1;
const STATE = 2;
const LAYOUT = 3;
const CLIENTS = 4;
const NOTIFIES = 5;
const EXITED = 6;
const EXIT_CODE = 7;
const PROBES = 8;
const ANSWERED = 9;
const THREAD_ERROR = 10;
const CORRUPTION = 11;
const WAKE_SLOTS = 12;
const INTRODUCED = WAKE_SLOTS + MAX_CLIENTS;
// INTRODUCED + MAX_CLIENTS words, rounded up to an even count: the Float64 words are 8-aligned.
const FLOATS_AT = Math.ceil((INTRODUCED + MAX_CLIENTS) / 2) * 8;
// Float64 words, from FLOATS_AT.
const SLEEPING_UNTIL = 0;
const DEADLINES = 1;
// The summaries of the thread's error and of the corruption found, in bytes.
const THREAD_ERROR_AT = FLOATS_AT + (DEADLINES + MAX_CLIENTS) * 8;
const CORRUPTION_AT = THREAD_ERROR_AT + THREAD_ERROR_BYTES;
const BYTES = CORRUPTION_AT + CORRUPTION_BYTES;

// CORRUPTION values: no summary, one being written by the finder that claimed it, one to read.
const NO_SUMMARY = 0;
const SUMMARY_CLAIMED = 1;
const SUMMARY_PUBLISHED = 2;

/**
 * How long a client waits for a corruption summary that another thread claimed and is writing
 * (microseconds of work): only a finder ended while writing makes it wait this long.
 */
const SUMMARY_WAIT_MS = 100;

/** `LAYOUT`: "STMR" (Spindle timer) with the layout's version in the low byte. */
const LAYOUT_TAG = 0x53544d04;

/** Where each Int32 word is, for the fault-injection tests (not exported from the package). */
export const WORD_INDEX: Readonly<
  Record<
    "mutex" | "state" | "layout" | "clients" | "exited" | "threadError" | "corruption" | "wakeSlots" | "introduced",
    number
  >
> = {
  mutex: MUTEX,
  state: STATE,
  layout: LAYOUT,
  clients: CLIENTS,
  exited: EXITED,
  threadError: THREAD_ERROR,
  corruption: CORRUPTION,
  wakeSlots: WAKE_SLOTS,
  introduced: INTRODUCED,
};

// STATE values: open, or the reason it closed.
const OPEN = 0;
const DISPOSED = 1;
const THREAD_EXITED = 2;
const CORRUPTED = 3;
