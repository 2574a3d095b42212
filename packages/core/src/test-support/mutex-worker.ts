/**
 * Test worker for mutex.test.ts. Messages:
 * - `{ kind: "count", buffer, n, threads, deadline }`: waits at a start barrier, then runs
 *   {@linkcode count} and posts its result.
 * - `{ kind: "hold", buffer, ms }`: takes the mutex, posts "held", keeps it `ms` milliseconds,
 *   releases it and posts "released".
 * Words of `buffer`: [LOCK, COUNTER, INSIDE, BARRIER].
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { Mutex } from "../mod.ts";

export const LOCK = 0;
export const COUNTER = 1;
export const INSIDE = 2;
export const BARRIER = 3;
export const MUTEX_WORDS = 4;

export type MutexMessage =
  | {
    readonly kind: "count";
    readonly buffer: SharedArrayBuffer;
    readonly n: number;
    readonly threads: number;
    readonly deadline: number;
  }
  | { readonly kind: "hold"; readonly buffer: SharedArrayBuffer; readonly ms: number };

/** What one thread's {@linkcode count} saw. */
export interface CountResult {
  /** Times it found another thread inside. */
  overlaps: number;
  /** Waits for the lock that ended by their timeout rather than by an unlock's notify. */
  timedOut: number;
  /** Rounds done (`n` unless it gave up at the deadline). */
  completed: number;
}

/** A wait far longer than any critical section here: one that times out is a lost wake-up. */
const CHECK_MS = 5_000;

/**
 * `n` times: takes `mutex`, checks it is alone inside, adds 1 to the counter with a plain read and
 * write (two threads inside at once would lose updates) and releases it. Gives up once the clock
 * passes `deadline` (`Date.now()`), so that a broken mutex fails the test instead of hanging it.
 */
export function count(words: Int32Array, mutex: Mutex, n: number, deadline: number): CountResult {
  const result: CountResult = { overlaps: 0, timedOut: 0, completed: 0 };
  const abandoned = (): boolean => {
    result.timedOut++;
    return Date.now() > deadline;
  };
  for (; result.completed < n; result.completed++) {
    if (!mutex.lock(abandoned, CHECK_MS)) break;
    if (Atomics.add(words, INSIDE, 1) !== 0) result.overlaps++;
    words[COUNTER] = (words[COUNTER] as number) + 1;
    Atomics.sub(words, INSIDE, 1);
    mutex.unlock();
  }
  return result;
}

if (!isMainThread) {
  parentPort!.on("message", (message: MutexMessage) => {
    const words = new Int32Array(message.buffer);
    const mutex = new Mutex(words, LOCK);
    if (message.kind === "count") {
      Atomics.add(words, BARRIER, 1);
      while (Atomics.load(words, BARRIER) < message.threads);
      parentPort!.postMessage(count(words, mutex, message.n, message.deadline));
    } else {
      mutex.lock();
      parentPort!.postMessage("held");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, message.ms);
      mutex.unlock();
      parentPort!.postMessage("released");
    }
  });
  parentPort!.postMessage("ready");
}
