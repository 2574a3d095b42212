import {
  consumeBudget,
  type Context,
  describe,
  Future,
  isInstance,
  PENDING,
  type Poll,
  readHandle,
  refundBudget,
  sharedBufferLength,
  SpindleError,
} from "@spindle/core";
import { EMPTY } from "./shared-ring.ts";
import { signalCounter } from "./shared-signal.ts";
import { AsyncCounterWait, blockUntil } from "./shared-wait.ts";

/** 1 while a `notifyOne` permit is stored, else 0. */
const PERMIT = 0;
/** How many times `notifyWaiters` was called (wraps): a waiter made before a call completes. */
const ROUNDS = 1;
/** Event counter (shared-signal.ts) signalled by both notify calls: waiters wait on it. */
const EVENTS = 2;
/** A constant marking a notify's buffer, so that `from()` refuses any other SharedArrayBuffer. */
const MAGIC = 3;
const MAGIC_VALUE = 0x4077_1f1e;
const WORDS = 4;

/** The buffer `from()` hands to the constructor (set and cleared around one `new`). */
let adopting: SharedArrayBuffer | undefined;

/** What crosses to another thread for a {@linkcode SharedNotify}: plain data holding its buffer. */
export interface SharedNotifyHandle {
  /** What the handle is for. */
  readonly kind: "notify";
  /** The shared memory holding the whole state. */
  readonly buffer: SharedArrayBuffer;
}

/**
 * tokio's `Notify` in a `SharedArrayBuffer`, for tasks and threads on any number of workers:
 * `notifyOne()` wakes one waiter, or keeps one permit for the next `notified()` when none waits;
 * `notifyWaiters()` completes every `notified()` made before the call. Post `handle` to a worker
 * and rebuild it there with `SharedNotify.from(handle)`.
 *
 * Cancel-safe: a waiter takes the `notifyOne` permit only in the poll that completes it, so a
 * notification whose chosen waiter is dropped stays for the next one. `notifyOne` wakes every
 * waiter and the first to poll takes the permit (the others wait again). Futures wake through the
 * thread's event loop (`Atomics.waitAsync`); a thread that blocks uses `notifiedBlocking`.
 *
 * @example
 * ```ts
 * import { blockOn } from "@spindle/core";
 * import { SharedNotify } from "@spindle/sync";
 *
 * const notify = new SharedNotify();
 * SharedNotify.from(structuredClone(notify.handle)).notifyOne(); // from any thread
 * blockOn(notify.notified()); // takes the stored permit at once
 * console.log(notify.notifiedBlocking(0)); // false: no permit left
 * ```
 */
export class SharedNotify {
  readonly #words: Int32Array;

  /** A notify with no stored permit. */
  constructor() {
    this.#words = new Int32Array(adopting ?? new SharedArrayBuffer(WORDS * 4));
    // Before the buffer is shared with any thread (an adopted one holds it already): a plain store.
    if (adopting === undefined) this.#words[MAGIC] = MAGIC_VALUE;
    adopting = undefined;
  }

  /** Rebuilds, on this thread, the notify whose `handle` was made on any thread. */
  static from(handle: SharedNotifyHandle): SharedNotify {
    const { buffer } = readHandle(handle, "SharedNotify.from()", ["buffer"]);
    if (
      !isInstance(buffer, SharedArrayBuffer, "SharedNotify.from() needs a handle's buffer") ||
      // A real SharedArrayBuffer of the size (a Proxy of one passes instanceof, and its length is -1).
      sharedBufferLength(buffer) !== WORDS * 4 ||
      // Pairs with the constructor's store, published by whatever brought the buffer here.
      Atomics.load(new Int32Array(buffer), MAGIC) !== MAGIC_VALUE
    ) {
      throw new SpindleError("INVALID_ARGUMENT", `not a shared notify's buffer: ${describe(buffer ?? handle)}`);
    }
    adopting = buffer;
    return new SharedNotify();
  }

  /** What to post to another thread. */
  get handle(): SharedNotifyHandle {
    return { kind: "notify", buffer: this.#words.buffer as SharedArrayBuffer };
  }

  /** Stores the permit (at most one) and wakes the waiters; one of them takes it. */
  notifyOne(): void {
    // Pairs with the waiters' CAS in takePermit(); the signal orders it before their re-check.
    Atomics.store(this.#words, PERMIT, 1);
    signalCounter(this.#words, EVENTS);
  }

  /** Completes every `notified()` made before this call (stores no permit). */
  notifyWaiters(): void {
    // Pairs with the waiters' load of ROUNDS: a waiter made before this sees it changed.
    Atomics.add(this.#words, ROUNDS, 1);
    signalCounter(this.#words, EVENTS);
  }

  /**
   * A future that completes on the stored permit, a later `notifyOne`, or a `notifyWaiters` after
   * this call. Dropping it pending takes nothing.
   */
  notified(): Future<void> {
    return new SharedNotified(this.#words, Atomics.load(this.#words, ROUNDS));
  }

  /**
   * Blocks this thread at most `timeoutMs` for the permit or a `notifyWaiters`: `true` when
   * notified, `false` on timeout. Throws `BLOCKING_NOT_ALLOWED` where the thread may not block.
   */
  notifiedBlocking(timeoutMs: number = Infinity): boolean {
    const words = this.#words;
    const round = Atomics.load(words, ROUNDS);
    return blockUntil(
      words,
      EVENTS,
      "SharedNotify.notifiedBlocking()",
      timeoutMs,
      () => check(words, round),
    ) !== EMPTY;
  }
}

/** `true` once notified since `round` was read (taking the permit if that is how), else `EMPTY`. */
function check(words: Int32Array, round: number): true | typeof EMPTY {
  if (Atomics.load(words, ROUNDS) !== round) return true;
  // Takes the permit in one CAS: two waiters never both take one notifyOne.
  return Atomics.compareExchange(words, PERMIT, 1, 0) === 1 ? true : EMPTY;
}

class SharedNotified extends Future<void> {
  readonly #words: Int32Array;
  readonly #round: number;
  readonly #wait: AsyncCounterWait;
  /** Set by the poll that completed: polled again, it could take another `notifyOne` permit. */
  #done = false;

  constructor(words: Int32Array, round: number) {
    super();
    this.#words = words;
    this.#round = round;
    this.#wait = new AsyncCounterWait(words, EVENTS);
  }

  poll(cx: Context): Poll<void> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "SharedNotify.notified() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING;
    const attempt = () => check(this.#words, this.#round);
    let done = attempt();
    if (done === EMPTY) done = this.#wait.arm(cx.waker, attempt);
    if (done === EMPTY) {
      refundBudget();
      return PENDING;
    }
    this.#done = true;
    this.#wait.drop();
  }

  override [Symbol.dispose](): void {
    this.#wait.drop();
  }
}
