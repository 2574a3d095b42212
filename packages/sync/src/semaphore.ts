import { KEY } from "./construct-key.ts";
import { describe, type Future, noPublicConstructor, SpindleError } from "@spindle/core";
import { checkPermits, ClosedError, MAX_PERMITS } from "./errors.ts";
import { PermitFuture, type PermitGrant, PermitQueue } from "./permit-queue.ts";

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeSemaphorePermit: (queue: PermitQueue, count: number) => SemaphorePermit;

/**
 * An async counting semaphore (tokio's `Semaphore`): `acquire(n)` waits until `n` permits are
 * free and returns a {@linkcode SemaphorePermit} that gives them back on `release()` (or
 * `[Symbol.dispose]`, for `using`). Waiters are served first come, first served: a large request
 * at the front holds back smaller ones behind it, and `tryAcquire` never overtakes a waiter.
 *
 * Cancel-safe: dropping a pending `acquire` future (a `select` branch that lost, an aborted task)
 * takes it out of the queue and passes on any permits it had already been given.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor, yieldNow } from "@spindle/core";
 * import { Semaphore } from "@spindle/sync";
 *
 * const semaphore = new Semaphore(2);
 * let running = 0;
 * let most = 0;
 * function* job(): Coroutine<void> {
 *   const permit = yield* semaphore.acquire();
 *   most = Math.max(most, ++running);
 *   yield* yieldNow(); // other jobs run while this one holds its permit
 *   running--;
 *   permit.release();
 * }
 * const executor = new LocalExecutor();
 * for (let i = 0; i < 5; i++) executor.spawn(job());
 * await executor.run();
 * console.log(most, semaphore.availablePermits); // 2 2
 * ```
 */
export class Semaphore {
  /** The most permits a semaphore can hold, and the largest `acquire(n)`: 2^31 - 1. */
  static readonly MAX_PERMITS: number = MAX_PERMITS;

  readonly #queue: PermitQueue;

  /** A semaphore holding `permits` (an integer from 0 to {@linkcode Semaphore.MAX_PERMITS}). */
  constructor(permits: number) {
    this.#queue = new PermitQueue(checkPermits("Semaphore permits", permits));
  }

  /** Permits free now (none while a waiter is queued, unless the front one waits for more). */
  get availablePermits(): number {
    return this.#queue.free;
  }

  /** Whether {@linkcode Semaphore.close} was called. */
  get isClosed(): boolean {
    return this.#queue.closed;
  }

  /**
   * A future of `n` permits (default 1; an integer up to {@linkcode Semaphore.MAX_PERMITS}). It
   * fails with {@linkcode ClosedError} if the semaphore is closed before it gets them.
   */
  acquire(n = 1): Future<SemaphorePermit> {
    return new PermitFuture(this.#queue, checkPermits("Semaphore.acquire(n): n", n), ACQUIRE);
  }

  /**
   * `n` permits at once (default 1), or `null` when they are not free or another task waits
   * ahead. Throws {@linkcode ClosedError} after `close()`.
   */
  tryAcquire(n = 1): SemaphorePermit | null {
    checkPermits("Semaphore.tryAcquire(n): n", n);
    const queue = this.#queue;
    if (queue.closed) throw new ClosedError("semaphore", "tryAcquire() after close()");
    return queue.tryTake(n) ? makeSemaphorePermit(queue, n) : null;
  }

  /**
   * Adds `n` permits (they go to the waiters first). Throws `INVALID_ARGUMENT` if the semaphore
   * would hold more than {@linkcode Semaphore.MAX_PERMITS} free permits.
   */
  addPermits(n: number): void {
    checkPermits("Semaphore.addPermits(n): n", n);
    const queue = this.#queue;
    if (queue.free + n > MAX_PERMITS) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `Semaphore.addPermits(${describe(n)}) would hold ${
          queue.free + n
        } permits, more than the maximum ${MAX_PERMITS}`,
      );
    }
    queue.release(n);
  }

  /**
   * Closes the semaphore: pending and later `acquire` futures fail with {@linkcode ClosedError},
   * `tryAcquire` throws it. Permits already held stay valid and may still be released.
   */
  close(): void {
    this.#queue.close();
  }

  /**
   * Removes up to `n` of the free permits for good (tokio's `forget_permits`), open or closed;
   * returns how many it removed (fewer than `n` when fewer are free). Permits held stay valid.
   * `n` is an integer from 0 to {@linkcode Semaphore.MAX_PERMITS}.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@spindle/sync";
   *
   * const semaphore = new Semaphore(3);
   * const held = semaphore.tryAcquire()!;
   * console.log(semaphore.forgetPermits(5), semaphore.availablePermits); // 2 0
   * held.release();
   * console.log(semaphore.availablePermits); // 1
   * ```
   */
  forgetPermits(n: number): number {
    checkPermits("Semaphore.forgetPermits(n): n", n);
    const queue = this.#queue;
    const forgotten = Math.min(n, queue.free);
    queue.free -= forgotten;
    return forgotten;
  }
}

/**
 * Permits held from a {@linkcode Semaphore}: `release()` (or `[Symbol.dispose]`) gives them back
 * once; `forget()` keeps them out of the semaphore for good.
 *
 * @example
 * ```ts
 * import { Semaphore } from "@spindle/sync";
 *
 * const semaphore = new Semaphore(3);
 * const permit = semaphore.tryAcquire(2)!;
 * console.log(permit.count, semaphore.availablePermits); // 2 1
 * permit.release();
 * console.log(semaphore.availablePermits); // 3
 * ```
 */
export class SemaphorePermit implements Disposable {
  #queue: PermitQueue | null;
  // Private with a getter: a writable `count` let `permit.count = 1000; permit.release()` give
  // the semaphore 1000 permits it never had.
  #count: number;

  private constructor(key: typeof KEY, queue: PermitQueue, count: number) {
    if (key !== KEY) throw noPublicConstructor("SemaphorePermit", "a semaphore's acquire() gives one", key);
    this.#queue = queue;
    this.#count = count;
  }

  /** How many permits this holds (0 once released or forgotten). */
  get count(): number {
    return this.#count;
  }

  static {
    makeSemaphorePermit = (queue: PermitQueue, count: number) => new SemaphorePermit(KEY, queue, count);
  }

  /** Gives the permits back to the semaphore. Does nothing the second time. */
  release(): void {
    const queue = this.#queue;
    if (queue === null) return;
    this.#queue = null;
    const count = this.#count;
    this.#count = 0;
    queue.release(count);
  }

  /** Drops the permits without giving them back: the semaphore holds that many fewer for good. */
  forget(): void {
    this.#queue = null;
    this.#count = 0;
  }

  /**
   * Takes the permits of `other`, a permit of the same semaphore, into this one (tokio's `merge`):
   * this one then holds both counts and `other` holds none (released, it gives nothing back).
   * Throws `INVALID_ARGUMENT` if `other` is of another semaphore, {@linkcode ClosedError} if either
   * was released or forgotten already.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@spindle/sync";
   *
   * const semaphore = new Semaphore(3);
   * const permit = semaphore.tryAcquire(1)!;
   * permit.merge(semaphore.tryAcquire(2)!);
   * console.log(permit.count, semaphore.availablePermits); // 3 0
   * permit.release();
   * console.log(semaphore.availablePermits); // 3
   * ```
   */
  merge(other: SemaphorePermit): void {
    const queue = this.#held("merge()");
    // A brand check reads no trap: a revoked Proxy, or a Proxy of a permit, is refused here too.
    if (typeof other !== "object" || other === null || !(#count in other)) {
      throw new SpindleError("INVALID_ARGUMENT", `SemaphorePermit.merge(other) needs a permit, got ${describe(other)}`);
    }
    if (other === this) return;
    const otherQueue = other.#held("merge() of it into another permit");
    if (otherQueue !== queue) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `SemaphorePermit.merge(other): other holds ${other.#count} permit(s) of another semaphore`,
      );
    }
    this.#count += other.#count;
    other.#queue = null;
    other.#count = 0;
  }

  /**
   * Moves `n` of this permit's permits into a new permit of the same semaphore (tokio's `split`),
   * or returns `null` when this one holds fewer than `n`. `n` is an integer from 0 to
   * {@linkcode Semaphore.MAX_PERMITS}; throws {@linkcode ClosedError} once this permit was released
   * or forgotten.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@spindle/sync";
   *
   * const semaphore = new Semaphore(3);
   * const permit = semaphore.tryAcquire(3)!;
   * const one = permit.split(1)!;
   * one.release();
   * console.log(permit.count, semaphore.availablePermits, permit.split(5)); // 2 1 null
   * ```
   */
  split(n: number): SemaphorePermit | null {
    checkPermits("SemaphorePermit.split(n): n", n);
    const queue = this.#held("split()");
    if (n > this.#count) return null;
    this.#count -= n;
    return makeSemaphorePermit(queue, n);
  }

  /** The semaphore's queue while this permit holds its permits; ClosedError naming `operation` after. */
  #held(operation: string): PermitQueue {
    const queue = this.#queue;
    if (queue === null) {
      throw new ClosedError("permit", `SemaphorePermit.${operation} on a permit that was released or forgotten`);
    }
    return queue;
  }

  /** Same as {@linkcode SemaphorePermit.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/** What `acquire(n)` gives: a permit of the `n` permits. */
const ACQUIRE: PermitGrant<SemaphorePermit> = {
  what: "Semaphore.acquire()",
  first: false,
  granted: (future) => makeSemaphorePermit(future.queue, future.needed),
};
