import { Mutex } from "@spindle/core";

/**
 * Which workers are searching for work and which are parked, and the rule for waking one (tokio's
 * `idle.rs`, in shared memory):
 *
 * - New work wakes at most one parked worker, and none while some worker is already searching (a
 *   searcher will find the work; when it does and it was the last searcher, it wakes the next one
 *   if more work is queued, so work spreads one wake at a time instead of in a thundering herd).
 * - At most half of the workers search at once (`tryStartSearching`): the rest park, instead of
 *   burning CPU on steals that mostly fail.
 * - No lost wake-up: a worker registers as parked (`park`, under the lock) and then looks at every
 *   queue once more before it sleeps; a spawner publishes its job and then reads `UNPARKED` and
 *   `SEARCHING`. Every access is a sequentially consistent `Atomics` operation, so either the
 *   spawner sees the worker parked and wakes one, or the worker's last look sees the job.
 *
 * `SLEEPING[i]` and `SEARCHING_FLAG[i]` record each worker's part in the counts, so that the
 * runtime can take a dead worker's part out of them.
 */
export class Idle {
  readonly #control: Int32Array;
  readonly #at: number;
  readonly #mutex: Mutex;
  readonly #unpark: (processor: number) => void;
  /** Where `SLEEPING[0]` and `SEARCHING_FLAG[0]` are. */
  readonly #sleeping: number;
  readonly #searchingFlag: number;
  readonly #arrived: number;

  /**
   * The idle state whose words start at `control[at]` ({@linkcode idleWords}`(max)` of them) for
   * up to `max` processors; `unpark` wakes a processor's machine.
   */
  constructor(control: Int32Array, at: number, max: number, unpark: (processor: number) => void) {
    this.#control = control;
    this.#at = at;
    this.#mutex = new Mutex(control, at + LOCK);
    this.#unpark = unpark;
    this.#sleeping = at + SLEEPERS + max;
    this.#searchingFlag = at + SLEEPERS + 2 * max;
    this.#arrived = at + SLEEPERS + 3 * max;
  }

  /** How many machines run (parked or not). */
  get active(): number {
    return Atomics.load(this.#control, this.#at + ACTIVE);
  }

  /** Wakes one parked worker to look for new work, unless one is searching or none is parked. */
  notifyWork(): void {
    const control = this.#control;
    const at = this.#at;
    if (Atomics.load(control, at + SEARCHING) !== 0) return;
    if (Atomics.load(control, at + UNPARKED) >= Atomics.load(control, at + ACTIVE)) return;
    this.#mutex.lock();
    const count = control[at + COUNT] as number;
    if (Atomics.load(control, at + SEARCHING) !== 0 || count === 0) {
      this.#mutex.unlock();
      return;
    }
    const processor = control[at + SLEEPERS + count - 1] as number;
    control[at + COUNT] = count - 1;
    Atomics.store(control, this.#sleeping + processor, 0);
    Atomics.store(control, this.#searchingFlag + processor, 1);
    Atomics.add(control, at + SEARCHING, 1);
    Atomics.add(control, at + UNPARKED, 1);
    this.#mutex.unlock();
    this.#unpark(processor);
  }

  /** Makes `processor` a searcher unless half of the workers already search; returns whether. */
  tryStartSearching(processor: number): boolean {
    const control = this.#control;
    const at = this.#at;
    if (Atomics.load(control, this.#searchingFlag + processor) === 1) return true;
    if (2 * Atomics.load(control, at + SEARCHING) >= Atomics.load(control, at + ACTIVE)) return false;
    Atomics.store(control, this.#searchingFlag + processor, 1);
    Atomics.add(control, at + SEARCHING, 1);
    return true;
  }

  /**
   * `processor` found work and stops searching. Returns whether it was the last searcher: then,
   * if work is left in the queues, the caller wakes another worker to take it (`notifyWork`).
   */
  stopSearching(processor: number): boolean {
    const control = this.#control;
    const at = this.#at;
    if (Atomics.load(control, this.#searchingFlag + processor) === 0) return false;
    Atomics.store(control, this.#searchingFlag + processor, 0);
    return Atomics.sub(control, at + SEARCHING, 1) === 1;
  }

  /** Registers `processor` as parked; it must look at every queue once more before sleeping. */
  park(processor: number): void {
    const control = this.#control;
    const at = this.#at;
    this.#mutex.lock();
    if (Atomics.load(control, this.#searchingFlag + processor) === 1) {
      Atomics.store(control, this.#searchingFlag + processor, 0);
      Atomics.sub(control, at + SEARCHING, 1);
    }
    Atomics.sub(control, at + UNPARKED, 1);
    const count = control[at + COUNT] as number;
    control[at + SLEEPERS + count] = processor;
    control[at + COUNT] = count + 1;
    Atomics.store(control, this.#sleeping + processor, 1);
    this.#mutex.unlock();
  }

  /**
   * `processor` woke up (or gave up sleeping): when nobody notified it, it takes itself off the
   * sleepers' list. Returns whether it was notified (it is then a searcher).
   */
  unparked(processor: number): boolean {
    const control = this.#control;
    const at = this.#at;
    if (Atomics.load(control, this.#sleeping + processor) === 0) return true;
    this.#mutex.lock();
    const notified = Atomics.load(control, this.#sleeping + processor) === 0;
    if (!notified) {
      this.#removeSleeper(processor);
      Atomics.add(control, at + UNPARKED, 1);
    }
    this.#mutex.unlock();
    return notified;
  }

  /** The machine of `processor` starts (on its thread): it counts as unparked and not searching. */
  arrive(processor: number): void {
    const control = this.#control;
    const at = this.#at;
    Atomics.store(control, this.#arrived + processor, 1);
    Atomics.add(control, at + ACTIVE, 1);
    Atomics.add(control, at + UNPARKED, 1);
    Atomics.store(control, this.#searchingFlag + processor, 0);
    Atomics.store(control, this.#sleeping + processor, 0);
  }

  /**
   * The machine of `processor` is gone (exited or died): takes its part out of the counts, if it
   * had arrived.
   */
  depart(processor: number): void {
    const control = this.#control;
    const at = this.#at;
    if (Atomics.exchange(control, this.#arrived + processor, 0) === 0) return;
    this.#mutex.lock();
    if (Atomics.load(control, this.#sleeping + processor) === 1) this.#removeSleeper(processor);
    else Atomics.sub(control, at + UNPARKED, 1);
    if (Atomics.exchange(control, this.#searchingFlag + processor, 0) === 1) Atomics.sub(control, at + SEARCHING, 1);
    Atomics.sub(control, at + ACTIVE, 1);
    this.#mutex.unlock();
  }

  #removeSleeper(processor: number): void {
    const control = this.#control;
    const at = this.#at;
    const count = control[at + COUNT] as number;
    for (let i = 0; i < count; i++) {
      if (control[at + SLEEPERS + i] === processor) {
        control[at + SLEEPERS + i] = control[at + SLEEPERS + count - 1] as number;
        control[at + COUNT] = count - 1;
        break;
      }
    }
    Atomics.store(control, this.#sleeping + processor, 0);
  }
}

const LOCK = 0;
const ACTIVE = 1;
const SEARCHING = 2;
const UNPARKED = 3;
const COUNT = 4;
const SLEEPERS = 5;
// Then `max` words of the sleepers' list, and per processor a SLEEPING, a SEARCHING_FLAG and an
// ARRIVED word.

/** Words of the control block the idle state of `max` processors occupies. */
export function idleWords(max: number): number {
  return SLEEPERS + 4 * max;
}
