/**
 * Bumps the event counter `words[counter]` and wakes the threads waiting on it, the signalling
 * half of the wait protocol of `shared-wait.ts`. A waiter increments `words[waiters]`, then reads
 * the counter, then re-checks its condition, then waits for the counter to change; all seq-cst, so
 * either the load of the waiter count below sees the waiter (and notifies: its `Atomics.wait`
 * compares the counter first, so a notify before it sleeps is not missed) or the waiter's read of
 * the counter comes after the bump (and its re-check sees what was published before the call).
 * Wakes every waiter: a dropped async waiter stays registered with the runtime until notified (a
 * `waitAsync` cannot be cancelled) and must not absorb the wake-up a live one needs.
 */
export function signalCounter(words: Int32Array, counter: number, waiters: number): void {
  Atomics.add(words, counter, 1);
  if (Atomics.load(words, waiters) !== 0) Atomics.notify(words, counter);
}
