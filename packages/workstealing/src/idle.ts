import { ANONYMOUS_OWNER, type HolderCheck, OwnedMutex } from "@spindle/codec";

/**
 * Which workers are searching for work and which are parked, and the rule for waking one (tokio's
 * `idle.rs`, in shared memory):
 *
 * - New work wakes at most one parked worker, and none while some worker is already searching (a
 *   searcher will find the work; when it does and it was the last searcher, it wakes the next one
 *   if more work is queued, so work spreads one wake at a time instead of in a thundering herd).
 *   The runtime's thread asks for more searchers (`notifyWork(searchers)`): one per job waiting
 *   in the injector, and two for a job that forks (`SharedState.searchersFor`), since it goes idle
 *   after spawning and a worker it wakes gets an idle vCPU, unlike one woken by a busy worker.
 * - At most half of the workers search at once (`tryStartSearching`): the rest park, instead of
 *   burning CPU on steals that mostly fail.
 * - No lost wake-up: a worker registers as parked (`transitionToParked`, under the lock) and
 *   then looks at every queue once more before it sleeps; a spawner publishes its job and then
 *   reads `UNPARKED` and `SEARCHING`. Every access is a sequentially consistent `Atomics` operation, so either the
 *   spawner sees the worker parked and wakes one, or the worker's last look sees the job.
 *
 * `SLEEPING[i]` and `SEARCHING_FLAG[i]` record each worker's part in the counts, so that the
 * runtime can take a dead worker's part out of them.
 *
 * # Memory model
 *
 * `Atomics` operations are sequentially consistent (SC), and the {@linkcode OwnedMutex} orders
 * what is done under it before the next holder's section (see `work-deque.ts`). Hence:
 *
 * - `COUNT` and the sleepers' list are plain: read and written only under the lock.
 * - `ACTIVE`, `SEARCHING` and `UNPARKED` are `Atomics`: they are read without the lock (the quick
 *   checks of `notifyWork` and `tryStartSearching`, `active`) and changed without it too
 *   (`tryStartSearching`, `stopSearching`, `arrive`).
 * - `SLEEPING[p]`, `SEARCHING_FLAG[p]` and `ARRIVED[p]` are `Atomics`: read by `p`'s machine
 *   without the lock, and written by other threads (a notifier; the runtime's thread in
 *   `depart`). Each is written, outside the lock, only by `p`'s own machine, and by another
 *   thread only where that machine does not write it: a notifier writes `p`'s words in the
 *   critical section that takes `p` off the sleepers' list (while `p` sleeps or makes its last
 *   look, and clearing SLEEPING last, so that `p` does not run on before the others are written),
 *   and `depart` only once `p`'s thread has exited.
 *
 * Unlike tokio, which packs its searching and unparked counts into one word, the quick checks read
 * two or three words one after the other: they are not one snapshot. Where that matters is said at
 * the check. A thread stopped between two steps of a method (only `terminate()` can stop one there,
 * and the runtime terminates a machine only when it stopped answering in a job, or at shutdown)
 * would leave a count off by one.
 */
export class Idle {
  readonly #control: Int32Array;
  readonly #at: number;
  readonly #mutex: OwnedMutex;
  readonly #max: number;
  readonly #unpark: (processor: number) => void;
  /** Where `SLEEPING[0]` and `SEARCHING_FLAG[0]` are. */
  readonly #sleeping: number;
  readonly #searchingFlag: number;
  readonly #arrived: number;

  /**
   * The idle state whose words start at `control[at]` ({@linkcode idleWords}`(max)` of them) for
   * up to `max` processors; `unpark` wakes a processor's machine. `owner` is this thread's lock
   * owner number (for {@linkcode Idle.recover}), `patienceMs` bounds its waits for the lock, which
   * ask `checkHolder` about its holder (see {@linkcode OwnedMutex}).
   */
  constructor(
    control: Int32Array,
    at: number,
    max: number,
    unpark: (processor: number) => void,
    owner: number = ANONYMOUS_OWNER,
    patienceMs: number = Infinity,
    checkHolder?: HolderCheck,
  ) {
    this.#control = control;
    this.#at = at;
    this.#max = max;
    this.#mutex = new OwnedMutex(control, at + LOCK, owner, patienceMs, "the idle state's lock", checkHolder);
    this.#unpark = unpark;
    this.#sleeping = at + SLEEPERS + max;
    this.#searchingFlag = at + SLEEPERS + 2 * max;
    this.#arrived = at + SLEEPERS + 3 * max;
  }

  /** How many machines run (parked or not). A moment ago: for heuristics (a batch's share). */
  get active(): number {
    return Atomics.load(this.#control, this.#at + ACTIVE);
  }

  /**
   * How many machines are parked or about to (registered as parked and making their last look),
   * plus those searching: machines that would take new work at once. A moment ago, from two or
   * three loads that are not one snapshot: for the runtime's heuristic of starting a retired
   * worker when none is free, which a later look corrects.
   */
  get free(): number {
    const control = this.#control;
    const at = this.#at;
    return Atomics.load(control, at + ACTIVE) - Atomics.load(control, at + UNPARKED) +
      Atomics.load(control, at + SEARCHING);
  }

  /**
   * Wakes parked workers to look for new work until `searchers` of them search (one by default,
   * tokio's rule; from the runtime's thread, one per queued job and two for a job that will fork,
   * so that the workers are woken by that thread and not by each other: see
   * `SharedState.searchersFor`). Wakes none while that many search already or none is parked.
   */
  notifyWork(searchers: number = 1): void {
    const control = this.#control;
    const at = this.#at;
    // The caller published its job first (a deque's bottom store, the injector's LENGTH add, a
    // slot exchange: all SC). Then the unlocked check, so that a spawn costs two or three loads
    // when nobody needs waking. Skipping the wake is safe in both cases:
    // - SEARCHING ≥ searchers ≥ 1: our load precedes, in the SC order, the decrement that next
    //   brings it to 0, and the machine making that decrement looks at every queue afterwards
    //   (`transitionToParked`'s caller looks once more; a last searcher that stops looks for work
    //   left and notifies: the machine's `#stopSearching`), so that look sees our job.
    // - UNPARKED ≥ ACTIVE: no machine is parked, so each is still to park; `transitionToParked`
    //   decrements UNPARKED and its caller then looks at every queue once more, and our load
    //   preceded that decrement, so that look sees our job.
    // Departures weaken both. A searcher that dies does not look (its decrement is `depart`'s),
    // and a notifier may pick a sleeper that died and has not departed yet, wasting the wake.
    // And the second check reads two words at two moments: a machine departing between them
    // (UNPARKED read before, ACTIVE after) can hide a sleeper, and the wake is skipped. What
    // catches the job then: the runtime's thread notifies when a dead machine left jobs behind, a
    // dead worker's replacement looks at every queue, a sleeper in a blocking park looks again
    // within its 10 ms, and with `maxExtraMachines` > 0 (the only case with machines that retire)
    // an extra machine starts once no machine has moved for 100 ms. A sleeper parked without
    // blocking may otherwise sleep on with the job queued. tokio reads both counts from one word
    // and has no departures.
    if (Atomics.load(control, at + SEARCHING) >= searchers) return;
    if (Atomics.load(control, at + UNPARKED) >= Atomics.load(control, at + ACTIVE)) return;
    while (this.#wakeOne(searchers));
  }

  /** Wakes one parked worker as a searcher unless `searchers` search already; returns whether. */
  #wakeOne(searchers: number): boolean {
    const control = this.#control;
    const at = this.#at;
    this.#mutex.lock();
    // The re-check, exact under the lock for the list: a searcher may have started since (a
    // notifier, or tryStartSearching, which takes no lock), and the list may be empty although a
    // machine counted as parked a moment ago (another notifier took it, or it woke up by itself).
    const count = control[at + COUNT] as number;
    if (Atomics.load(control, at + SEARCHING) >= searchers || count === 0) {
      this.#mutex.unlock();
      return false;
    }
    const processor = control[at + SLEEPERS + count - 1] as number;
    control[at + COUNT] = count - 1;
    // The woken machine reads SLEEPING without the lock (`transitionFromParked`'s fast path) and
    // then acts on its searching flag, hence Atomics for both. Note the order: SLEEPING is cleared last, so
    // that a machine whose fast path sees 0 also sees (SC) its flag set and itself counted in
    // SEARCHING and UNPARKED. Cleared first, the machine could run on before the flag was set,
    // find it 0 in `stopSearching`, and leave SEARCHING counting it while it ran a job: every
    // notifyWork would then skip its wake until that machine next stopped searching or parked.
    Atomics.store(control, this.#searchingFlag + processor, 1);
    Atomics.add(control, at + SEARCHING, 1);
    Atomics.add(control, at + UNPARKED, 1);
    Atomics.store(control, this.#sleeping + processor, 0);
    this.#mutex.unlock();
    // Outside the lock: the futex wake needs none (the parker keeps a token if it comes early).
    this.#unpark(processor);
    return true;
  }

  /** Makes `processor` a searcher unless half of the workers already search; returns whether. */
  tryStartSearching(processor: number): boolean {
    const control = this.#control;
    const at = this.#at;
    // Our own flag: set by a notifier while we slept, or by us. No other thread writes it while we
    // run (see the class doc), so the check and the store below race with nobody.
    if (Atomics.load(control, this.#searchingFlag + processor) === 1) return true;
    // At most ceil(ACTIVE / 2) searchers, but only as a heuristic, and not exactly: this check and
    // the add below are not one step, so machines checking at once all pass; a notifier adds a
    // searcher without this check (it saw none under the lock, but this method takes no lock);
    // and ACTIVE drops when a machine departs. More than half may then search for a while. Like
    // tokio's idle.rs, nothing relies on the limit but CPU use: a searcher too many only spins
    // and parks.
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
    // Our own flag, as in tryStartSearching.
    if (Atomics.load(control, this.#searchingFlag + processor) === 0) return false;
    // SC decrement, then the caller looks for work left (the machine's `#stopSearching`): the
    // partner of a spawner's "publish, then read SEARCHING" in notifyWork. The flag is cleared
    // after the count, as it was set before it (tryStartSearching): a thread that ends between the
    // two leaves the flag set, and `depart` counts it out again, so the count ends one too low
    // (a wake too many, a searcher too many) and never one too high, which would skip every wake.
    // For the same reason "the last searcher" is a count ≤ 1 left.
    const last = Atomics.sub(control, at + SEARCHING, 1) <= 1;
    Atomics.store(control, this.#searchingFlag + processor, 0);
    return last;
  }

  /**
   * Records `processor` as parked (tokio's `transition_worker_to_parked`): it does not sleep here,
   * its `Parker` does; before sleeping it must look at every queue once more.
   */
  transitionToParked(processor: number): void {
    const control = this.#control;
    const at = this.#at;
    // Under the lock: the list and COUNT change, and a notifier must find this machine either on
    // the list with the counts of a parked machine, or not at all. The two SC decrements (of
    // SEARCHING when this machine searched, of UNPARKED) are the partners of notifyWork's
    // unlocked loads: the caller looks at every queue after this returns, hence after them.
    this.#mutex.lock();
    if (Atomics.load(control, this.#searchingFlag + processor) === 1) {
      Atomics.sub(control, at + SEARCHING, 1); // before the flag, as in stopSearching
      Atomics.store(control, this.#searchingFlag + processor, 0);
    }
    Atomics.sub(control, at + UNPARKED, 1);
    const count = control[at + COUNT] as number;
    control[at + SLEEPERS + count] = processor;
    control[at + COUNT] = count + 1;
    // Read without the lock only by this machine (`transitionFromParked`), which program order
    // covers.
    Atomics.store(control, this.#sleeping + processor, 1);
    this.#mutex.unlock();
  }

  /**
   * Records that `processor` woke up (or gave up sleeping), the counterpart of
   * {@linkcode Idle.transitionToParked}: when nobody notified it, it takes itself off the sleepers'
   * list. Returns whether it was notified (it is then a searcher).
   */
  transitionFromParked(processor: number): boolean {
    const control = this.#control;
    const at = this.#at;
    // Fast path, without the lock: SLEEPING[p] is set to 1 only by this machine
    // (transitionToParked) and cleared only under the lock, by a notifier that took this machine off the list or by this machine
    // itself. So 0 means a notifier took it off the list, for good, and there is nothing to undo;
    // the notifier clears it after setting our searching flag and counting us in SEARCHING and
    // UNPARKED (notifyWork), so this load, pairing with that last store, sees all three done.
    if (Atomics.load(control, this.#sleeping + processor) === 0) return true;
    // Slow path: a notifier may have taken us off the list since the load above; under the lock
    // the list and SLEEPING agree, so this answer is exact.
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
    // Without the lock: this machine is on no list (zeroed memory, or a predecessor's `depart`
    // took it off under the lock before this machine was started), so no notifier touches its
    // words, and the flag and SLEEPING stores only restate 0. The counts are atomic adds, which
    // commute with everyone else's. (A thread stopped between these steps: see the class doc.)
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
    // An exchange: a machine's part is taken out once, however often its exit is reported.
    if (Atomics.exchange(control, this.#arrived + processor, 0) === 0) return;
    // Under the lock: it edits the list and must agree with a notifier that may be choosing this
    // machine at this moment. The machine's thread has exited, so its words change only here and
    // in a notifier's critical section, which the lock orders with this one.
    this.#mutex.lock();
    if (Atomics.load(control, this.#sleeping + processor) === 1) this.#removeSleeper(processor);
    else Atomics.sub(control, at + UNPARKED, 1);
    if (Atomics.exchange(control, this.#searchingFlag + processor, 0) === 1) Atomics.sub(control, at + SEARCHING, 1);
    Atomics.sub(control, at + ACTIVE, 1);
    this.#mutex.unlock();
  }

  /** The owner number of the thread that holds the lock now (0: nobody); see `OwnedMutex.holder`. */
  lockHolder(): number {
    return this.#mutex.holder();
  }

  /**
   * Takes the lock back from `deadOwner`, a machine's thread that ended holding it (in a
   * notifier's or a park's critical section), and repairs the sleepers' list; returns whether it
   * held the lock. The list is rebuilt from the SLEEPING words, which agree with it outside a
   * critical section (a machine is on the list exactly while its SLEEPING is 1, both changed
   * under the lock). A notifier that died after taking a machine off the list but before clearing
   * its SLEEPING leaves it on the rebuilt list, parked as it was, rather than lost to every later
   * notifier. The counts are not rebuilt: machines change them without the lock, so a rebuilt
   * value could overwrite a live machine's add; a count the dead thread left off by one is the
   * case the class doc admits for `terminate()`. Every machine is then unparked: one the dead
   * notifier meant to wake, or that slept while a job's wake was skipped, looks at the queues.
   */
  recover(deadOwner: number): boolean {
    if (!this.#mutex.recover(deadOwner)) return false;
    const control = this.#control;
    const at = this.#at;
    let count = 0;
    for (let p = 0; p < this.#max; p++) {
      if (Atomics.load(control, this.#sleeping + p) === 1) control[at + SLEEPERS + count++] = p;
    }
    control[at + COUNT] = count;
    this.#mutex.unlock();
    for (let p = 0; p < this.#max; p++) this.#unpark(p);
    return true;
  }

  /** Under the lock: takes `processor` off the list (plain words) and clears its SLEEPING. */
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
