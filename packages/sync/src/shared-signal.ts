/**
 * The event counters that cross-thread waiters wait on (a channel's SENT and FREED, a shared
 * semaphore's RELEASED, a shared notify's EVENTS), and both halves of their protocol; the waits
 * themselves are in `shared-wait.ts`.
 *
 * A counter is one Int32 word: bit 0 (`WAITING`) says that a thread may be asleep on the word
 * (Linux futexes' and parking_lot's "has waiters" bit), bits 1-31 count the signals that found it
 * set (each adds 2 and clears it, wrapping). A signal that finds no waiter writes nothing: the
 * classic "waiter: announce, re-check, sleep / signaller: publish, check for a waiter" (Dekker)
 * handshake, so that a flood of messages with nobody waiting costs a load per message instead of
 * an RMW on a line the other side reads. All accesses are `Atomics` operations, hence
 * sequentially consistent (one total order S).
 *
 * - Waiter: W1 `announceWaiter`: load the word; if WAITING is clear, CAS it in (a failed CAS read
 *   a newer value: start again), ending with `armed`, a value of the word that has WAITING. W2
 *   re-checks its condition (reading the shared state after W1 in S). W3 `Atomics.wait` /
 *   `Atomics.waitAsync` while the word equals `armed` (both compare before sleeping, atomically
 *   with respect to `Atomics.notify`: a notify either finds the sleeper queued or the compare
 *   happened after it, on a value it had changed).
 * - Signaller (`signalCounter`), after publishing its change P (a slot's sequence word, permits,
 *   the notify permit; a seq-cst store or RMW): S1 `w = Atomics.load(word)`; if `w` lacks WAITING,
 *   done. Else S2 `Atomics.compareExchange(word, w, (w + 2) & ~WAITING)` (a failed CAS read a newer
 *   value: back to the WAITING test with it) and S3 `Atomics.notify(word)`, waking every waiter.
 *
 * Changes of the word: W1 only sets WAITING on a value without it, on which nobody sleeps (W3
 * sleeps only on values with it); S2 changes a value with WAITING to a different one (the count
 * moves, so the value differs from every earlier one until 2^31 signals wrap it) and S3 follows.
 * Hence every sleeper on `armed` is woken by the first change of the word after its W1.
 *
 * Why no wake is lost. Take a publish P with its S1 and a waiter's round W1-W3 that ends asleep.
 * If P comes before W2 in S, W2 sees the change and the waiter does not sleep. Otherwise
 * W1 < W2 < P < S1 in S, so S1 reads `armed` or a value after it in the word's modification
 * order. If that value has WAITING, this signaller's S2 changes the word (or a failed S2 saw it
 * changed already); if it lacks it, a signaller's S2 cleared it after W1. Either way the word
 * changes after the waiter's W1, which ends its sleep (or fails W3's compare): the round does not
 * end asleep, a contradiction. The waiter goes round again and its next W2 follows that change
 * (the wake, or the read of the changed value), and so P, since S2 comes after S1.
 *
 * Batching: the first signal after a waiter set the bit clears it and notifies; the following ones
 * see no bit and only load, until a waiter announces itself again.
 *
 * Nothing to undo: a waiter that stops waiting (timed out, or its future dropped) leaves the bit;
 * the next signal then notifies once for nothing and clears it. This also ends a dropped
 * future's `waitAsync` (which cannot be cancelled): it never holds a count another waiter needs,
 * and it is woken with the others, as every notify wakes all.
 */

/** Bit 0 of an event counter: a thread may be asleep waiting for the word to change. */
export const WAITING = 1;

/** What one signal that found a waiter adds to an event counter (bit 0 is `WAITING`). */
const EVENT = 2;

/**
 * Step W1 of the protocol above: sets `WAITING` on the counter `words[counter]` (or finds it set)
 * and returns the value to wait on. Re-check the condition after it, then wait while the word
 * holds that value.
 */
export function announceWaiter(words: Int32Array, counter: number): number {
  // Pairs with the signaller's S1 load and S2 CAS: seq-cst, before the caller's re-check.
  let seen = Atomics.load(words, counter);
  while ((seen & WAITING) === 0) {
    const now = Atomics.compareExchange(words, counter, seen, seen | WAITING);
    if (now === seen) return seen | WAITING;
    seen = now; // another waiter set the bit (then done), or it was set and cleared meanwhile
  }
  return seen;
}

/**
 * Wakes the threads waiting on the counter `words[counter]`, if any announced itself (steps S1-S3
 * of the protocol above). Call it after publishing what the waiters re-check.
 */
export function signalCounter(words: Int32Array, counter: number): void {
  // S1: pairs with the waiter's W1 (announceWaiter); seq-cst, after the caller's publish.
  let seen = Atomics.load(words, counter);
  while ((seen & WAITING) !== 0) {
    // S2: moves the word off every value a waiter may sleep on, then S3 wakes them all.
    const now = Atomics.compareExchange(words, counter, seen, (seen + EVENT) & ~WAITING);
    if (now === seen) {
      Atomics.notify(words, counter);
      return;
    }
    seen = now; // changed meanwhile: if another signaller cleared the bit, it notifies
  }
}
