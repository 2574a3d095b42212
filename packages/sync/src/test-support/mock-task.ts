// tokio_test's `task::spawn` for the ported peer tests: a future polled by hand with a counting
// waker, so `assert_pending!(t.poll())`, `assert!(t.is_woken())` and `drop(t)` translate one to one.
import { type Future, type IntoFuture, intoFuture, type Poll } from "@spindle/core";
import { countingWaker } from "@spindle/test-support";

/** A future polled by hand; `isWoken()` says whether its waker was woken since the last poll. */
export class MockTask<T> {
  readonly #future: Future<T>;
  readonly #waker = countingWaker();
  #wokenAtPoll = 0;

  constructor(future: Future<T>) {
    this.#future = future;
  }

  /** Polls the future once with this task's waker. */
  poll(): Poll<T> {
    this.#wokenAtPoll = this.#waker.woken();
    return this.#future.poll(this.#waker.cx);
  }

  /** Whether the waker was woken since the last `poll()`. */
  isWoken(): boolean {
    return this.#waker.woken() > this.#wokenAtPoll;
  }

  /** Drops (cancels) the future. */
  drop(): void {
    this.#future[Symbol.dispose]();
  }
}

/** tokio_test's `task::spawn(future)`; a coroutine stands for an `async` block. */
export function mockTask<T>(future: IntoFuture<T>): MockTask<T> {
  return new MockTask(intoFuture(future));
}
