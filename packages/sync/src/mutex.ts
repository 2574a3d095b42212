import { KEY } from "./construct-key.ts";
import { type Future, noPublicConstructor } from "@spindle/core";
import { type Cell, Lease } from "./lease.ts";
import { PermitFuture, type PermitGrant, PermitQueue } from "./permit-queue.ts";

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeMutexGuard: <T>(queue: PermitQueue, cell: Cell<T>) => MutexGuard<T>;

/**
 * An async mutual-exclusion lock around a value (tokio's `Mutex<T>`): `lock()` waits until no
 * other task holds it and returns a {@linkcode MutexGuard} through which the value is read and
 * replaced; `guard.release()` (or `[Symbol.dispose]`, for `using`) unlocks it. Waiting tasks get
 * the lock in the order they asked for it (FIFO), and `tryLock` never overtakes them.
 *
 * Unlike core's `Mutex` (a futex that blocks a thread), waiting here suspends only the task. A
 * pending `lock()` dropped (a lost `select` branch, an aborted task) leaves the queue, and if the
 * lock had already been handed to it, passes the lock on to the next waiter.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor, noPublicConstructor, yieldNow } from "@spindle/core";
 * import { Mutex } from "@spindle/sync";
 *
 * const counter = new Mutex(0);
 * function* add(times: number): Coroutine<void> {
 *   for (let i = 0; i < times; i++) {
 *     const guard = yield* counter.lock();
 *     const seen = guard.value;
 *     yield* yieldNow(); // others run meanwhile, but none can take the lock
 *     guard.value = seen + 1;
 *     guard.release();
 *   }
 * }
 * const executor = new LocalExecutor();
 * executor.spawn(add(100));
 * executor.spawn(add(100));
 * await executor.run();
 * console.log(counter.tryLock()!.value); // 200
 * ```
 */
export class Mutex<T> {
  readonly #queue = new PermitQueue(1);
  readonly #cell: Cell<T>;
  /** What `lock()` gives: a guard of this mutex (made once, for every `lock()`). */
  readonly #lock: PermitGrant<MutexGuard<T>>;

  /** A mutex guarding `value`. */
  constructor(value: T) {
    const cell: Cell<T> = { value };
    const queue = this.#queue;
    this.#cell = cell;
    this.#lock = { what: "Mutex.lock()", first: false, granted: () => makeMutexGuard(queue, cell) };
  }

  /** Whether a guard holds the lock now (or it is handed to a waiter that has not run yet). */
  get isLocked(): boolean {
    return this.#queue.free === 0;
  }

  /** A future of the lock: ready with a guard once this task holds it. */
  lock(): Future<MutexGuard<T>> {
    return new PermitFuture(this.#queue, 1, this.#lock);
  }

  /** The lock's guard if it is free and nobody waits for it, otherwise `null`. */
  tryLock(): MutexGuard<T> | null {
    return this.#queue.tryTake(1) ? makeMutexGuard(this.#queue, this.#cell) : null;
  }
}

/**
 * The holder of a {@linkcode Mutex}'s lock: `value` reads and replaces the guarded value until
 * `release()` (or `[Symbol.dispose]`) unlocks it; after that `value` throws {@linkcode ClosedError}.
 *
 * @example
 * ```ts
 * import { Mutex } from "@spindle/sync";
 *
 * const names = new Mutex<string[]>([]);
 * const guard = names.tryLock()!;
 * guard.value.push("ada");
 * guard.release();
 * console.log(names.isLocked); // false
 * ```
 */
export class MutexGuard<T> implements Disposable {
  readonly #lease: Lease<T>;

  private constructor(key: typeof KEY, queue: PermitQueue, cell: Cell<T>) {
    if (key !== KEY) throw noPublicConstructor("MutexGuard", "a mutex's lock() gives one", key);
    this.#lease = new Lease(queue, cell, 1, "guard");
  }

  static {
    makeMutexGuard = <T>(queue: PermitQueue, cell: Cell<T>): MutexGuard<T> => new MutexGuard(KEY, queue, cell);
  }

  /** The guarded value. Throws {@linkcode ClosedError} after `release()`. */
  get value(): T {
    return this.#lease.value;
  }

  /** Replaces the guarded value. Throws {@linkcode ClosedError} after `release()`. */
  set value(value: T) {
    this.#lease.value = value;
  }

  /** Unlocks the mutex (the next waiter gets it). Does nothing the second time. */
  release(): void {
    this.#lease.release();
  }

  /** Same as {@linkcode MutexGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.#lease.release();
  }
}
