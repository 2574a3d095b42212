import {
  consumeBudget,
  type Context,
  describe,
  Future,
  PENDING,
  type Poll,
  refundBudget,
  SpindleError,
} from "@spindle/core";
import { checkPermits, ClosedError, MAX_PERMITS } from "./errors.ts";
import { EMPTY } from "./shared-ring.ts";
import { signalCounter } from "./shared-signal.ts";
import { AsyncCounterWait, blockUntil } from "./shared-wait.ts";

/** The free permits, or CLOSED once closed. */
const PERMITS = 0;
/** Event counter bumped when permits come back or the semaphore closes: acquirers wait on it. */
const RELEASED = 1;
/** How many acquirers are about to wait or waiting on RELEASED. */
const WAITERS = 2;
/** A constant marking a semaphore's buffer, so that `from()` refuses any other SharedArrayBuffer. */
const MAGIC = 3;
const MAGIC_VALUE = 0x5e3a_f0b7;
const WORDS = 4;
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

  /** A semaphore holding `permits` (an integer from 0 to 2^31 - 1). */
  constructor(permits: number) {
    if (adopting !== undefined) {
      this.#words = new Int32Array(adopting);
      adopting = undefined;
      return;
    }
    const free = checkPermits("SharedSemaphore permits", permits);
    this.#words = new Int32Array(new SharedArrayBuffer(WORDS * 4));
    this.#words[PERMITS] = free; // before the buffer is shared with any thread: a plain store
    this.#words[MAGIC] = MAGIC_VALUE;
  }

  /** Rebuilds, on this thread, the semaphore whose `handle` was made on any thread. */
  static from(handle: SharedSemaphoreHandle): SharedSemaphore {
    const buffer = handle?.buffer;
    if (
      !(buffer instanceof SharedArrayBuffer) || buffer.byteLength !== WORDS * 4 ||
      // Pairs with the constructor's store, published by whatever brought the buffer here.
      Atomics.load(new Int32Array(buffer), MAGIC) !== MAGIC_VALUE
    ) {
      throw new SpindleError("INVALID_ARGUMENT", `not a shared semaphore's buffer: ${describe(buffer)}`);
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
    return new SharedAcquire(this.#words, checkPermits("SharedSemaphore.acquire(n): n", n));
  }

  /** `n` permits now, or `null` if fewer are free. Throws {@linkcode ClosedError} once closed. */
  tryAcquire(n = 1): SharedSemaphorePermit | null {
    const taken = take(this.#words, checkPermits("SharedSemaphore.tryAcquire(n): n", n));
    return taken === EMPTY ? null : taken;
  }

  /**
   * `n` permits, blocking this thread at most `timeoutMs` while fewer are free: `null` on timeout.
   * Throws {@linkcode ClosedError} once closed, `BLOCKING_NOT_ALLOWED` where the thread may not block.
   */
  acquireBlocking(n = 1, timeoutMs: number = Infinity): SharedSemaphorePermit | null {
    const count = checkPermits("SharedSemaphore.acquireBlocking(n): n", n);
    const words = this.#words;
    const taken = blockUntil(
      words,
      RELEASED,
      WAITERS,
      "SharedSemaphore.acquireBlocking()",
      timeoutMs,
      () => take(words, count),
    );
    return taken === EMPTY ? null : taken;
  }

  /** Adds `n` permits (the total may not pass 2^31 - 1); ignored once closed. */
  addPermits(n: number): void {
    give(this.#words, checkPermits("SharedSemaphore.addPermits(n): n", n), true);
  }

  /** Closes the semaphore for every thread: pending and later acquires fail. Idempotent. */
  close(): void {
    // Pairs with the CAS in take(): an acquire either took its permits before this or sees CLOSED.
    if (Atomics.exchange(this.#words, PERMITS, CLOSED) !== CLOSED) signalCounter(this.#words, RELEASED, WAITERS);
  }
}

/** Takes `n` permits in one CAS: the permit, `EMPTY` if fewer are free; throws once closed. */
function take(words: Int32Array, n: number): SharedSemaphorePermit | typeof EMPTY {
  // Seq-cst CAS loop on the one permits word: pairs with give()'s CAS and close()'s exchange.
  let free = Atomics.load(words, PERMITS);
  for (;;) {
    if (free === CLOSED) throw new ClosedError("semaphore", "an acquire on a semaphore closed by close()");
    if (free < n) return EMPTY;
    const seen = Atomics.compareExchange(words, PERMITS, free, free - n);
    if (seen === free) return makePermit(words, n);
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
    if (seen === free) return signalCounter(words, RELEASED, WAITERS);
    free = seen;
  }
}

let makePermit: (words: Int32Array, n: number) => SharedSemaphorePermit;

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
  #permits: number;

  private constructor(words: Int32Array, n: number) {
    this.#words = words;
    this.#permits = n;
  }

  static {
    makePermit = (words, n) => new SharedSemaphorePermit(words, n);
  }

  /** How many permits this holds (0 once released). */
  get permits(): number {
    return this.#permits;
  }

  /** Gives the permits back. */
  release(): void {
    const n = this.#permits;
    this.#permits = 0;
    give(this.#words, n, false);
  }

  /** Same as {@linkcode SharedSemaphorePermit.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

class SharedAcquire extends Future<SharedSemaphorePermit> {
  readonly #words: Int32Array;
  readonly #n: number;
  readonly #wait: AsyncCounterWait;

  constructor(words: Int32Array, n: number) {
    super();
    this.#words = words;
    this.#n = n;
    this.#wait = new AsyncCounterWait(words, RELEASED, WAITERS);
  }

  poll(cx: Context): Poll<SharedSemaphorePermit> {
    if (!consumeBudget(cx)) return PENDING;
    const attempt = () => take(this.#words, this.#n);
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
    this.#wait.drop();
    return taken;
  }

  override [Symbol.dispose](): void {
    this.#wait.drop();
  }
}
