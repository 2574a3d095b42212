import { checkInstance, describe, SpindleError } from "./errors.ts";
import { sharedBufferLength } from "./shared-word.ts";
import { readHandle } from "./read-handle.ts";
import { holdProcessOpen } from "./keep-alive.ts";
import { assertCanBlock, checkTimeout, spinWhileEquals } from "./atomics-wait.ts";

// The parker's one word, read and written only with `Atomics` (unparkers on any thread write it),
// all sequentially consistent (SC: one total order that respects each thread's program order).
//
// - EMPTY: no token, and the owner is not waiting. Zeroed memory is EMPTY.
// - NOTIFIED: a token, left by an `unpark` that no park has consumed yet. Unparkers store it (an
//   exchange, from any state); only the owner takes it away (NOTIFIED -> EMPTY).
// - PARKED: the owner is waiting, or about to wait, on the word. Only the owner stores it (EMPTY
//   -> PARKED, by the decrement in `park`), and only while it parks; every return from `park` or
//   `parkAsync` leaves EMPTY or NOTIFIED behind. So the owner, entering a park, finds EMPTY or
//   NOTIFIED. This needs one park at a time: a second park of the same parker (say a `park` while a
//   `parkAsync` of it is pending) would decrement PARKED to -2, a value no one notifies for.
// - A thread that dies parked (terminated while blocked in `park`, or while a `parkAsync` was
//   pending) leaves PARKED behind, and the next owner's park finds it there. Its decrement then
//   left -2, on which `Atomics.wait(…, PARKED)` returns at once and which an unpark does not
//   notify for: that park spun on the word until a token came, and a `parkAsync` held its event
//   loop meanwhile. So a park that finds neither EMPTY nor NOTIFIED puts PARKED back itself
//   (`takeOverWord`). Whoever gives the word to a new owner may still reset it first (the
//   work-stealing runtime does so with an `unpark`, which leaves a spurious token).
//
// What an unparker did before `unpark()` happens-before what the owner does after a park that
// consumed that token: the owner's read-modify-write that finds NOTIFIED reads the unparker's
// exchange.
const EMPTY = 0;
const NOTIFIED = 1;
const PARKED = -1;

/**
 * Where a parker's state lives: one 32-bit word of a `SharedArrayBuffer`. Plain data, so it can be
 * posted to a worker (or stored in shared memory) and turned into an {@linkcode Unparker} there.
 */
export interface ParkerHandle {
  /** The shared memory holding the word. */
  readonly buffer: SharedArrayBuffer;
  /** The word's index in an `Int32Array` over `buffer`. */
  readonly index: number;
}

/**
 * Blocks a thread until another thread unparks it, with a token: an `unpark()` that comes before
 * `park()` makes that park return at once, so no wake-up is ever lost.
 *
 * One thread owns a parker and is the only one that parks on it, one `park` or `parkAsync` at a
 * time; any thread may unpark. `park` blocks on a futex (`Atomics.wait`) after a short spin;
 * `parkAsync` waits without blocking (`Atomics.waitAsync`) and keeps the process alive meanwhile.
 *
 * @example
 * ```ts
 * import { Parker, Unparker } from "@spindle/core";
 *
 * const parker = new Parker();
 * new Unparker(parker.handle).unpark(); // e.g. from a worker that received `parker.handle`
 * console.log(parker.park(1000)); // true: the token was already there
 * console.log(parker.park(1)); // false: timed out
 * ```
 */
export class Parker {
  readonly #word: Int32Array;
  readonly #index: number;

  /**
   * A parker over the word `handle` names, or over a new word of its own. Throws
   * `INVALID_ARGUMENT` for a handle that names no word (see {@linkcode Unparker}).
   */
  constructor(handle?: ParkerHandle) {
    const { words, index } = handle === undefined
      ? { words: new Int32Array(new SharedArrayBuffer(4)), index: 0 }
      : wordOf(handle);
    this.#word = words;
    this.#index = index;
  }

  /** Where this parker's word lives, to build an {@linkcode Unparker} on another thread. */
  get handle(): ParkerHandle {
    return { buffer: this.#word.buffer as SharedArrayBuffer, index: this.#index };
  }

  /**
   * Blocks until unparked or until `timeoutMs` passes (default: no limit). Returns `true` when a
   * token was consumed, `false` on time-out. Throws `BLOCKING_NOT_ALLOWED` where the thread may
   * not block.
   */
  park(timeoutMs: number = Infinity): boolean {
    checkTimeout(timeoutMs);
    assertCanBlock("Parker.park()");
    const word = this.#word;
    const index = this.#index;
    // Spin while EMPTY (loads only, so unparkers are not told to notify). The word is EMPTY or
    // NOTIFIED here (see the states above), so a change is a token, and the CAS takes it.
    if (spinWhileEquals(word, index, EMPTY) && Atomics.compareExchange(word, index, NOTIFIED, EMPTY) === NOTIFIED) {
      return true;
    }
    // One read-modify-write both consumes a token that came meanwhile (NOTIFIED -> EMPTY) and
    // announces the wait (EMPTY -> PARKED): a separate check and store would let an unpark slip in
    // between and see no PARKED, hence not notify.
    const before = Atomics.sub(word, index, 1);
    if (before === NOTIFIED) return true; // NOTIFIED -> EMPTY
    if (before !== EMPTY) takeOverWord(word, index, before); // a dead owner's PARKED
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - performance.now();
      // No lost wake-up: an unpark exchanges NOTIFIED in, then notifies because it saw PARKED.
      // `Atomics.wait` reads the word and enqueues this thread in one critical section of the
      // waiter list, which `notify` enters too: if the exchange came first, the wait sees
      // NOTIFIED and returns "not-equal"; if not, the notify finds this thread enqueued.
      if (remaining > 0) Atomics.wait(word, index, PARKED, remaining === Infinity ? undefined : remaining);
      // Whatever ended the wait (a notify, the time-out, a spurious or stale wake-up), the word
      // decides. Only an unpark changes it from PARKED, to NOTIFIED; a CAS that fails leaves
      // PARKED in place, and the loop waits again. A stale wake-up comes from an unpark that saw
      // PARKED in an earlier park of this thread and notified after that park had returned.
      if (Atomics.compareExchange(word, index, NOTIFIED, EMPTY) === NOTIFIED) return true;
      // Time-out: leave EMPTY behind and report a token that arrived after the CAS above. An
      // unpark after this exchange sees EMPTY, does not notify, and leaves its token for the next
      // park: no token is lost.
      if (deadline - performance.now() <= 0) return Atomics.exchange(word, index, EMPTY) === NOTIFIED;
      waitAgain(word, index);
    }
  }

  /**
   * Waits without blocking the thread until unparked or until `timeoutMs` passes. Resolves `true`
   * when a token was consumed, `false` on time-out. The process stays alive while it waits.
   */
  async parkAsync(timeoutMs: number = Infinity): Promise<boolean> {
    checkTimeout(timeoutMs);
    const word = this.#word;
    const index = this.#index;
    // The same sequence as park, without the spin; `Atomics.waitAsync` checks the word and enqueues
    // in one critical section as `wait` does, so the same argument loses no wake-up.
    const before = Atomics.sub(word, index, 1);
    if (before === NOTIFIED) return true;
    if (before !== EMPTY) takeOverWord(word, index, before); // a dead owner's PARKED
    const release = holdProcessOpen();
    try {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const remaining = deadline - performance.now();
        if (remaining > 0) {
          const wait = Atomics.waitAsync(word, index, PARKED, remaining === Infinity ? undefined : remaining);
          if (wait.async) await wait.value;
        }
        if (Atomics.compareExchange(word, index, NOTIFIED, EMPTY) === NOTIFIED) return true;
        if (deadline - performance.now() <= 0) return Atomics.exchange(word, index, EMPTY) === NOTIFIED;
        waitAgain(word, index);
      }
    } finally {
      release();
    }
  }

  /** An unparker for this parker, usable on this thread. */
  unparker(): Unparker {
    return new Unparker(this.handle);
  }
}

/**
 * Wakes the thread that owns a {@linkcode Parker}; build it on any thread from the parker's handle.
 *
 * @example
 * ```ts
 * import { Parker, Unparker } from "@spindle/core";
 * const parker = new Parker();
 * const unparker = new Unparker(parker.handle);
 * unparker.unpark();
 * console.log(parker.park(0)); // true
 * ```
 */
export class Unparker {
  readonly #word: Int32Array;
  readonly #index: number;

  /**
   * An unparker for the parker whose word `handle` names. Throws `INVALID_ARGUMENT`, naming the
   * value, unless `handle.buffer` is a `SharedArrayBuffer` and `handle.index` an integer index of
   * one of its 32-bit words (`Atomics` would truncate 1.5 to word 1 and NaN to word 0, another
   * parker's, and throw a bare error for the rest).
   */
  constructor(handle: ParkerHandle) {
    const { words, index } = wordOf(handle);
    this.#word = words;
    this.#index = index;
  }

  /** Gives the parker its token, waking it if it is parked. Cheap when it is not. */
  unpark(): void {
    // The exchange leaves a token whatever the state; only a PARKED owner needs the notify (the
    // other states mean it is not waiting, and will see the token before it does). Only the owner
    // waits on the word, one park at a time, but the notify wakes every waiter: on Deno (2.9.6) a
    // thread terminated while it was blocked in `park` stays queued on the word, and a notify of
    // one woke it alone, not the next owner parked behind it (measured: that park then waited
    // out its timeout in every run).
    if (Atomics.exchange(this.#word, this.#index, NOTIFIED) === PARKED) Atomics.notify(this.#word, this.#index);
  }
}

/**
 * A park's decrement found `before`, neither EMPTY nor NOTIFIED: PARKED left by an owner that died
 * parked (or a word that held something else). Puts PARKED in place of what the decrement left,
 * so that this park waits on the value unparkers notify for. Only unparkers write the word while
 * its owner parks, and they write NOTIFIED: a CAS that fails read that token (its unpark, between
 * the decrement and this CAS, saw no PARKED and did not notify; the park's loop then takes the
 * token without waiting). A word that was 2 reads as a token after the decrement and is left for
 * the loop to take: a spurious wake, which every park allows.
 *
 * Then wakes whoever still waits on the word: nobody, except on Deno, where an owner terminated
 * while blocked in `park` stays queued until woken and then runs on for a moment (see
 * `waitAgain`). Woken now, with no token to take, it is gone before most unparks come; left
 * asleep, the next unpark woke it too and it took that token first in 5 of 7 runs here (1 of 9
 * with this notify), so that the new owner missed it.
 */
function takeOverWord(word: Int32Array, index: number, before: number): void {
  if (before - 1 !== NOTIFIED) Atomics.compareExchange(word, index, before - 1, PARKED);
  Atomics.notify(word, index);
}

/**
 * A park that goes on waiting after a wake that brought no token: the word is PARKED again for
 * the next wait. It is PARKED already, unless a dead owner took the token (Deno: a thread
 * terminated while it was blocked in `park` is not stopped until woken, and then runs its park's
 * CAS, which takes the token the unpark left for the next owner, leaving EMPTY). Waiting on EMPTY
 * with PARKED would return at once, a spin, and an unpark finding EMPTY would not notify: the
 * CAS puts PARKED back. A CAS that fails read PARKED (nothing to do) or a token that came since
 * (NOTIFIED: the next wait returns at once and the loop takes it).
 */
function waitAgain(word: Int32Array, index: number): void {
  Atomics.compareExchange(word, index, EMPTY, PARKED);
}

/**
 * The words of the buffer `handle` names and the index of its word, once `handle` is checked to name
 * one of them; each field read once (see {@linkcode readHandle}).
 */
function wordOf(handle: ParkerHandle): { readonly words: Int32Array; readonly index: number } {
  if (typeof handle !== "object" || handle === null) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `a parker handle is { buffer, index } from Parker.handle, got ${describe(handle)}`,
    );
  }
  const { buffer, index } = readHandle(handle, "a parker", ["buffer", "index"]);
  // checkInstance refuses what cannot be read (a revoked Proxy) as such. A Proxy of a
  // SharedArrayBuffer passes it, and an Int32Array made over that would copy it as an array-like of
  // no words instead of sharing it: its length is -1 here.
  const needs = "a parker handle's buffer is a SharedArrayBuffer";
  if (sharedBufferLength(checkInstance(buffer, SharedArrayBuffer, needs)) < 0) {
    throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(buffer)}`);
  }
  const words = new Int32Array(buffer as SharedArrayBuffer);
  if (typeof index !== "number" || (index >>> 0) !== index || index >= words.length) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `a parker handle's index is an integer from 0 to ${words.length - 1}, got ${describe(index)}`,
    );
  }
  return { words, index };
}
