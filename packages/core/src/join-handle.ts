import type { Context } from "./context.ts";
import { completedError } from "./errors.ts";
import { Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import type { Task } from "./task.ts";

/**
 * The handle of a spawned task: a future of the task's output, also awaitable from ordinary
 * `async` code.
 *
 * - Joining (`yield* handle`, `await handle`) gives the task's value, or throws the very error the
 *   task threw, or a {@linkcode CancelledError} after `abort()`.
 * - `abort()` cancels the task: a coroutine task runs its `finally` blocks, even ones that wait.
 * - Dropping the handle (`[Symbol.dispose]`, `detach()`) detaches the task, as in tokio: it keeps
 *   running, and if it fails nobody joins, the executor's `onUnhandledError` receives the error.
 *
 * @example
 * ```ts
 * import { LocalExecutor, ready } from "@spindle/core";
 *
 * const executor = new LocalExecutor();
 * const handle = executor.spawn(ready(42));
 * await executor.run();
 * console.log(await handle); // 42
 * ```
 */
export class JoinHandle<T> extends Future<T> implements PromiseLike<T> {
  readonly #task: Task<T>;
  #joined = false;

  /** Wraps a task; handles are made by executors' `spawn`. */
  constructor(task: Task<T>) {
    super();
    this.#task = task;
  }

  /** Whether the task has settled (finished, failed or been cancelled). */
  get isFinished(): boolean {
    return this.#task.isComplete;
  }

  /** Joins the task: its output once settled; until then the joiner's waker is kept up to date. */
  poll(cx: Context): Poll<T> {
    const task = this.#task;
    if (task.isComplete) {
      if (this.#joined) throw completedError("a join handle");
      this.#joined = true;
      task.clearJoiner();
      return task.take();
    }
    task.registerJoiner(cx.waker);
    return PENDING;
  }

  /** Awaits the task's outcome from `async` code. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#task.promise().then(onFulfilled, onRejected);
  }

  /** Cancels the task; joining then fails with a {@linkcode CancelledError}. */
  abort(): void {
    this.#task.abort();
  }

  /** Lets the task run on with nobody joining it. */
  detach(): void {
    this.#task.detach();
  }

  /** Dropping a handle detaches its task (tokio's semantics); use `abort()` to cancel. */
  override [Symbol.dispose](): void {
    this.detach();
  }
}
