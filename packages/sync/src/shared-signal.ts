/**
 * The event counters that cross-thread waiters wait on (a channel's SENT and FREED, a shared
 * semaphore's RELEASED, a shared notify's EVENTS), and the signalling half of their protocol; the
 * waiting half is `shared-wait.ts`.
 *
 * A counter is one Int32 word: bits 1-31 count events (each signal adds 2, wrapping), bit 0
 * (`WAITING`) says that a thread may be asleep on the word (Linux futexes' and parking_lot's
 * "has waiters" bit). All accesses are `Atomics` operations, hence sequentially consistent.
 *
 * - Signaller (`signalCounter`), after publishing its change (a slot's sequence word, permits, the
 *   notify permit): S1 `old = Atomics.add(word, 2)`; if `old` has WAITING: S2
 *   `Atomics.and(word, ~WAITING)`, S3 `Atomics.notify(word)`, waking every waiter.
 * - Waiter: W1 `seen = Atomics.load(word)`; W2 re-checks its condition (reading the shared state
 *   after W1); W3 if `seen` lacks WAITING, `Atomics.compareExchange(word, seen, seen | WAITING)`,
 *   starting again at W1 if it fails (the word moved: an event came); W4 `Atomics.wait` /
 *   `Atomics.waitAsync` while the word equals `seen | WAITING` (both compare before sleeping,
 *   atomically with respect to `Atomics.notify`).
 *
 * Why no wake is lost. A waiter sleeps only at W4, on a value with WAITING set. Every change of the
 * word away from a value with WAITING is followed by a notify: S1 from such a value is followed by
 * its own S3; S2 clears the bit and S3 follows; W3 only sets the bit on a value without it, on
 * which nobody sleeps. So a sleeper is woken by the first change of the word after it fell asleep.
 * Now take a signal and a waiter. If S1 comes before W1 in the one total order, the change the
 * signaller published before S1 is visible to W2, which then finds it. If S1 comes after W1, the
 * word no longer holds `seen` / `seen | WAITING` from S1 on (until 2^31 signals wrap it): W3's CAS
 * fails, or W4's compare does, or the waiter is asleep on it already and the change wakes it.
 *
 * Batching: the first signal after a waiter set the bit clears it and notifies; the following ones
 * see no bit and skip the notify (about 0.25 µs each) until a waiter sets it again, instead of
 * notifying until every woken waiter had counted itself out (10-30 µs for a `waitAsync` waiter,
 * whose wake goes through its thread's event loop).
 *
 * Nothing to undo: a waiter that stops waiting (timed out, or its future dropped) leaves the bit;
 * the next signal then notifies once for nothing and clears it. This also ends a dropped
 * future's `waitAsync` (which cannot be cancelled): it never holds a count another waiter needs,
 * and it is woken with the others, as every notify wakes all.
 */

/** Bit 0 of an event counter: a thread may be asleep waiting for the word to change. */
export const WAITING = 1;

/** What one signal adds to an event counter (bit 0 is `WAITING`). */
const EVENT = 2;

/**
 * Counts an event on the counter `words[counter]` and wakes the threads waiting on it (steps S1-S3
 * of the protocol above). Call it after publishing what the waiters re-check.
 */
export function signalCounter(words: Int32Array, counter: number): void {
  // S1: pairs with the waiter's W1 load and W3 CAS (see above); seq-cst, after the caller's publish.
  if ((Atomics.add(words, counter, EVENT) & WAITING) === 0) return;
  // S2 then S3: the word left a value a waiter may sleep on, so notify every waiter on it.
  Atomics.and(words, counter, ~WAITING);
  Atomics.notify(words, counter);
}
