import { KEY } from "./construct-key.ts";
import {
  checkOptions,
  type Context,
  describe,
  Future,
  noPublicConstructor,
  PENDING,
  type Poll,
  SpindleError,
} from "@spindle/core";
import { checkCapacity, ClosedError, MAX_PERMITS } from "./errors.ts";
import { type Cell, Lease } from "./lease.ts";
import { PermitFuture, type PermitGrant, PermitQueue } from "./permit-queue.ts";

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeRwLockReadGuard: <T>(queue: PermitQueue, cell: Cell<T>) => RwLockReadGuard<T>;
let makeRwLockWriteGuard: <T>(
  queue: PermitQueue,
  cell: Cell<T>,
  permits: number,
  slot: PermitQueue | null,
) => RwLockWriteGuard<T>;
let makeRwLockUpgradableReadGuard: <T>(
  queue: PermitQueue,
  cell: Cell<T>,
  slot: PermitQueue,
  maxReaders: number,
) => RwLockUpgradableReadGuard<T>;

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
  /** The one permit of the upgradable read, made by the first `upgradableRead()`. */
  #slot: PermitQueue | null = null;
  /** What `read()` and `write()` give: guards of this lock (made once, for every call). */
  readonly #read: PermitGrant<RwLockReadGuard<T>>;
  readonly #write: PermitGrant<RwLockWriteGuard<T>>;

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
    const { maxReaders } = checkOptions(options, "RwLock", ["maxReaders"]);
    this.#maxReaders = maxReaders === undefined ? MAX_PERMITS : checkCapacity("RwLock maxReaders", maxReaders);
    const queue = this.#queue = new PermitQueue(this.#maxReaders);
    const cell: Cell<T> = this.#cell = { value };
    const permits = this.#maxReaders;
    this.#read = { what: "RwLock.read()", first: false, granted: () => makeRwLockReadGuard(queue, cell) };
    this.#write = {
      what: "RwLock.write()",
      first: false,
      granted: () => makeRwLockWriteGuard(queue, cell, permits, null),
    };
  }

  /** The most readers that hold the lock at once. */
  get maxReaders(): number {
    return this.#maxReaders;
  }

  /** A future of shared (read) access. */
  read(): Future<RwLockReadGuard<T>> {
    return new PermitFuture(this.#queue, 1, this.#read);
  }

  /** A future of exclusive (write) access. */
  write(): Future<RwLockWriteGuard<T>> {
    return new PermitFuture(this.#queue, this.#maxReaders, this.#write);
  }

  /** Read access now, or `null` when a writer holds the lock or waits for it (or `maxReaders` read). */
  tryRead(): RwLockReadGuard<T> | null {
    return this.#queue.tryTake(1) ? makeRwLockReadGuard(this.#queue, this.#cell) : null;
  }

  /** Write access now, or `null` when anyone holds the lock or waits for it. */
  tryWrite(): RwLockWriteGuard<T> | null {
    const maxReaders = this.#maxReaders;
    return this.#queue.tryTake(maxReaders) ? makeRwLockWriteGuard(this.#queue, this.#cell, maxReaders, null) : null;
  }

  /**
   * A future of upgradable read access (async-lock's `upgradable_read`): a read that only one
   * task holds at a time, alongside any number of plain readers, and that its holder can turn
   * into write access with {@linkcode RwLockUpgradableReadGuard.upgrade} without letting another
   * writer in first. It waits for the current upgradable reader, then queues as a reader (behind
   * a waiting writer) and counts as one of the `maxReaders`.
   *
   * @example
   * ```ts
   * import { blockOn } from "@spindle/core";
   * import { RwLock } from "@spindle/sync";
   *
   * const cache = new RwLock(new Map<string, number>());
   * const upgradable = blockOn(cache.upgradableRead());
   * const reader = cache.tryRead()!; // plain readers still get in
   * console.log(cache.tryUpgradableRead(), upgradable.value.has("a")); // null false
   * reader.release();
   * const writer = blockOn(upgradable.upgrade()); // no other writer came in between
   * writer.value.set("a", 1);
   * writer.release();
   * console.log(cache.tryRead()!.value.get("a")); // 1
   * ```
   */
  upgradableRead(): Future<RwLockUpgradableReadGuard<T>> {
    const slot = this.#slot ??= new PermitQueue(1);
    return new UpgradableRead(
      new PermitFuture(slot, 1, { what: "RwLock.upgradableRead()", first: false, granted: () => slot }),
      () =>
        new PermitFuture(this.#queue, 1, {
          what: "RwLock.upgradableRead()",
          first: false,
          granted: () => this.#upgradable(slot),
        }),
      slot,
    );
  }

  /**
   * Upgradable read access now (see {@linkcode RwLock.upgradableRead}), or `null` when another
   * task holds it, a writer holds the lock or waits for it, or `maxReaders` read.
   *
   * @example
   * ```ts
   * import { RwLock } from "@spindle/sync";
   *
   * const lock = new RwLock(0);
   * const upgradable = lock.tryUpgradableRead()!;
   * const reader = lock.tryRead(); // plain readers still come in
   * console.log(reader !== null, lock.tryUpgradableRead()); // true null
   * reader?.release();
   * upgradable.release();
   * ```
   */
  tryUpgradableRead(): RwLockUpgradableReadGuard<T> | null {
    const slot = this.#slot ??= new PermitQueue(1);
    if (!slot.tryTake(1)) return null;
    if (this.#queue.tryTake(1)) return this.#upgradable(slot);
    slot.release(1);
    return null;
  }

  #upgradable(slot: PermitQueue): RwLockUpgradableReadGuard<T> {
    return makeRwLockUpgradableReadGuard(this.#queue, this.#cell, slot, this.#maxReaders);
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

  private constructor(key: typeof KEY, queue: PermitQueue, cell: Cell<T>) {
    if (key !== KEY) throw noPublicConstructor("RwLockReadGuard", "a lock's read() gives one", key);
    this.#lease = new Lease(queue, cell, 1, "read guard");
  }

  static {
    makeRwLockReadGuard = <T>(queue: PermitQueue, cell: Cell<T>): RwLockReadGuard<T> =>
      new RwLockReadGuard(KEY, queue, cell);
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
  /** The upgradable-read permit, held too when this guard came from an upgrade. */
  #slot: PermitQueue | null;

  private constructor(key: typeof KEY, queue: PermitQueue, cell: Cell<T>, permits: number, slot: PermitQueue | null) {
    if (key !== KEY) throw noPublicConstructor("RwLockWriteGuard", "a lock's write() gives one", key);
    this.#lease = new Lease(queue, cell, permits, "write guard");
    this.#cell = cell;
    this.#slot = slot;
  }

  static {
    makeRwLockWriteGuard = <T>(
      queue: PermitQueue,
      cell: Cell<T>,
      permits: number,
      slot: PermitQueue | null,
    ): RwLockWriteGuard<T> => new RwLockWriteGuard(KEY, queue, cell, permits, slot);
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
    return makeRwLockReadGuard(this.#handOver(), this.#cell);
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
    return makeRwLockReadGuard(this.#handOver(), { value: mapped });
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
    return makeRwLockReadGuard(this.#handOver(), { value: mapped });
  }

  /** Ends this guard but for one read permit, for the read guard a downgrade makes. */
  #handOver(): PermitQueue {
    const queue = this.#lease.handOver(1);
    this.#releaseSlot();
    return queue;
  }

  #releaseSlot(): void {
    const slot = this.#slot;
    this.#slot = null;
    slot?.release(1);
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
    this.#releaseSlot();
  }

  /** Same as {@linkcode RwLockWriteGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * Upgradable read access to an {@linkcode RwLock}'s value (async-lock's
 * `RwLockUpgradableReadGuard`, from {@linkcode RwLock.upgradableRead}): read access that only one
 * task holds at a time, until `release()` (or `[Symbol.dispose]`), or until `upgrade()` or
 * `tryUpgrade()` turns it into write access.
 *
 * @example
 * ```ts
 * import { RwLock } from "@spindle/sync";
 *
 * const lock = new RwLock(1);
 * const upgradable = lock.tryUpgradableRead()!;
 * const reader = lock.tryRead()!;
 * console.log(upgradable.tryUpgrade()); // null: a reader is still in
 * reader.release();
 * const writer = upgradable.tryUpgrade()!;
 * writer.value = 2;
 * writer.release();
 * console.log(lock.tryRead()!.value); // 2
 * ```
 */
export class RwLockUpgradableReadGuard<T> implements Disposable {
  readonly #lease: Lease<T>;
  readonly #queue: PermitQueue;
  readonly #cell: Cell<T>;
  /** The upgradable-read permit; `null` once released or upgraded. */
  #slot: PermitQueue | null;
  readonly #maxReaders: number;

  private constructor(key: typeof KEY, queue: PermitQueue, cell: Cell<T>, slot: PermitQueue, maxReaders: number) {
    if (key !== KEY) throw noPublicConstructor("RwLockUpgradableReadGuard", "a lock's upgradableRead() gives one", key);
    this.#lease = new Lease(queue, cell, 1, "upgradable read guard");
    this.#queue = queue;
    this.#cell = cell;
    this.#slot = slot;
    this.#maxReaders = maxReaders;
  }

  static {
    makeRwLockUpgradableReadGuard = <T>(
      queue: PermitQueue,
      cell: Cell<T>,
      slot: PermitQueue,
      maxReaders: number,
    ): RwLockUpgradableReadGuard<T> => new RwLockUpgradableReadGuard(KEY, queue, cell, slot, maxReaders);
  }

  /** The guarded value. Throws {@linkcode ClosedError} after `release()` or an upgrade. */
  get value(): T {
    return this.#lease.value;
  }

  /**
   * A future of write access made from this read access (async-lock's `upgrade`): it waits for
   * the plain readers to leave, ahead of any writer waiting, so the value read is the value
   * written. This guard ends at once (its read passes to the future). Dropping the future before
   * it completes releases the lock altogether, as async-lock's does. Throws
   * {@linkcode ClosedError} after `release()` or an upgrade.
   */
  upgrade(): Future<RwLockWriteGuard<T>> {
    const slot = this.#held("upgrade()");
    this.#slot = null;
    return new Upgrade(this.#lease.handOver(1), this.#cell, this.#maxReaders, slot);
  }

  /**
   * Write access now, when no plain reader holds the lock (async-lock's `try_upgrade`); otherwise
   * `null`, and this guard keeps its read. Throws {@linkcode ClosedError} after `release()` or an
   * upgrade.
   *
   * @example
   * ```ts
   * import { RwLock } from "@spindle/sync";
   *
   * const lock = new RwLock(1);
   * const upgradable = lock.tryUpgradableRead()!;
   * const reader = lock.tryRead()!;
   * console.log(upgradable.tryUpgrade()); // null: a reader holds the lock
   * reader.release();
   * const writer = upgradable.tryUpgrade()!;
   * writer.value += 1;
   * console.log(writer.value); // 2
   * writer.release();
   * ```
   */
  tryUpgrade(): RwLockWriteGuard<T> | null {
    const slot = this.#held("tryUpgrade()");
    if (!this.#queue.tryTakeFirst(this.#maxReaders - 1)) return null;
    this.#slot = null;
    return makeRwLockWriteGuard(this.#lease.handOver(1), this.#cell, this.#maxReaders, slot);
  }

  /** The upgradable-read permit while this guard holds it; ClosedError naming `operation` after. */
  #held(operation: string): PermitQueue {
    const slot = this.#slot;
    if (slot === null) {
      throw new ClosedError("guard", `RwLockUpgradableReadGuard.${operation} after the guard was released or upgraded`);
    }
    return slot;
  }

  /** Gives the read access back, and lets the next upgradable reader in. Does nothing the second time. */
  release(): void {
    this.#lease.release();
    const slot = this.#slot;
    this.#slot = null;
    slot?.release(1);
  }

  /** Same as {@linkcode RwLockUpgradableReadGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
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

/**
 * The future of {@linkcode RwLock.upgradableRead}: the upgradable-read permit first (`slot`), then
 * a read permit. Dropped in between, it gives the slot back; each step passes on what it was given
 * as every {@linkcode PermitFuture} does.
 */
class UpgradableRead<T> extends Future<RwLockUpgradableReadGuard<T>> {
  #slotStep: Future<PermitQueue> | null;
  readonly #readStep: () => Future<RwLockUpgradableReadGuard<T>>;
  #read: Future<RwLockUpgradableReadGuard<T>> | null = null;
  readonly #slot: PermitQueue;

  constructor(
    slotStep: Future<PermitQueue>,
    readStep: () => Future<RwLockUpgradableReadGuard<T>>,
    slot: PermitQueue,
  ) {
    super();
    this.#slotStep = slotStep;
    this.#readStep = readStep;
    this.#slot = slot;
  }

  poll(cx: Context): Poll<RwLockUpgradableReadGuard<T>> {
    const slotStep = this.#slotStep;
    if (slotStep !== null) {
      if (slotStep.poll(cx) === PENDING) return PENDING;
      this.#slotStep = null;
      this.#read = this.#readStep();
    }
    const read = this.#read;
    if (read === null) {
      throw new SpindleError("FUTURE_COMPLETED", "RwLock.upgradableRead() was polled after it completed");
    }
    const guard = read.poll(cx);
    if (guard !== PENDING) this.#read = null;
    return guard;
  }

  override [Symbol.dispose](): void {
    const slotStep = this.#slotStep;
    const read = this.#read;
    this.#slotStep = this.#read = null;
    slotStep?.[Symbol.dispose]();
    if (read === null) return;
    read[Symbol.dispose]();
    this.#slot.release(1);
  }
}

/**
 * The future of {@linkcode RwLockUpgradableReadGuard.upgrade}: the upgradable reader's read permit
 * and slot are its own; it waits, ahead of the queue, for the other `maxReaders - 1` permits.
 * Dropped before it has them, it releases all it holds.
 */
class Upgrade<T> extends PermitFuture<RwLockWriteGuard<T>> {
  readonly #cell: Cell<T>;
  readonly #maxReaders: number;
  #slot: PermitQueue | null;

  /** Served ahead of the queue; the guard takes the slot over. */
  static readonly #grant: PermitGrant<RwLockWriteGuard<unknown>> = {
    what: "RwLockUpgradableReadGuard.upgrade()",
    first: true,
    granted: (future) => (future as Upgrade<unknown>).#granted(),
  };

  constructor(queue: PermitQueue, cell: Cell<T>, maxReaders: number, slot: PermitQueue) {
    super(queue, maxReaders - 1, Upgrade.#grant as PermitGrant<RwLockWriteGuard<T>>);
    this.#cell = cell;
    this.#maxReaders = maxReaders;
    this.#slot = slot;
  }

  #granted(): RwLockWriteGuard<T> {
    const slot = this.#slot!;
    this.#slot = null;
    return makeRwLockWriteGuard(this.queue, this.#cell, this.#maxReaders, slot);
  }

  override [Symbol.dispose](): void {
    super[Symbol.dispose]();
    const slot = this.#slot;
    if (slot === null) return;
    this.#slot = null;
    this.queue.release(1);
    slot.release(1);
  }
}
