import type { Mutex } from "@spindle/core";

/**
 * A condition variable in one word of shared memory: a sequence number that every notify bumps.
 *
 * `wait` reads the sequence while holding the mutex, releases the mutex, and sleeps only while the
 * sequence is unchanged. A notify that lands after the mutex was released but before the sleep
 * began has already bumped the sequence, so `Atomics.wait` returns at once: no wakeup is lost.
 * Like every condition variable, it can wake spuriously; the caller re-checks its condition.
 */
export class Condvar {
  readonly #word: Int32Array;
  readonly #index: number;

  constructor(word: Int32Array, index: number) {
    this.#word = word;
    this.#index = index;
  }

  /**
   * Releases `mutex` (held by this thread), sleeps until notified or `timeoutMs` passed
   * (fractions of a millisecond count; `Infinity` waits for a notify), then takes `mutex` again
   * with `relock` (default `mutex.lock()`, which waits as long as it takes) and returns what it
   * returned: `false` means the mutex was not taken.
   */
  wait(mutex: Mutex, timeoutMs: number, relock: () => boolean = () => mutex.lock()): boolean {
    const seq = Atomics.load(this.#word, this.#index);
    mutex.unlock();
    Atomics.wait(this.#word, this.#index, seq, timeoutMs === Infinity ? undefined : Math.max(0, timeoutMs));
    return relock();
  }

  /** Wakes one waiting thread (the timer thread is the only one that waits). */
  notifyOne(): void {
    Atomics.add(this.#word, this.#index, 1);
    Atomics.notify(this.#word, this.#index, 1);
  }
}
