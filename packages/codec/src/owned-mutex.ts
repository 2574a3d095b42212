import { checkSharedWord, checkTypeOf, describe, SpindleError } from "@spindle/core";

/**
 * A mutex in one word of shared memory whose word names its owner, so that a thread that outlives
 * a dead owner can take the lock back (a POSIX robust mutex, without the kernel's help): the word
 * is 0 when unlocked, else the owner's number (1 to {@linkcode MAX_LOCK_OWNER}), plus
 * {@linkcode CONTENDED} once a thread may be waiting for it.
 *
 * A thread that dies holding a plain mutex (terminated, out of memory) leaves it locked for good,
 * and every thread that needs it then waits forever. Here whoever learns of the death (a runtime,
 * from its worker's `exit` event) calls {@linkcode OwnedMutex.recover} with the dead thread's
 * number: the word is cleared and every waiter woken. What the lock protects is the caller's to
 * check or repair, under the lock, before it unlocks again: `recover` leaves the caller holding it.
 *
 * # Memory model
 *
 * Every access to the word is an `Atomics` operation (sequentially consistent): the plain reads
 * and writes made under the lock are ordered before the unlocking exchange and after the next
 * owner's locking compare-exchange, so the next owner sees them. A recovering thread calls
 * `recover` only once the owner's thread has ended (the host reports the exit after joining the
 * thread), so it sees every write the dead owner made, as the next owner would have.
 *
 * Waits are bounded ({@linkcode WAIT_SLICE_MS}) and the lock's `patienceMs` bounds the whole wait:
 * a thread that cannot learn of deaths while it waits (the thread that would recover the lock,
 * blocked in `Atomics.wait`, does not get to run the host's exit callbacks) gives up with a
 * `SpindleError` of code `DEADLOCK` naming the owner, instead of waiting forever. Such a thread may
 * have other means to tell a dead holder (a watch of its heartbeat): its `checkHolder` runs before
 * the wait and after each slice, and may recover the lock there, so that the wait ends at once.
 *
 * @example
 * ```ts
 * import { OwnedMutex } from "@spindle/codec";
 *
 * const shared = new Int32Array(new SharedArrayBuffer(8)); // word 0: the lock, word 1: data
 * const mutex = new OwnedMutex(shared, 0, 1); // this thread is owner 1
 * mutex.lock();
 * shared[1]! += 1;
 * // Should owner 1 die here, another thread (owner 2) that learns of it takes the lock back:
 * const survivor = new OwnedMutex(shared, 0, 2);
 * console.log(survivor.recover(1)); // true: the survivor now holds the lock
 * survivor.unlock();
 * console.log(shared[0], shared[1]); // 0 1
 * ```
 */
export class OwnedMutex {
  readonly #word: Int32Array;
  readonly #index: number;
  readonly #owner: number;
  readonly #patienceMs: number;
  readonly #what: string;
  readonly #checkHolder: HolderCheck | undefined;

  /**
   * The mutex over `word[index]` (zero: unlocked) as used by owner `owner` (this thread's number,
   * 1 to {@linkcode MAX_LOCK_OWNER}, distinct from every other thread that uses the word). A
   * `lock()` that has waited `patienceMs` (default: no limit), or that finds the lock held by its
   * own owner number, throws; `what` names the lock in that error. `checkHolder`, when given, is
   * called with the holder's owner number when a `lock()` finds the lock held by another, before
   * it waits and after each {@linkcode WAIT_SLICE_MS} of waiting: it may take a holder it knows to
   * be dead for dead and {@linkcode OwnedMutex.recover} the lock (through its own mutex over the
   * word), and the wait looks again. What it throws, `lock()` throws.
   */
  constructor(
    word: Int32Array,
    index: number,
    owner: number,
    patienceMs: number = Infinity,
    what: string = "the lock",
    checkHolder?: HolderCheck,
  ) {
    checkSharedWord(word, index, "new OwnedMutex()");
    checkLockOwner(owner);
    checkLockWait(patienceMs, checkHolder, "new OwnedMutex()");
    checkTypeOf(what, "string", "new OwnedMutex(): what");
    this.#word = word;
    this.#index = index;
    this.#owner = owner;
    this.#patienceMs = patienceMs;
    this.#what = what;
    this.#checkHolder = checkHolder;
  }

  /** Takes the lock, waiting as long as its holder keeps it (at most `patienceMs`, then throws `DEADLOCK`). */
  lock(): void {
    const word = this.#word;
    const i = this.#index;
    const owner = this.#owner;
    if (Atomics.compareExchange(word, i, UNLOCKED, owner) === UNLOCKED) return;
    for (let spin = 0; spin < SPINS; spin++) {
      if (Atomics.compareExchange(word, i, UNLOCKED, owner) === UNLOCKED) return;
    }
    const since = performance.now();
    const checkHolder = this.#checkHolder;
    let check = checkHolder !== undefined;
    for (;;) {
      const seen = Atomics.load(word, i);
      if (seen === UNLOCKED) {
        // Taken as contended: other threads may be waiting, and our unlock must wake one.
        if (Atomics.compareExchange(word, i, UNLOCKED, owner | CONTENDED) === UNLOCKED) return;
        continue;
      }
      if ((seen & MAX_LOCK_OWNER) === owner && owner !== ANONYMOUS_OWNER) {
        // This owner holds it already (a thread that must take the lock on its way out, its
        // crash report, after it failed while holding it): waiting would never end.
        throw new SpindleError("DEADLOCK", `${this.#what} is already held by this thread (owner ${owner})`);
      }
      if (check) {
        // Once per slice: it may have recovered the lock from a holder it knows dead, so look again.
        check = false;
        checkHolder!(seen & MAX_LOCK_OWNER);
        continue;
      }
      // Mark it contended so that its holder notifies on unlock (a failed exchange: the word
      // changed, look again).
      if ((seen & CONTENDED) === 0 && Atomics.compareExchange(word, i, seen, seen | CONTENDED) !== seen) continue;
      if (Atomics.wait(word, i, seen | CONTENDED, WAIT_SLICE_MS) !== "timed-out") continue;
      check = checkHolder !== undefined;
      if (performance.now() - since >= this.#patienceMs) {
        throw new SpindleError(
          "DEADLOCK",
          `${this.#what} has been held by owner ${seen & MAX_LOCK_OWNER} for over ${this.#patienceMs} ms: ` +
            `its thread has presumably died holding it, and it is recovered once that death is handled`,
        );
      }
    }
  }

  /**
   * The owner number of the thread that holds the lock now (0: nobody), as of this look (it may
   * change at once): a watcher's way to tell that a thread it takes for dead holds it.
   *
   * @example
   * ```ts
   * import { OwnedMutex } from "@spindle/codec";
   * const mutex = new OwnedMutex(new Int32Array(new SharedArrayBuffer(4)), 0, 3);
   * mutex.lock();
   * console.log(mutex.holder()); // 3
   * mutex.unlock();
   * console.log(mutex.holder()); // 0
   * ```
   */
  holder(): number {
    // A look alone, paired with no other word: the caller acts on a holder that stays put (a
    // thread it watches has stopped), and a stale answer costs it one more look.
    return Atomics.load(this.#word, this.#index) & MAX_LOCK_OWNER;
  }

  /** Releases the lock this owner holds, waking one waiter if there may be one. */
  unlock(): void {
    // An exchange from our own number only: a lock recovered from us (we were taken for dead)
    // and taken by another owner since is not ours to release.
    const word = this.#word;
    const i = this.#index;
    const owner = this.#owner;
    if (Atomics.compareExchange(word, i, owner, UNLOCKED) === owner) return;
    if (Atomics.compareExchange(word, i, owner | CONTENDED, UNLOCKED) === (owner | CONTENDED)) {
      Atomics.notify(word, i, 1);
    }
  }

  /**
   * Takes the lock from `deadOwner`, whose thread has ended, if it holds it; returns whether it
   * did: the caller then holds the lock (as this mutex's owner), checks or repairs what it
   * protects, and unlocks. Waiters are woken to wait on the new holder.
   */
  recover(deadOwner: number): boolean {
    const word = this.#word;
    const i = this.#index;
    for (;;) {
      const seen = Atomics.load(word, i);
      if ((seen & MAX_LOCK_OWNER) !== deadOwner || seen === UNLOCKED) return false;
      // Contended from here on: a waiter that slept on the dead owner must be woken by our unlock.
      if (Atomics.compareExchange(word, i, seen, this.#owner | CONTENDED) === seen) {
        Atomics.notify(word, i);
        return true;
      }
    }
  }
}

/** Throws `INVALID_ARGUMENT` naming `owner` unless it is a lock owner's number (1 to {@linkcode MAX_LOCK_OWNER}). */
export function checkLockOwner(owner: unknown): void {
  if (typeof owner !== "number" || !Number.isInteger(owner) || owner < 1 || owner > MAX_LOCK_OWNER) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `a lock owner must be an integer from 1 to ${MAX_LOCK_OWNER}, got ${describe(owner)}`,
    );
  }
}

/**
 * Checks how a lock of `what`'s waits (its constructor's): `patienceMs` a number of milliseconds
 * >= 0 (`Infinity`: no limit; a `RangeError` naming it otherwise, since a `NaN` patience would
 * never run out), `checkHolder` a function or `undefined` (`INVALID_ARGUMENT` naming it).
 */
export function checkLockWait(patienceMs: unknown, checkHolder: unknown, what: string): void {
  if (typeof patienceMs !== "number" || Number.isNaN(patienceMs) || patienceMs < 0) {
    throw new RangeError(
      `${what}'s patienceMs must be a number of milliseconds >= 0 (Infinity: no limit), got ${describe(patienceMs)}`,
    );
  }
  if (checkHolder !== undefined && typeof checkHolder !== "function") {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${what}'s checkHolder must be a function or undefined, got ${describe(checkHolder)}`,
    );
  }
}

/**
 * What a lock asks, with its holder's owner number, while it waits for a holder (see the
 * {@linkcode OwnedMutex} constructor): it may recover the lock from a holder it knows dead.
 */
export type HolderCheck = (holder: number) => void;

/** The largest owner number a lock word holds (the bits below {@linkcode CONTENDED}). */
export const MAX_LOCK_OWNER = 0x3fff_ffff;
/**
 * The owner number of threads that do not say who they are: any number of them share it, so no
 * lock of theirs can be recovered, nor a second `lock()` by the holder told from another thread's.
 */
export const ANONYMOUS_OWNER: number = MAX_LOCK_OWNER;
/** Set in the word once a thread may wait for the lock. */
const CONTENDED = 0x4000_0000;
const UNLOCKED = 0;
const SPINS = 100;
/** The longest single wait: how often a waiter looks at its patience. */
const WAIT_SLICE_MS = 50;
