import { describe, SpindleError, unreadableError } from "./errors.ts";
import type { Mutex } from "./mutex.ts";
import { checkSharedWord } from "./shared-word.ts";

/**
 * A condition variable in one word of shared memory: a sequence number that every notify bumps.
 *
 * `wait` reads the sequence while holding the mutex, releases the mutex, and sleeps only while the
 * sequence is unchanged. A notify that lands after the mutex was released but before the sleep
 * began has already bumped the sequence, so `Atomics.wait` returns at once: no wakeup is lost.
 * Like every condition variable, it can wake spuriously; the caller re-checks its condition.
 * Every thread builds its own `Condvar` over the same word, used with one {@linkcode Mutex}.
 *
 * @example
 * ```ts
 * import { Condvar, Mutex } from "@spindle/core";
 *
 * // word 0: the lock, word 1: the condition variable, word 2: the data they guard
 * const shared = new Int32Array(new SharedArrayBuffer(12));
 * const mutex = new Mutex(shared, 0); // another thread: new Mutex(new Int32Array(buffer), 0)
 * const changed = new Condvar(shared, 1); // and new Condvar(new Int32Array(buffer), 1)
 *
 * // A producer (usually another thread): change the data under the lock, then notify.
 * mutex.lock();
 * shared[2] = 42;
 * mutex.unlock();
 * changed.notifyOne();
 *
 * // A consumer: waits under the lock until the data is there, re-checking after every wake.
 * mutex.lock();
 * while (shared[2] === 0) changed.wait(mutex, 100);
 * console.log(shared[2]); // 42
 * mutex.unlock();
 * ```
 */
export class Condvar {
  readonly #word: Int32Array;
  readonly #index: number;

  /** A condition variable over `word[index]`. */
  constructor(word: Int32Array, index: number) {
    checkSharedWord(word, index, "new Condvar()");
    this.#word = word;
    this.#index = index;
  }

  /**
   * Releases `mutex` (held by this thread), sleeps until notified or `timeoutMs` passed
   * (fractions of a millisecond count; `Infinity` waits for a notify), then takes `mutex` again
   * with `relock` (default `mutex.lock()`, which waits as long as it takes) and returns what it
   * returned: `false` means the mutex was not taken. A `mutex` without an `unlock` method, a
   * `timeoutMs` that is not a number (`NaN` too: it would never time out) or a `relock` that is not
   * a function is `INVALID_ARGUMENT` naming it, before the mutex is released.
   */
  wait(mutex: Mutex, timeoutMs: number, relock: () => boolean = () => mutex.lock()): boolean {
    if (!hasUnlock(mutex)) {
      throw new SpindleError("INVALID_ARGUMENT", `Condvar.wait() needs a Mutex, got ${describe(mutex)}`);
    }
    if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || typeof relock !== "function") {
      throw typeof relock !== "function"
        ? new SpindleError("INVALID_ARGUMENT", `Condvar.wait()'s relock must be a function, got ${describe(relock)}`)
        : new SpindleError(
          "INVALID_ARGUMENT",
          `Condvar.wait()'s timeoutMs must be a number of milliseconds (Infinity: no limit), got ${
            describe(timeoutMs)
          }`,
        );
    }
    const seq = Atomics.load(this.#word, this.#index);
    mutex.unlock();
    Atomics.wait(this.#word, this.#index, seq, timeoutMs === Infinity ? undefined : Math.max(0, timeoutMs));
    return relock();
  }

  /** Wakes one waiting thread, if one waits. */
  notifyOne(): void {
    Atomics.add(this.#word, this.#index, 1);
    Atomics.notify(this.#word, this.#index, 1);
  }
}

/** Whether `value` has an `unlock` method; a value whose `unlock` cannot be read is `INVALID_ARGUMENT` naming it. */
function hasUnlock(value: unknown): boolean {
  try {
    return typeof (value as Partial<Mutex> | null)?.unlock === "function";
  } catch (cause) {
    throw unreadableError(value, "Condvar.wait() needs a Mutex", cause);
  }
}
