import { ClosedError } from "./errors.ts";
import type { PermitQueue } from "./permit-queue.ts";

/** The value a lock guards, shared by the lock and its guards. */
export interface Cell<T> {
  value: T;
}

/**
 * What a lock's guard holds (`MutexGuard`, `RwLockReadGuard`, `RwLockWriteGuard`), the shape they
 * have in common: `permits` of the lock's queue and access to the guarded value until `release()`
 * gives the permits back (once); the value used after that throws {@linkcode ClosedError}.
 */
export class Lease<T> {
  #queue: PermitQueue | null;
  readonly #cell: Cell<T>;
  readonly #permits: number;
  /** The guard, in the error of a use after release (`write guard`). */
  readonly #guard: string;

  constructor(queue: PermitQueue, cell: Cell<T>, permits: number, guard: string) {
    this.#queue = queue;
    this.#cell = cell;
    this.#permits = permits;
    this.#guard = guard;
  }

  /** The guarded value; throws ClosedError after `release()`. */
  get value(): T {
    this.#held();
    return this.#cell.value;
  }

  /** Replaces the guarded value; throws ClosedError after `release()`. */
  set value(value: T) {
    this.#held();
    this.#cell.value = value;
  }

  /** Gives the permits back (the next waiter gets them). Does nothing the second time. */
  release(): void {
    const queue = this.#queue;
    if (queue === null) return;
    this.#queue = null;
    queue.release(this.#permits);
  }

  /**
   * Ends this lease but for `keep` of its permits, which pass to the caller's new lease (a write
   * guard downgraded to a read guard): the others go back to the queue. Returns the queue; throws
   * ClosedError after `release()`.
   */
  handOver(keep: number): PermitQueue {
    this.#held();
    const queue = this.#queue!;
    this.#queue = null;
    queue.release(this.#permits - keep);
    return queue;
  }

  #held(): void {
    if (this.#queue === null) {
      throw new ClosedError("guard", `the value was used after the ${this.#guard} was released`);
    }
  }
}
