import { describe, SpindleError } from "./errors.ts";
import { checkSharedWord } from "./shared-word.ts";
/**
 * A mutex in one word of shared memory, usable from every thread of the process (Drepper's
 * three-state futex mutex, "Futexes Are Tricky", 2011): 0 unlocked, 1 locked, 2 locked and
 * possibly awaited. Every thread builds its own `Mutex` over the same word.
 *
 * Every access is an `Atomics` operation, which is sequentially consistent: the plain reads and
 * writes of shared memory made while the lock is held are ordered before the unlocking
 * `Atomics.sub` and after the next owner's locking `Atomics.compareExchange`, so they are seen by
 * whoever takes the lock next.
 *
 * It is meant for critical sections of a few loads and stores, so a contended `lock` spins
 * briefly before it sleeps. A sleep is bounded by `checkMs`; between sleeps `lock` asks
 * `abandoned()` so that a thread that died holding the lock cannot block the others forever.
 *
 * @example
 * ```ts
 * import { Mutex } from "@spindle/core";
 *
 * const shared = new Int32Array(new SharedArrayBuffer(8)); // word 0: the lock, word 1: data
 * const mutex = new Mutex(shared, 0); // another thread: new Mutex(new Int32Array(buffer), 0)
 * mutex.lock();
 * shared[1]! += 1;
 * mutex.unlock();
 * console.log(shared[1]); // 1
 * ```
 */
export class Mutex {
  readonly #word: Int32Array;
  readonly #index: number;

  /** A mutex over `word[index]` (zero: unlocked). */
  constructor(word: Int32Array, index: number) {
    checkSharedWord(word, index, "new Mutex()");
    this.#word = word;
    this.#index = index;
  }

  /**
   * Takes the lock; returns `false` without it when `abandoned()` says so while waiting.
   * `abandoned` is asked only after a wait of `checkMs` timed out. The word records no owner:
   * with the default `abandoned` (never), a lock whose holder died is waited for forever. `abandoned` must be a function
   * and `checkMs` a number of milliseconds > 0 (`Infinity`: never ask): `INVALID_ARGUMENT` naming
   * the value otherwise, on every call (a `NaN` wait never times out, so a dead holder's lock
   * would be waited for forever).
   */
  lock(abandoned: () => boolean = never, checkMs = 50): boolean {
    if (typeof abandoned !== "function" || typeof checkMs !== "number" || !(checkMs > 0)) {
      throw badLockArguments(abandoned, checkMs);
    }
    const word = this.#word;
    const i = this.#index;
    let state = Atomics.compareExchange(word, i, UNLOCKED, LOCKED);
    if (state === UNLOCKED) return true;
    for (let spin = 0; spin < SPINS; spin++) {
      state = Atomics.compareExchange(word, i, UNLOCKED, LOCKED);
      if (state === UNLOCKED) return true;
    }
    // Mark the lock contended so that its holder notifies on unlock; whoever swaps 2 into an
    // unlocked word owns the lock (it may notify once needlessly, which is harmless).
    if (state !== CONTENDED) state = Atomics.exchange(word, i, CONTENDED);
    while (state !== UNLOCKED) {
      if (Atomics.wait(word, i, CONTENDED, checkMs) === "timed-out" && abandoned()) return false;
      state = Atomics.exchange(word, i, CONTENDED);
    }
    return true;
  }

  /** Releases the lock held by this thread, waking one waiter if there may be one. */
  unlock(): void {
    if (Atomics.sub(this.#word, this.#index, 1) !== LOCKED) {
      Atomics.store(this.#word, this.#index, UNLOCKED);
      Atomics.notify(this.#word, this.#index, 1);
    }
  }
}

const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;
const SPINS = 100;

const never = (): boolean => false;

function badLockArguments(abandoned: unknown, checkMs: unknown): SpindleError {
  return typeof abandoned !== "function"
    ? new SpindleError("INVALID_ARGUMENT", `Mutex.lock()'s abandoned must be a function, got ${describe(abandoned)}`)
    : new SpindleError(
      "INVALID_ARGUMENT",
      `Mutex.lock()'s checkMs must be a number of milliseconds > 0, got ${describe(checkMs)}`,
    );
}
