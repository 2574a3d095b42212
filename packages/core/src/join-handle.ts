import type { Context } from "./context.ts";
import { Future } from "./future.ts";
import type { Poll } from "./poll.ts";

/** The ids handed out so far (see `JoinHandle.id`). */
const taskIds = new WeakMap<JoinHandle<unknown>, number>();
let nextTaskId = 1;

/**
 * The handle of a spawned task: a future of the task's output, also awaitable from ordinary
 * `async` code. Executors' `spawn` returns one; it cannot be constructed directly.
 *
 * - Joining (`yield* handle`, `await handle`) gives the task's value, or throws the very error the
 *   task threw, or a {@linkcode CancelledError} after `abort()`.
 * - `abort()` cancels the task: a coroutine task runs its `finally` blocks, even ones that wait.
 * - Dropping the handle (`[Symbol.dispose]`, `detach()`) detaches the task, as in tokio: it keeps
 *   running, and if it fails nobody joins, the executor's `onUnhandledError` receives the error.
 *   Polling a detached handle throws `FUTURE_COMPLETED`, as for any dropped future.
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
export abstract class JoinHandle<T> extends Future<T> implements PromiseLike<T> {
  /** Whether the task has settled (finished, failed or been cancelled). */
  abstract get isFinished(): boolean;

  /**
   * The task's id (tokio's `task::Id`): a number >= 1, the same for the handle's whole life and
   * unique among the handles on this thread; `TaskScope.joinNextWithId` tells it with each result.
   * Given on first read, so tasks whose id nobody reads cost nothing for it.
   *
   * @example
   * ```ts
   * import { LocalExecutor, ready } from "@spindle/core";
   *
   * const executor = new LocalExecutor();
   * const a = executor.spawn(ready(1));
   * const b = executor.spawn(ready(2));
   * console.log(a.id === a.id, a.id !== b.id); // true true
   * ```
   */
  get id(): number {
    let id = taskIds.get(this);
    if (id === undefined) {
      id = nextTaskId++;
      taskIds.set(this, id);
    }
    return id;
  }

  /** Joins the task: its output once settled; until then the joiner's waker is kept up to date. */
  abstract override poll(cx: Context): Poll<T>;

  /** Awaits the task's outcome from `async` code. */
  abstract then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2>;

  /**
   * Cancels the task; joining then fails with a {@linkcode CancelledError}. `cause`, when given,
   * is that error's `cause`, and a coroutine task gets that same error thrown in, so that its
   * `catch` and `finally` blocks can tell why it was stopped (a shutdown, a deadline). A handle
   * whose task runs where the cause cannot be handed on declares `abort()` without it.
   */
  abstract abort(cause?: unknown): void;

  /** Lets the task run on with nobody joining it. */
  abstract detach(): void;

  /** Dropping a handle detaches its task (tokio's semantics); use `abort()` to cancel. */
  override [Symbol.dispose](): void {
    this.detach();
  }
}
