import { assertCanBlock, checkTimeout, holdProcessOpen, spinWhileEquals, type Waker } from "@spindle/core";
import { EMPTY } from "./shared-ring.ts";

/**
 * Waiting for another thread to change a shared event counter: asynchronously (a task's future,
 * through `Atomics.waitAsync`) or by blocking the thread (`Atomics.wait`).
 *
 * Protocol, shared with the signalling side (`SharedRing.#signal`, which bumps the counter, then
 * notifies if the waiter count is not 0): the waiter increments the waiter count, reads the
 * counter, re-checks its condition, and only then waits for the counter to differ from what it
 * read. Every step is seq-cst, so a signal either sees the waiter count (and notifies, and the wait
 * returns or never starts: `Atomics.wait` compares first) or comes after the waiter's read of the
 * counter, in which case the re-check sees what was published before the bump.
 */
export class AsyncCounterWait {
  readonly #words: Int32Array;
  readonly #counter: number;
  readonly #waiters: number;
  #waker: Waker | undefined;
  #release: (() => void) | undefined;
  /** Whether a waitAsync is pending for this waiter (the waiter count holds one for it). */
  #armed = false;
  /** Which arming the pending waitAsync belongs to: a settlement of an older one is ignored. */
  #generation = 0;

  constructor(words: Int32Array, counter: number, waiters: number) {
    this.#words = words;
    this.#counter = counter;
    this.#waiters = waiters;
  }

  /**
   * Arms a wait for the counter to change, after `check` (the condition re-checked with the
   * waiter counted) found nothing. Returns the result of `check` if it found something; otherwise
   * `EMPTY` with `waker` kept to be woken when the counter changes. While armed, the process
   * is held open (a pending waitAsync alone does not hold it, on any runtime).
   */
  arm<R>(waker: Waker, check: () => R | typeof EMPTY): R | typeof EMPTY {
    if (this.#armed) {
      if (this.#waker === undefined || !this.#waker.willWake(waker)) {
        this.#waker?.[Symbol.dispose]();
        this.#waker = waker.clone();
      }
      return check();
    }
    // A hand-off under way usually lands within a brief spin, which costs far less than a wake
    // through the event loop (the counter is only read here: the re-check below decides).
    if (spinWhileEquals(this.#words, this.#counter, Atomics.load(this.#words, this.#counter))) {
      const early = check();
      if (early !== EMPTY) return early;
    }
    // Counted before the counter is read: pairs with the signaller's load of the waiter count.
    Atomics.add(this.#words, this.#waiters, 1);
    const seen = Atomics.load(this.#words, this.#counter);
    const found = check();
    if (found !== EMPTY) {
      Atomics.sub(this.#words, this.#waiters, 1);
      return found;
    }
    const result = Atomics.waitAsync(this.#words, this.#counter, seen);
    if (!result.async) {
      // "not-equal": the counter moved since the read; the caller polls again at once.
      Atomics.sub(this.#words, this.#waiters, 1);
      waker.wakeByRef();
      return EMPTY;
    }
    this.#armed = true;
    this.#waker = waker.clone();
    this.#release = holdProcessOpen();
    const generation = ++this.#generation;
    result.value.then(() => this.#settle(generation));
    return EMPTY;
  }

  #settle(generation: number): void {
    // Dropped meanwhile (its count and hold were given back then), or an older arming's wait.
    if (!this.#armed || generation !== this.#generation) return;
    this.#disarm();
    const waker = this.#waker;
    this.#waker = undefined;
    waker?.wake();
  }

  #disarm(): void {
    this.#armed = false;
    Atomics.sub(this.#words, this.#waiters, 1);
    this.#release?.();
    this.#release = undefined;
  }

  /**
   * Gives up a pending wait: the waiter count and the process hold are given back now. The
   * runtime's waitAsync record stays until the next notify (it cannot be cancelled), which is why
   * signallers notify every waiter.
   */
  drop(): void {
    if (this.#armed) this.#disarm();
    this.#waker?.[Symbol.dispose]();
    this.#waker = undefined;
  }
}

/**
 * A blocking receive spins up to this many rounds of `spinWhileEquals` (about 2.5 µs each on
 * Node, 4 on Bun, 5-10 on Deno here) before it sleeps. Waking a thread from `Atomics.wait` took
 * 10-35 µs at p50 on the 2-vCPU machine of docs/benchmarks.md, against 1-3 µs for the other side
 * of a ping-pong to answer: a longer spin catches such answers without a sleep, as crossbeam's
 * blocking receive spins and snoozes before it parks. Only a thread that blocks anyway spins this
 * long; an executor's task never does (`AsyncCounterWait` spins one round). A sender waiting for
 * room does not either: the receiver is behind then, and a spin could only take CPU from it when
 * the two share a vCPU.
 */
const MAX_SPIN_ROUNDS = 8;

/**
 * The rounds this thread's next blocking receive spins: doubled when a spin saw the change, halved
 * (to one round) when it ran out and the thread slept. When the other side shares this thread's
 * vCPU (the scheduler put them there), a spin only delays it: such spins keep failing and shrink
 * to one round, where a fixed 20 µs spin had made each round trip of a ping-pong 3-4x slower (as
 * glibc's adaptive mutexes and parking_lot learn their spin). One round can be too short for an
 * answer that a longer spin would catch, so at one round every `PROBE_EVERY`th wait spins the
 * longest again, to find out.
 */
let spinRounds = MAX_SPIN_ROUNDS;
const PROBE_EVERY = 16;
let shortWaits = 0;

/** Spins until `words[counter]` differs from `seen` (`true`) or the rounds run out (`false`). */
function spinAdaptively(words: Int32Array, counter: number, seen: number): boolean {
  const rounds = spinRounds > 1 || ++shortWaits % PROBE_EVERY !== 0 ? spinRounds : MAX_SPIN_ROUNDS;
  for (let round = 0; round < rounds; round++) {
    if (spinWhileEquals(words, counter, seen)) {
      if (spinRounds < MAX_SPIN_ROUNDS) spinRounds *= 2;
      return true;
    }
  }
  if (spinRounds > 1) spinRounds >>= 1;
  return false;
}

/**
 * Blocks this thread until `attempt` returns something other than `EMPTY`, or `timeoutMs` passes
 * (then returns `EMPTY`). Spins briefly before each wait (a hand-off under way usually
 * lands within it); `patient` (a receive waiting for a value) spins longer, adaptively (see
 * `spinRounds`). Throws `BLOCKING_NOT_ALLOWED` where this thread may not block.
 */
export function blockUntil<R>(
  words: Int32Array,
  counter: number,
  waiters: number,
  operation: string,
  timeoutMs: number,
  attempt: () => R | typeof EMPTY,
  patient = false,
): R | typeof EMPTY {
  checkTimeout(timeoutMs);
  const first = attempt();
  if (first !== EMPTY) return first;
  assertCanBlock(operation);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const seen = Atomics.load(words, counter);
    const found = attempt();
    if (found !== EMPTY) return found;
    if (patient ? spinAdaptively(words, counter, seen) : spinWhileEquals(words, counter, seen)) continue;
    const left = deadline - performance.now();
    if (left <= 0) return EMPTY;
    // Counted before the re-check: pairs with the signaller's load of the waiter count.
    Atomics.add(words, waiters, 1);
    try {
      const again = attempt();
      if (again !== EMPTY) return again;
      Atomics.wait(words, counter, seen, left === Infinity ? undefined : left);
    } finally {
      Atomics.sub(words, waiters, 1);
    }
  }
}
