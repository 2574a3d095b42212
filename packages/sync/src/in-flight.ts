import { assertCanBlock, SPIN_PAUSES, spinPause } from "@spindle/core";
import { announceWaiter } from "./shared-signal.ts";

/**
 * How long a `tryRecv` (`trySend`) waits at most for a send (receive) another thread began at the
 * front of the ring and has not finished. A live thread finishes within microseconds once it runs
 * (a copy of at most a slot's bytes), but a thread that was descheduled between its claim and its
 * publish runs again only when the scheduler lets it (crossbeam spins there without a bound). The
 * bound is for a thread that died there, whose slot only a recovery (`recover`) resolves.
 */
export const IN_FLIGHT_WAIT_MS = 1000;

let blockingAllowed: boolean | undefined;

/**
 * Waits while `sequences[index]` holds `stale` (until the slot's other side finished: a sender
 * published it, or a receiver freed it; another thread may have taken it since, so any change
 * ends the wait), at most until `deadline` (a `performance.now()` time); returns whether it
 * changed.
 * Spins briefly first; then, where the thread may block, sleeps on the event counter
 * `words[counter]` that the other side signals after that store (SENT for a publish, FREED for a
 * free; the protocol of shared-signal.ts), else spins on to the bound.
 */
export function awaitSlot(
  sequences: Int32Array,
  index: number,
  stale: number,
  words: Int32Array,
  counter: number,
  deadline: number,
): boolean {
  // Pairs with the other side's Atomics.store of the sequence word (seq-cst).
  for (let i = 0; i < SPIN_PAUSES; i++) {
    if (Atomics.load(sequences, index) !== stale) return true;
    spinPause(i);
  }
  if (blockingAllowed === undefined) {
    try {
      assertCanBlock("awaitSlot()");
      blockingAllowed = true;
    } catch {
      blockingAllowed = false;
    }
  }
  for (let i = 0;; i++) {
    // W1 of shared-signal.ts before the re-check (W2): the other side's store comes before its
    // signal, so either the re-check sees it or the signal moves the word off `armed`.
    const armed = blockingAllowed ? announceWaiter(words, counter) : 0;
    if (Atomics.load(sequences, index) !== stale) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    if (blockingAllowed) Atomics.wait(words, counter, armed, left); // W3
    else spinPause(i);
  }
}
