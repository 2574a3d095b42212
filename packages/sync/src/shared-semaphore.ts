import { KEY } from "./construct-key.ts";
import {
  checkDeadThreadId,
  consumeBudget,
  type Context,
  describe,
  Future,
  isInstance,
  noPublicConstructor,
  PENDING,
  type Poll,
  readHandle,
  refundBudget,
  registerDeadThreadRecovery,
  sharedBufferLength,
  SpindleError,
} from "@spindle/core";
import { checkPermits, ClosedError, MAX_PERMITS } from "./errors.ts";
import { HolderTable } from "./holder-table.ts";
import { EMPTY } from "./shared-ring.ts";
import { signalCounter } from "./shared-signal.ts";
import { AsyncCounterWait, blockUntil } from "./shared-wait.ts";

/** The free permits, or CLOSED once closed. */
const PERMITS = 0;
/**
 * Event counter (shared-signal.ts) signalled when permits come back or the semaphore closes:
 * acquirers wait on it.
 */
const RELEASED = 1;
/** A constant marking a semaphore's buffer, so that `from()` refuses any other SharedArrayBuffer. */
const MAGIC = 2;
const MAGIC_VALUE = 0x5e3a_f0b7;
/** From here, which thread holds how many permits (see {@linkcode HolderTable}). */
const HOLDERS = 3;
/** The holder table's counter: permits this thread holds. */
const HELD = 1;
const WORDS = HOLDERS + HolderTable.words(1);
/** Below every permit count: `close()` stores it, so one CAS both takes permits and sees the close. */
const CLOSED = -1;
/** The buffer `from()` hands to the constructor (set and cleared around one `new`). */
let adopting: SharedArrayBuffer | undefined;

/** What crosses to another thread for a {@linkcode SharedSemaphore}: plain data holding its buffer. */
export interface SharedSemaphoreHandle {
  /** What the handle is for. */
  readonly kind: "semaphore";
  /** The shared memory holding the whole state. */
  readonly buffer: SharedArrayBuffer;
}

/**
 * A counting semaphore in a `SharedArrayBuffer`, shared by tasks and threads on any number of
 * workers (tokio's `Semaphore`, across threads): `acquire(n)` waits until `n` permits are free and
 * takes them in one compare-and-swap; the {@linkcode SharedSemaphorePermit} gives them back on
 * `release()` on the thread that holds it. Post `handle` to a worker and rebuild it there with
 * `SharedSemaphore.from(handle)`. `close()` from any thread fails every pending and later acquire
 * with `ClosedError`.
 *
 * Not FIFO across threads (unlike the single-thread `Semaphore`): whoever finds enough permits
 * first takes them, so a large `acquire(n)` can wait while smaller ones keep going. Dropping a
 * pending acquire takes nothing (permits are taken only in the poll that returns them). Futures
 * wake through the thread's event loop (`Atomics.waitAsync`); a thread that blocks uses
 * `acquireBlocking`.
 *
 * A thread that dies holding permits (terminated, `process.exit`, an uncaught error) cannot
 * release them: the semaphore records which thread holds how many, and
 * {@linkcode SharedSemaphore.recover} (or core's `recoverDeadThread`, which the work-stealing
 * runtime calls when one of its workers exits) gives them back and wakes the waiters.
 *
 * @example
 * ```ts
 * import { SharedSemaphore } from "@spindle/sync";
 *
 * const semaphore = new SharedSemaphore(2);
 * const there = SharedSemaphore.from(structuredClone(semaphore.handle)); // as a worker rebuilds it
 * const permit = there.tryAcquire(2)!;
 * console.log(semaphore.availablePermits, semaphore.tryAcquire()); // 0 null
 * permit.release();
 * console.log(semaphore.availablePermits); // 2
 * ```
 */
export class SharedSemaphore {
  readonly #words: Int32Array;
  readonly #holders: HolderTable;

  /** A semaphore holding `permits` (an integer from 0 to 2^31 - 1). */
  constructor(permits: number) {
    if (adopting !== undefined) {
      this.#words = new Int32Array(adopting);
      adopting = undefined;
    } else {
      const free = checkPermits("SharedSemaphore permits", permits);
      this.#words = new Int32Array(new SharedArrayBuffer(WORDS * 4));
      this.#words[PERMITS] = free; // before the buffer is shared with any thread: a plain store
      this.#words[MAGIC] = MAGIC_VALUE;
    }
    this.#holders = new HolderTable(this.#words, HOLDERS, 1);
    registerDeadThreadRecovery(this, (semaphore, threadId) => {
      const permits = semaphore.recover(threadId);
      return permits === 0 ? null : { what: "SharedSemaphore", threadId, counts: { permits } };
    });
  }

  /** Rebuilds, on this thread, the semaphore whose `handle` was made on any thread. */
  static from(handle: SharedSemaphoreHandle): SharedSemaphore {
    const { buffer } = readHandle(handle, "SharedSemaphore.from()", ["buffer"]);
    if (
      !isInstance(buffer, SharedArrayBuffer, "SharedSemaphore.from() needs a handle's buffer") ||
      // A real SharedArrayBuffer of the size (a Proxy of one passes instanceof, and its length is -1).
      sharedBufferLength(buffer) !== WORDS * 4 ||
      // Pairs with the constructor's store, published by whatever brought the buffer here.
      Atomics.load(new Int32Array(buffer), MAGIC) !== MAGIC_VALUE
    ) {
      throw new SpindleError("INVALID_ARGUMENT", `not a shared semaphore's buffer: ${describe(buffer ?? handle)}`);
    }
    adopting = buffer;
    return new SharedSemaphore(0);
  }

  /** What to post to another thread. */
  get handle(): SharedSemaphoreHandle {
    return { kind: "semaphore", buffer: this.#words.buffer as SharedArrayBuffer };
  }

  /** The free permits now (0 once closed; a snapshot while other threads use it). */
  get availablePermits(): number {
    return Math.max(0, Atomics.load(this.#words, PERMITS));
  }

  /** Whether `close()` was called, on any thread. */
  get isClosed(): boolean {
    return Atomics.load(this.#words, PERMITS) === CLOSED;
  }

  /** A future of `n` permits (default 1); fails with {@linkcode ClosedError} once closed. */
  acquire(n = 1): Future<SharedSemaphorePermit> {
    return new SharedAcquire(this.#words, this.#holders, checkPermits("SharedSemaphore.acquire(n): n", n));
  }

  /** `n` permits now, or `null` if fewer are free. Throws {@linkcode ClosedError} once closed. */
  tryAcquire(n = 1): SharedSemaphorePermit | null {
    const taken = take(this.#words, this.#holders, checkPermits("SharedSemaphore.tryAcquire(n): n", n));
    return taken === EMPTY ? null : taken;
  }

  /**
   * `n` permits, blocking this thread at most `timeoutMs` while fewer are free: `null` on timeout.
   * Throws {@linkcode ClosedError} once closed, `BLOCKING_NOT_ALLOWED` where the thread may not block.
   */
  acquireBlocking(n = 1, timeoutMs: number = Infinity): SharedSemaphorePermit | null {
    const count = checkPermits("SharedSemaphore.acquireBlocking(n): n", n);
    const words = this.#words;
    const holders = this.#holders;
    const taken = blockUntil(
      words,
      RELEASED,
      "SharedSemaphore.acquireBlocking()",
      timeoutMs,
      () => take(words, holders, count),
    );
    return taken === EMPTY ? null : taken;
  }

  /** Adds `n` permits (the total may not pass 2^31 - 1); ignored once closed. */
  addPermits(n: number): void {
    give(this.#words, checkPermits("SharedSemaphore.addPermits(n): n", n), true);
  }

  /**
   * Gives back the permits that thread `deadThreadId` held when it ended (it was terminated, called
   * `process.exit`, or threw) and wakes the waiters; returns how many. Call it once the thread has
   * exited (its `exit` event), with the id read before (`worker.threadId`): a live thread's
   * permits would be given twice. Core's `recoverDeadThread(id)` does this for every shared
   * primitive this thread knows.
   *
   * @example
   * ```ts
   * import { SharedSemaphore } from "@spindle/sync";
   *
   * const semaphore = new SharedSemaphore(3);
   * // worker.on("exit", () => semaphore.recover(id)), with const id = worker.threadId
   * console.log(semaphore.recover(12345)); // 0: thread 12345 held none
   * ```
   */
  recover(deadThreadId: number): number {
    checkDeadThreadId(deadThreadId, "SharedSemaphore.recover()");
    const held = this.#holders.takeDead(deadThreadId);
    const permits = held?.[HELD] ?? 0;
    if (permits > 0) give(this.#words, permits, false);
    return permits;
  }

  /** Closes the semaphore for every thread: pending and later acquires fail. Idempotent. */
  close(): void {
    // Pairs with the CAS in take(): an acquire either took its permits before this or sees CLOSED.
    if (Atomics.exchange(this.#words, PERMITS, CLOSED) !== CLOSED) signalCounter(this.#words, RELEASED);
  }
}

/** Takes `n` permits in one CAS: the permit, `EMPTY` if fewer are free; throws once closed. */
function take(words: Int32Array, holders: HolderTable, n: number): SharedSemaphorePermit | typeof EMPTY {
  // Seq-cst CAS loop on the one permits word: pairs with give()'s CAS and close()'s exchange.
  let free = Atomics.load(words, PERMITS);
  for (;;) {
    if (free === CLOSED) throw new ClosedError("semaphore", "an acquire on a semaphore closed by close()");
    if (free < n) return EMPTY;
    const seen = Atomics.compareExchange(words, PERMITS, free, free - n);
    if (seen === free) {
      // Recorded after the take: a death in between loses the permits rather than doubling them.
      holders.add(HELD, n);
      return makePermit(words, holders, n);
    }
    free = seen;
  }
}

/** Gives `n` permits back (or adds them); a no-op once closed. */
function give(words: Int32Array, n: number, adding: boolean): void {
  let free = Atomics.load(words, PERMITS);
  for (;;) {
    if (free === CLOSED || n === 0) return;
    if (free + n > MAX_PERMITS) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `${adding ? "SharedSemaphore.addPermits(n)" : "a permit's release"} would make ${
          free + n
        } permits, more than ${MAX_PERMITS}`,
      );
    }
    const seen = Atomics.compareExchange(words, PERMITS, free, free + n);
    if (seen === free) return signalCounter(words, RELEASED);
    free = seen;
  }
}

let makePermit: (words: Int32Array, holders: HolderTable, n: number) => SharedSemaphorePermit;

/**
 * Permits taken from a {@linkcode SharedSemaphore}; `release()` (or `[Symbol.dispose]`) gives them
 * back and wakes waiters on every thread. Idempotent.
 *
 * @example
 * ```ts
 * import { SharedSemaphore } from "@spindle/sync";
 *
 * const semaphore = new SharedSemaphore(3);
 * const permit = semaphore.tryAcquire(2)!;
 * console.log(permit.permits, semaphore.availablePermits); // 2 1
 * permit.release();
 * console.log(semaphore.availablePermits); // 3
 * ```
 */
export class SharedSemaphorePermit implements Disposable {
  readonly #words: Int32Array;
  readonly #holders: HolderTable;
  #permits: number;

  private constructor(key: typeof KEY, words: Int32Array, holders: HolderTable, n: number) {
    if (key !== KEY) {
      throw noPublicConstructor("SharedSemaphorePermit", "a shared semaphore's acquire() gives one", key);
    }
    this.#words = words;
    this.#holders = holders;
    this.#permits = n;
  }

  static {
    makePermit = (words, holders, n) => new SharedSemaphorePermit(KEY, words, holders, n);
  }

  /** How many permits this holds (0 once released). */
  get permits(): number {
    return this.#permits;
  }

  /** Gives the permits back. */
  release(): void {
    const n = this.#permits;
    if (n === 0) return;
    this.#permits = 0;
    // The record first: a death in between loses the permits rather than doubling them.
    this.#holders.add(HELD, -n);
    give(this.#words, n, false);
  }

  /** Same as {@linkcode SharedSemaphorePermit.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

class SharedAcquire extends Future<SharedSemaphorePermit> {
  readonly #words: Int32Array;
  readonly #holders: HolderTable;
  readonly #n: number;
  readonly #wait: AsyncCounterWait;
  /** Set by the poll that took the permits: polled again, it would take more. */
  #done = false;

  constructor(words: Int32Array, holders: HolderTable, n: number) {
    super();
    this.#words = words;
    this.#holders = holders;
    this.#n = n;
    this.#wait = new AsyncCounterWait(words, RELEASED);
  }

  poll(cx: Context): Poll<SharedSemaphorePermit> {
    if (this.#done) {
      throw new SpindleError("FUTURE_COMPLETED", "SharedSemaphore.acquire() was polled after it completed");
    }
    if (!consumeBudget(cx)) return PENDING;
    const attempt = () => take(this.#words, this.#holders, this.#n);
    let taken: SharedSemaphorePermit | typeof EMPTY;
    try {
      taken = attempt();
      if (taken === EMPTY) taken = this.#wait.arm(cx.waker, attempt);
    } catch (error) {
      this.#wait.drop();
      throw error;
    }
    if (taken === EMPTY) {
      refundBudget();
      return PENDING;
    }
    this.#done = true;
    this.#wait.drop();
    return taken;
  }

  override [Symbol.dispose](): void {
    this.#wait.drop();
  }
}
