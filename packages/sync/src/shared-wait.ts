import {
  assertCanBlock,
  checkTimeout,
  holdProcessOpen,
  SPIN_PAUSES,
  spinPause,
  spinWhileEquals,
  type Waker,
} from "@spindle/core";
import { EMPTY } from "./shared-ring.ts";
import { announceWaiter } from "./shared-signal.ts";

/**
 * How many times `AsyncCounterWait.arm` starts again at once when the counter moved under it
 * (`waitAsync`'s compare failed: a signal came, so the re-check likely finds it)
 * before it leaves the next try to a poll through the executor.
 */
const ARM_TRIES = 4;

/**
 * Waiting for another thread to change a shared event counter: asynchronously (a task's future,
 * through `Atomics.waitAsync`) or by blocking the thread (`Atomics.wait`). The waiting half of the
 * protocol of `shared-signal.ts` (steps W1-W3, named below), whose signalling half is
 * `signalCounter`.
 */
export class AsyncCounterWait {
  readonly #words: Int32Array;
  readonly #counter: number;
  #waker: Waker | undefined;
  #release: (() => void) | undefined;
  /** Whether a waitAsync is pending for this waiter (and the process is held open for it). */
  #armed = false;
  /** Which arming the pending waitAsync belongs to: a settlement of an older one is ignored. */
  #generation = 0;

  constructor(words: Int32Array, counter: number) {
    this.#words = words;
    this.#counter = counter;
  }

  /**
   * Arms a wait for the counter to change, after `check` (the condition re-checked after the
   * counter was read) found nothing. Returns the result of `check` if it found something; otherwise
   * `EMPTY` with `waker` kept to be woken when the counter changes. While armed, the process is
   * held open (a pending waitAsync alone does not hold it, on any runtime).
   */
  arm<R>(waker: Waker, check: () => R | typeof EMPTY): R | typeof EMPTY {
    if (this.#armed) {
      if (this.#waker === undefined || !this.#waker.willWake(waker)) {
        this.#waker?.[Symbol.dispose]();
        this.#waker = waker.clone();
      }
      return check();
    }
    // A hand-off under way usually lands within a brief look, which costs far less than a wake
    // through the event loop.
    const seen = lookFor(check);
    if (seen !== EMPTY) return seen;
    const words = this.#words;
    const counter = this.#counter;
    for (let tries = 1;; tries++) {
      // W1: announce a sleeper (shared-signal.ts), before the re-check.
      const armed = announceWaiter(words, counter);
      // W2: the re-check reads the shared state after W1.
      const found = check();
      if (found !== EMPTY) return found;
      // W3: pending until a signal moves the word off `armed` and notifies (shared-signal.ts).
      const result = Atomics.waitAsync(words, counter, armed);
      if (!result.async) {
        // waitAsync's compare failed: a signal came since W1.
        if (tries === ARM_TRIES) break;
        continue;
      }
      this.#armed = true;
      this.#waker = waker.clone();
      this.#release = holdProcessOpen();
      const generation = ++this.#generation;
      result.value.then(() => this.#settle(generation));
      return EMPTY;
    }
    // The counter keeps moving without a result for this waiter: the caller polls again soon.
    // Not a spin without bound: each failed compare means a signal changed the word after this
    // round's W1, which takes a publish by another end (a send, a free, close); with none, the
    // first compare holds and the task parks in waitAsync.
    waker.wakeByRef();
    return EMPTY;
  }

  #settle(generation: number): void {
    // Dropped meanwhile (its hold was given back then), or an older arming's wait.
    if (!this.#armed || generation !== this.#generation) return;
    this.#disarm();
    const waker = this.#waker;
    this.#waker = undefined;
    waker?.wake();
  }

  #disarm(): void {
    this.#armed = false;
    this.#release?.();
    this.#release = undefined;
  }

  /**
   * Gives up a pending wait: the process hold is given back now. The runtime's waitAsync record
   * stays until the next notify (it cannot be cancelled); the WAITING bit it set stays too, so the
   * next signal notifies (every waiter) and ends it. Nothing else is undone: the protocol keeps no
   * count of waiters.
   */
  drop(): void {
    if (this.#armed) this.#disarm();
    this.#waker?.[Symbol.dispose]();
    this.#waker = undefined;
  }
}

/** The most pauses between two looks of `lookFor`: an answer is seen at most this many after it lands. */
const MAX_LOOK_GAP = 8;

/**
 * Looks for what a waiter waits for (`check`, which takes it when there) for one round of
 * `SPIN_PAUSES` pauses (as long as core's `spinWhileEquals`), at gaps of 1, 2, 4, then
 * `MAX_LOOK_GAP` pauses, before the waiter announces itself (shared-signal.ts): a hand-off under way usually lands within it. Looking
 * without announcing leaves the other side's signal a load: announcing first (as this did before)
 * made every signal after a look that found its value a CAS and an `Atomics.notify` for nobody,
 * since a waiter that finds what it waits for leaves the bit. With a receiver keeping pace with a
 * flood of 1,000,000 numbers from a Bun worker, both threads busy at once on two vCPUs, that was
 * 250,000-460,000 notifies by the sender; now 40-300 (0.74 → 0.55 s).
 */
function lookFor<R>(check: () => R | typeof EMPTY): R | typeof EMPTY {
  for (let paused = 0, gap = 1; paused < SPIN_PAUSES; paused += gap, gap = Math.min(2 * gap, MAX_LOOK_GAP)) {
    for (let i = 0; i < gap; i++) spinPause();
    const found = check();
    if (found !== EMPTY) return found;
  }
  return EMPTY;
}

/**
 * A blocking receive looks up to this many rounds of `lookFor` (each about as long as core's
 * `spinWhileEquals`: 2.5 µs on Node, 4 on Bun, 5-10 on Deno here) before it sleeps. Waking a
 * thread from `Atomics.wait` took 10-35 µs at p50 on the 2-vCPU machine of docs/benchmarks.md,
 * against 1-3 µs for the other side of a ping-pong to answer: a longer spin catches such answers
 * without a sleep, as crossbeam's blocking receive spins and snoozes before it parks. Only a
 * thread that blocks anyway spins this long; an executor's task never does (`AsyncCounterWait`
 * looks one round). A sender waiting for room does not either: the receiver is behind then, and a
 * spin could only take CPU from it when the two share a vCPU.
 */
const MAX_SPIN_ROUNDS = 8;

/**
 * The rounds this thread's next blocking receive spins: doubled when a spin found its value,
 * halved (to one round) when it ran out and the thread slept. When the other side shares this
 * thread's vCPU (the scheduler put them there), a spin only delays it: such spins keep failing and
 * shrink to one round, where a fixed 20 µs spin had made each round trip of a ping-pong 3-4x
 * slower (as glibc's adaptive mutexes and parking_lot learn their spin). One round can be too
 * short for an answer that a longer spin would catch, so at one round every `PROBE_EVERY`th wait
 * spins the longest again, to find out.
 */
let spinRounds = MAX_SPIN_ROUNDS;
const PROBE_EVERY = 16;
let shortWaits = 0;

/** `lookFor` for this thread's adaptive number of rounds (see `spinRounds`). */
function lookAdaptively<R>(check: () => R | typeof EMPTY): R | typeof EMPTY {
  const rounds = spinRounds > 1 || ++shortWaits % PROBE_EVERY !== 0 ? spinRounds : MAX_SPIN_ROUNDS;
  for (let round = 0; round < rounds; round++) {
    const found = lookFor(check);
    if (found !== EMPTY) {
      if (spinRounds < MAX_SPIN_ROUNDS) spinRounds *= 2;
      return found;
    }
  }
  if (spinRounds > 1) spinRounds >>= 1;
  return EMPTY;
}

/**
 * The most rounds of `lookFor` (2.5 µs each on Node, 4 on Bun, 5-10 on Deno) a blocking sender
 * woken by a free looks for room for a batch before it tries again. With a receiver slower than
 * the sender (300 ns a value on the main thread, both threads running at once), one round saw a
 * few frees only, and the receiver still notified every 7-9 values (0.11-0.15 notifies a value,
 * Node 24 and Bun); four rounds, 0.04-0.06 (the 200,000 values 1.04-1.25x faster in same-run
 * pairs). The sender spins meanwhile, as it has nothing to send; when it shares a vCPU with the
 * receiver, the look finds nothing and delays the receiver by those rounds once per full ring.
 */
const ROOM_LOOK_ROUNDS = 4;

/**
 * Blocks this thread until `attempt` returns something other than `EMPTY`, or `timeoutMs` passes
 * (then returns `EMPTY`). Spins briefly before each wait (a hand-off under way usually lands
 * within it); `patient` (a receive waiting for a value) looks before announcing itself, longer
 * and adaptively (see `spinRounds`). `room` (a sender waiting for room): once the counter moved
 * during that spin, it looks for `room()` (room for a batch) for up to `ROOM_LOOK_ROUNDS` rounds
 * of `lookFor` before it tries again. Throws `BLOCKING_NOT_ALLOWED` where this thread may not block.
 */
export function blockUntil<R>(
  words: Int32Array,
  counter: number,
  operation: string,
  timeoutMs: number,
  attempt: () => R | typeof EMPTY,
  patient = false,
  room?: () => R | typeof EMPTY,
): R | typeof EMPTY {
  checkTimeout(timeoutMs);
  const first = attempt();
  if (first !== EMPTY) return first;
  assertCanBlock(operation);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (patient) {
      const seen = lookAdaptively(attempt);
      if (seen !== EMPTY) return seen;
    }
    // W1 then W2 (shared-signal.ts): announce a sleeper, then re-check the shared state.
    const armed = announceWaiter(words, counter);
    const found = attempt();
    if (found !== EMPTY) return found;
    // A sender waiting for room spins on the counter after announcing, as before `lookFor`: it
    // waits for a receiver that is behind, and looking first made a flood of 64-byte strings
    // (whose receiver is the slower side) 1.14-1.21x slower in same-run A/B rounds on Node 24 and
    // Bun. With WAITING set, the receiver's next free changes the word.
    if (!patient && spinWhileEquals(words, counter, armed)) {
      // One slot is free. Trying now would send one value, find the ring full at the next send
      // and announce again, so that each free of the receiver cost it a CAS and an
      // `Atomics.notify` and this sender a wait's round: look for room for a batch first, without
      // announcing (the receiver's frees meanwhile cost it a load each). Whatever the look finds,
      // the attempt below decides, and a sleep comes only after a new announcement and attempt.
      //
      // Why no wake is lost, though frees during the look do not notify. The look starts only
      // after the spin saw the word change, that is after a signal's S2 cleared WAITING (or moved
      // it on): frees during the look find no WAITING and only load, and nobody sleeps during
      // it. The look does not end in a sleep: it ends in the attempt below, which reads the
      // sequence word of the slot at the tail after the look, so it sees every free made before
      // that read (seq-cst), and returns when one is there. If the ring is still full, the loop
      // goes round: W1 sets WAITING, W2 attempts again, and the only sleep (W3 below) is on the
      // `armed` of that same round. Every sleep thus follows its own round's W1 then W2, the
      // premise of the proof in shared-signal.ts: a free after W2 finds WAITING and notifies.
      // No spin without bound either: each pass through here needs the word to have changed
      // since this round's W1, which only a receiver's free (or close, or a recovery's free) does;
      // the look is at most ROOM_LOOK_ROUNDS rounds of lookFor; a round whose spin saw no change
      // sleeps. (`room` only reads: a hint cannot corrupt the ring, only delay the attempt.)
      if (room !== undefined) { for (let r = 0; r < ROOM_LOOK_ROUNDS && lookFor(room) === EMPTY; r++); }
      const found = attempt();
      if (found !== EMPTY) return found;
      continue;
    }
    const left = deadline - performance.now();
    if (left <= 0) return EMPTY;
    // W3: sleeps until a signal moves the word off `armed` and notifies, or the time is up. A
    // timed-out wait leaves the bit: the next signal notifies once for nothing (nothing to undo).
    Atomics.wait(words, counter, armed, left === Infinity ? undefined : left);
  }
}
