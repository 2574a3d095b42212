import type { Context } from "./context.ts";
import { consumeBudget } from "./coop-budget.ts";
import { CoroutineFuture } from "./coroutine.ts";
import { CancelledError, completedError } from "./errors.ts";
import { drop, type Future } from "./future.ts";
import { JoinHandle } from "./join-handle.ts";
import { PENDING, type Poll } from "./poll.ts";
import type { RawWaker, RawWakerVTable } from "./waker.ts";
import { dropRawWaker, replaceRawWaker, wakeRawWaker } from "./waker-slot.ts";

/** What a task needs from the executor that owns it. */
export interface TaskOwner {
  /** Puts a woken task on the ready queue. */
  schedule(task: Task<unknown>): void;
  /** The task settled: it will never be scheduled again. */
  settled(task: Task<unknown>): void;
  /** A detached task failed and nobody can observe the error any more. */
  unhandled(error: unknown): void;
}

// Task state bits. A task is only ever touched by its executor's thread, so plain fields suffice.
const SCHEDULED = 1; // in the ready queue
const RUNNING = 2; // inside poll
const NOTIFIED = 4; // woken while running: poll again after this poll returns
const ABORT_REQUESTED = 8; // abort() was called
const UNWINDING = 16; // the future is running its clean-up (finally blocks) after an abort
const COMPLETE = 32; // settled; the outcome is stored in #result
const FAILED = 64; // with COMPLETE: #result is the error
const OBSERVED = 128; // somebody took the outcome (poll or promise)
const DETACHED = 256; // nobody will join
const JOINED = 512; // poll() returned the outcome once

/**
 * The waker vtable of executor tasks: a task is its own raw waker (`data` is the task), so
 * cloning allocates only the `Waker` and waking is a state check plus a queue push.
 */
const TASK_VTABLE: RawWakerVTable<Task<unknown>> = {
  clone: (task) => task,
  wake: (task) => task.wake(),
  wakeByRef: (task) => task.wake(),
  drop: () => {},
};

/**
 * A spawned future, its outcome, and its join handle in one object (one allocation per spawn
 * besides the future). The result is stored before the joiner's waker is woken, so a joiner that
 * is polled after a wake always finds it.
 */
export class Task<T> extends JoinHandle<T> implements RawWaker<Task<unknown>> {
  readonly data: Task<unknown> = this as Task<unknown>;
  readonly vtable: RawWakerVTable<Task<unknown>> = TASK_VTABLE;
  /** Intrusive list links, so the owner can reach every live task without a Set. */
  prev: Task<unknown> | null = null;
  next: Task<unknown> | null = null;
  readonly #owner: TaskOwner;
  #future: Future<T> | null;
  #state = 0;
  #result: unknown = undefined;
  /** The joining task's waker, kept raw (see `replaceRawWaker`). */
  #joiner: RawWaker<unknown> | null = null;
  #promise: Promise<T> | null = null;
  #resolve: ((value: T) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;

  constructor(future: Future<T>, owner: TaskOwner) {
    super();
    this.#future = future;
    this.#owner = owner;
  }

  get isFinished(): boolean {
    return (this.#state & COMPLETE) !== 0;
  }

  /** Schedules the task unless it is already queued, finished, or running (then: poll again). */
  wake(): void {
    const state = this.#state;
    if ((state & (SCHEDULED | COMPLETE)) !== 0) return;
    if ((state & RUNNING) !== 0) {
      this.#state = state | NOTIFIED;
      return;
    }
    this.#state = state | SCHEDULED;
    this.#owner.schedule(this as Task<unknown>);
  }

  /** Polls the future once with `cx`, whose waker the owner has bound to this task. */
  run(cx: Context): void {
    let state = this.#state;
    if ((state & COMPLETE) !== 0) return;
    this.#state = (state & ~SCHEDULED) | RUNNING;
    let output: T | typeof PENDING;
    try {
      output = (this.#future as Future<T>).poll(cx);
    } catch (error) {
      if ((this.#state & UNWINDING) !== 0) this.#settleCancelled(error);
      else this.#settle(FAILED, error);
      return;
    }
    if (output !== PENDING) {
      if ((this.#state & UNWINDING) !== 0) this.#settle(FAILED, this.#result);
      else this.#settle(0, output);
      return;
    }
    state = this.#state & ~RUNNING;
    this.#state = state;
    if ((state & (ABORT_REQUESTED | UNWINDING)) === ABORT_REQUESTED) {
      this.#unwind();
    } else if ((state & NOTIFIED) !== 0) {
      this.#state = (state & ~NOTIFIED) | SCHEDULED;
      this.#owner.schedule(this as Task<unknown>);
    }
  }

  poll(cx: Context): Poll<T> {
    const state = this.#state;
    if ((state & COMPLETE) === 0) {
      this.#joiner = replaceRawWaker(this.#joiner, cx.waker);
      return PENDING;
    }
    if ((state & JOINED) !== 0) throw completedError("a join handle");
    if (!consumeBudget(cx)) return PENDING;
    this.#state = state | JOINED | OBSERVED;
    this.#joiner = dropRawWaker(this.#joiner);
    if ((state & FAILED) !== 0) throw this.#result;
    return this.#result as T;
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#outcome().then(onFulfilled, onRejected);
  }

  /**
   * Cancels the task: a coroutine gets a {@linkcode CancelledError} thrown in at the `yield*` where
   * it waits and unwinds (its `finally` blocks run, polled to completion if they wait on futures),
   * any other future is dropped; then the task settles with that `CancelledError`, whatever the
   * coroutine does with it.
   */
  abort(): void {
    const state = this.#state;
    if ((state & (COMPLETE | ABORT_REQUESTED)) !== 0) return;
    this.#state = state | ABORT_REQUESTED;
    if ((state & RUNNING) === 0) this.#unwind();
  }

  detach(): void {
    const state = this.#state;
    if ((state & DETACHED) !== 0) return;
    this.#state = state | DETACHED;
    this.#joiner = dropRawWaker(this.#joiner);
    if ((state & COMPLETE) !== 0) this.#reportIfUnobserved();
  }

  /** Drops the future now, without polling again, and settles as cancelled (executor closing). */
  cancelNow(): void {
    if ((this.#state & COMPLETE) !== 0) return;
    let cause: unknown;
    try {
      drop(this.#future as Future<T>);
    } catch (error) {
      cause = error;
    }
    if (cause === undefined && (this.#state & UNWINDING) !== 0) this.#settle(FAILED, this.#result); // the error the coroutine saw
    else this.#settle(FAILED, new CancelledError("the task", cause === undefined ? undefined : { cause }));
  }

  /** Starts cancelling; while UNWINDING, `#result` holds the `CancelledError` the task settles with. */
  #unwind(): void {
    this.#state |= UNWINDING;
    const reason = new CancelledError("the task");
    this.#result = reason;
    const future = this.#future as Future<T>;
    let finished: boolean;
    try {
      if (future instanceof CoroutineFuture) {
        finished = future.cancel(reason);
      } else {
        drop(future);
        finished = true;
      }
    } catch (error) {
      this.#settleCancelled(error);
      return;
    }
    if (finished) this.#settle(FAILED, reason);
    else this.wake();
  }

  /** Settles an unwinding task whose future threw `error`: the cancellation itself, or a clean-up's error as its cause. */
  #settleCancelled(error: unknown): void {
    this.#settle(FAILED, error === this.#result ? error : new CancelledError("the task", { cause: error }));
  }

  #settle(failed: number, result: unknown): void {
    this.#state = (this.#state & (DETACHED | OBSERVED)) | COMPLETE | failed;
    this.#future = null;
    this.#result = result;
    this.#owner.settled(this as Task<unknown>);
    this.#joiner = wakeRawWaker(this.#joiner);
    const resolve = this.#resolve;
    if (resolve !== null) {
      if (failed === 0) resolve(result as T);
      else (this.#reject as (error: unknown) => void)(result);
      this.#resolve = this.#reject = null;
    } else if ((this.#state & DETACHED) !== 0) {
      this.#reportIfUnobserved();
    }
  }

  /** A promise of the outcome, created on first use; independent of the polling joiner. */
  #outcome(): Promise<T> {
    if (this.#promise !== null) return this.#promise;
    const state = this.#state;
    this.#state = state | OBSERVED;
    if ((state & COMPLETE) !== 0) {
      this.#promise = (state & FAILED) !== 0 ? Promise.reject(this.#result) : Promise.resolve(this.#result as T);
    } else {
      this.#promise = new Promise<T>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    }
    return this.#promise;
  }

  #reportIfUnobserved(): void {
    const state = this.#state;
    if ((state & (OBSERVED | FAILED)) !== FAILED || this.#result instanceof CancelledError) return;
    this.#state = state | OBSERVED;
    this.#owner.unhandled(this.#result);
  }
}
