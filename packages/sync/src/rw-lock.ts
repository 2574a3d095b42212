import { describe, type Future, SpindleError } from "@spindle/core";
import { checkCapacity, MAX_PERMITS } from "./errors.ts";
import { type Cell, Lease } from "./lease.ts";
import { PermitFuture, PermitQueue } from "./permit-queue.ts";

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeRwLockReadGuard: <T>(queue: PermitQueue, cell: Cell<T>) => RwLockReadGuard<T>;
let makeRwLockWriteGuard: <T>(queue: PermitQueue, cell: Cell<T>, permits: number) => RwLockWriteGuard<T>;

/** Options of an {@linkcode RwLock}. */
export interface RwLockOptions {
  /**
   * The most readers that hold the lock at once (tokio's `with_max_readers`): an integer from 1
   * to 2^31 - 1, the default. A read asked for beyond it waits for a reader to leave.
   */
  readonly maxReaders?: number;
}

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
  readonly #queue: PermitQueue;
  readonly #cell: Cell<T>;
  /** The most readers at once; a writer takes all of these permits. */
  readonly #maxReaders: number;

  /**
   * A lock guarding `value`, with at most `options.maxReaders` readers at once (default
   * 2^31 - 1); a `maxReaders` that is not an integer from 1 to 2^31 - 1 throws `INVALID_ARGUMENT`
   * naming it.
   *
   * @example
   * ```ts
   * import { RwLock } from "@spindle/sync";
   *
   * const lock = new RwLock("shared", { maxReaders: 2 });
   * const [a, b] = [lock.tryRead(), lock.tryRead()];
   * console.log(lock.maxReaders, lock.tryRead()); // 2 null
   * a!.release();
   * b!.release();
   * ```
   */
  constructor(value: T, options?: RwLockOptions) {
    const maxReaders = options?.maxReaders;
    this.#maxReaders = maxReaders === undefined ? MAX_PERMITS : checkCapacity("RwLock maxReaders", maxReaders);
    this.#queue = new PermitQueue(this.#maxReaders);
    this.#cell = { value };
  }

  /** The most readers that hold the lock at once. */
  get maxReaders(): number {
    return this.#maxReaders;
  }

  /** A future of shared (read) access. */
  read(): Future<RwLockReadGuard<T>> {
    return new Acquire(this.#queue, 1, () => makeRwLockReadGuard(this.#queue, this.#cell), "RwLock.read()");
  }

  /** A future of exclusive (write) access. */
  write(): Future<RwLockWriteGuard<T>> {
    return new Acquire(
      this.#queue,
      this.#maxReaders,
      () => makeRwLockWriteGuard(this.#queue, this.#cell, this.#maxReaders),
      "RwLock.write()",
    );
  }

  /** Read access now, or `null` when a writer holds the lock or waits for it (or `maxReaders` read). */
  tryRead(): RwLockReadGuard<T> | null {
    return this.#queue.tryTake(1) ? makeRwLockReadGuard(this.#queue, this.#cell) : null;
  }

  /** Write access now, or `null` when anyone holds the lock or waits for it. */
  tryWrite(): RwLockWriteGuard<T> | null {
    const maxReaders = this.#maxReaders;
    return this.#queue.tryTake(maxReaders) ? makeRwLockWriteGuard(this.#queue, this.#cell, maxReaders) : null;
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
  readonly #cell: Cell<T>;

  private constructor(queue: PermitQueue, cell: Cell<T>, permits: number) {
    this.#lease = new Lease(queue, cell, permits, "write guard");
    this.#cell = cell;
  }

  static {
    makeRwLockWriteGuard = <T>(queue: PermitQueue, cell: Cell<T>, permits: number): RwLockWriteGuard<T> =>
      new RwLockWriteGuard(queue, cell, permits);
  }

  /**
   * Turns the write access into read access without letting a writer in between (tokio's
   * `downgrade`): the readers waiting get in at once, and this guard is released.
   *
   * @example
   * ```ts
   * import { RwLock } from "@spindle/sync";
   *
   * const lock = new RwLock(1);
   * const writer = lock.tryWrite()!;
   * writer.value = 2;
   * const reader = writer.downgrade();
   * console.log(reader.value, lock.tryRead()!.value, lock.tryWrite()); // 2 2 null
   * ```
   */
  downgrade(): RwLockReadGuard<T> {
    return makeRwLockReadGuard(this.#lease.handOver(1), this.#cell);
  }

  /**
   * {@linkcode RwLockWriteGuard.downgrade} to a read guard of `map(value)` (tokio's
   * `downgrade_map`: a part of the value, or anything derived from it). `map` runs while this
   * guard still excludes everyone; if it throws, this guard is left as it was.
   *
   * @example
   * ```ts
   * import { RwLock } from "@spindle/sync";
   *
   * const lock = new RwLock({ name: "spindle", hits: 0 });
   * const writer = lock.tryWrite()!;
   * writer.value.hits++;
   * const hits = writer.downgradeMap((state) => state.hits);
   * console.log(hits.value); // 1
   * ```
   */
  downgradeMap<U>(map: (value: T) => U): RwLockReadGuard<U> {
    checkMap("downgradeMap", map);
    const mapped = map(this.#lease.value);
    return makeRwLockReadGuard(this.#lease.handOver(1), { value: mapped });
  }

  /**
   * {@linkcode RwLockWriteGuard.downgradeMap} when `map` returns something other than `null`
   * (tokio's `try_downgrade_map`, with `null` for `None`); otherwise returns `null` and this guard
   * keeps the write access.
   *
   * @example
   * ```ts
   * import { RwLock } from "@spindle/sync";
   *
   * const lock = new RwLock<number[]>([]);
   * const writer = lock.tryWrite()!;
   * console.log(writer.tryDowngradeMap((list) => list[0] ?? null)); // null (still writing)
   * writer.value.push(7);
   * console.log(writer.tryDowngradeMap((list) => list[0] ?? null)!.value); // 7
   * ```
   */
  tryDowngradeMap<U>(map: (value: T) => U | null): RwLockReadGuard<U> | null {
    checkMap("tryDowngradeMap", map);
    const mapped = map(this.#lease.value);
    if (mapped === null) return null;
    return makeRwLockReadGuard(this.#lease.handOver(1), { value: mapped });
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

/** Throws `INVALID_ARGUMENT` naming `map` unless it is a function. */
function checkMap(method: string, map: unknown): void {
  if (typeof map !== "function") {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `RwLockWriteGuard.${method}(map) needs a function, got ${describe(map)}`,
    );
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
