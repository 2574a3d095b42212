// tokio_test's `task::spawn` for the ported peer tests: a future polled by hand with a counting
// waker, `isWoken()` as tokio_test's `is_woken` (a wake since the last poll), `drop()` as Rust's.
import { type Future, PENDING, type Poll } from "@spindle/core";
import { type CountingWaker, countingWaker } from "@spindle/test-support";

/** A future under test, polled by hand (tokio_test's `Spawn`). */
export class PeerTask<T> {
  readonly #future: Future<T>;
  readonly #waker: CountingWaker;
  #wakesAtPoll = 0;

  constructor(future: Future<T>, waker: CountingWaker = countingWaker()) {
    this.#future = future;
    this.#waker = waker;
  }

  /** Polls the future once with this task's waker. */
  poll(): Poll<T> {
    this.#wakesAtPoll = this.#waker.woken();
    return this.#future.poll(this.#waker.cx);
  }

  /** `assert_ready!`: polls and returns the output, failing if it is pending. */
  ready(): T {
    const output = this.poll();
    if (output === PENDING) throw new Error("expected the future to be ready, it is pending");
    return output as T;
  }

  /** `assert_pending!`: polls and fails unless the future is pending. */
  pending(): void {
    if (this.poll() !== PENDING) throw new Error("expected the future to be pending, it is ready");
  }

  /** Whether the waker was woken since the last poll. */
  isWoken(): boolean {
    return this.#waker.woken() > this.#wakesAtPoll;
  }

  /** Wakers the future still holds (clones not yet woken or dropped), besides the original. */
  get heldWakers(): number {
    return this.#waker.counter.live - 1;
  }

  /** Drops the future (Rust's `drop(task)`). */
  drop(): void {
    this.#future[Symbol.dispose]();
  }
}

/** tokio_test's `task::spawn(future)`. */
export function spawn<T>(future: Future<T>): PeerTask<T> {
  return new PeerTask(future);
}
