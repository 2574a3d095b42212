import type { Future } from "@spindle/core";
import { MAX_PERMITS } from "./errors.ts";
import { type Cell, Lease } from "./lease.ts";
import { PermitFuture, PermitQueue } from "./permit-queue.ts";

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeRwLockReadGuard: <T>(queue: PermitQueue, cell: Cell<T>) => RwLockReadGuard<T>;
let makeRwLockWriteGuard: <T>(queue: PermitQueue, cell: Cell<T>) => RwLockWriteGuard<T>;

/** The most readers that hold an {@linkcode RwLock} at once; a writer takes all of them. */
const MAX_READERS = MAX_PERMITS;

/**
 * An async reader-writer lock (tokio's `RwLock<T>`): any number of readers or one writer hold it.
 * Fair, first come first served: once a writer waits, readers that ask after it wait behind it, so
 * a stream of readers cannot starve a writer. Built as a semaphore of 2^31 - 1 permits where a
 * reader takes one and a writer all; cancel-safe the same way (a dropped pending `read()` or
 * `write()` leaves the queue and passes on what it was given).
 *
 * @example
 * ```ts
 * import { blockOn } from "@spindle/core";
 * import { RwLock } from "@spindle/sync";
 *
 * const config = new RwLock({ retries: 3 });
 * const a = blockOn(config.read());
 * const b = config.tryRead()!; // readers share
 * console.log(a.value.retries + b.value.retries, config.tryWrite()); // 6 null
 * a.release();
 * b.release();
 * const writer = blockOn(config.write());
 * writer.value = { retries: 5 };
 * writer.release();
 * console.log(config.tryRead()!.value.retries); // 5
 * ```
 */
export class RwLock<T> {
  readonly #queue = new PermitQueue(MAX_READERS);
  readonly #cell: Cell<T>;

  /** A lock guarding `value`. */
  constructor(value: T) {
    this.#cell = { value };
  }

  /** A future of shared (read) access. */
  read(): Future<RwLockReadGuard<T>> {
    return new Acquire(this.#queue, 1, () => makeRwLockReadGuard(this.#queue, this.#cell), "RwLock.read()");
  }

  /** A future of exclusive (write) access. */
  write(): Future<RwLockWriteGuard<T>> {
    return new Acquire(
      this.#queue,
      MAX_READERS,
      () => makeRwLockWriteGuard(this.#queue, this.#cell),
      "RwLock.write()",
    );
  }

  /** Read access now, or `null` when a writer holds the lock or waits for it. */
  tryRead(): RwLockReadGuard<T> | null {
    return this.#queue.tryTake(1) ? makeRwLockReadGuard(this.#queue, this.#cell) : null;
  }

  /** Write access now, or `null` when anyone holds the lock or waits for it. */
  tryWrite(): RwLockWriteGuard<T> | null {
    return this.#queue.tryTake(MAX_READERS) ? makeRwLockWriteGuard(this.#queue, this.#cell) : null;
  }
}

/**
 * Shared access to an {@linkcode RwLock}'s value until `release()` (or `[Symbol.dispose]`).
 *
 * @example
 * ```ts
 * import { RwLock } from "@spindle/sync";
 *
 * const lock = new RwLock("text");
 * const guard = lock.tryRead()!;
 * console.log(guard.value); // text
 * guard.release();
 * ```
 */
export class RwLockReadGuard<T> implements Disposable {
  readonly #lease: Lease<T>;

  private constructor(queue: PermitQueue, cell: Cell<T>) {
    this.#lease = new Lease(queue, cell, 1, "read guard");
  }

  static {
    makeRwLockReadGuard = <T>(queue: PermitQueue, cell: Cell<T>): RwLockReadGuard<T> =>
      new RwLockReadGuard(queue, cell);
  }

  /** The guarded value. Throws {@linkcode ClosedError} after `release()`. */
  get value(): T {
    return this.#lease.value;
  }

  /** Gives the read access back. Does nothing the second time. */
  release(): void {
    this.#lease.release();
  }

  /** Same as {@linkcode RwLockReadGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.#lease.release();
  }
}

/**
 * Exclusive access to an {@linkcode RwLock}'s value until `release()` (or `[Symbol.dispose]`).
 *
 * @example
 * ```ts
 * import { RwLock } from "@spindle/sync";
 *
 * const lock = new RwLock(1);
 * const guard = lock.tryWrite()!;
 * guard.value = 2;
 * guard.release();
 * console.log(lock.tryRead()!.value); // 2
 * ```
 */
export class RwLockWriteGuard<T> implements Disposable {
  readonly #lease: Lease<T>;

  private constructor(queue: PermitQueue, cell: Cell<T>) {
    this.#lease = new Lease(queue, cell, MAX_READERS, "write guard");
  }

  static {
    makeRwLockWriteGuard = <T>(queue: PermitQueue, cell: Cell<T>): RwLockWriteGuard<T> =>
      new RwLockWriteGuard(queue, cell);
  }

  /** The guarded value. Throws {@linkcode ClosedError} after `release()`. */
  get value(): T {
    return this.#lease.value;
  }

  /** Replaces the guarded value. Throws {@linkcode ClosedError} after `release()`. */
  set value(value: T) {
    this.#lease.value = value;
  }

  /** Gives the write access back. Does nothing the second time. */
  release(): void {
    this.#lease.release();
  }

  /** Same as {@linkcode RwLockWriteGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.#lease.release();
  }
}

class Acquire<G> extends PermitFuture<G> {
  readonly #make: () => G;
  readonly #what: string;

  constructor(queue: PermitQueue, n: number, make: () => G, what: string) {
    super(queue, n);
    this.#make = make;
    this.#what = what;
  }

  protected get what(): string {
    return this.#what;
  }

  protected granted(): G {
    return this.#make();
  }
}
