import { Context } from "./context.ts";
import { CoroutineFuture } from "./coroutine.ts";
import { CancelledError } from "./errors.ts";
import { drop, type Future } from "./future.ts";
import { PENDING } from "./poll.ts";
import { type RawWaker, type RawWakerVTable, replaceWaker, Waker } from "./waker.ts";

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
const COMPLETE = 32; // settled; the outcome is stored

const VALUE = 1;
const ERROR = 2;

/**
 * The waker vtable of executor tasks: the data is the task itself, so cloning shares one raw
 * waker object and waking is a state check plus a queue push.
 */
const TASK_VTABLE: RawWakerVTable<Task<unknown>> = {
  clone: (task) => task.raw,
  wake: (task) => task.wake(),
  wakeByRef: (task) => task.wake(),
  drop: () => {},
};

/**
 * A spawned future and its outcome. The result is stored before the joiner's waker is woken, so a
 * joiner that is polled after a wake always finds it.
 */
export class Task<T> {
  /** Intrusive list links, so the owner can reach every live task without a Set. */
  prev: Task<unknown> | null = null;
  next: Task<unknown> | null = null;
  readonly raw: RawWaker<Task<unknown>>;
  readonly #cx: Context;
  readonly #owner: TaskOwner;
  #future: Future<T> | null;
  #state = 0;
  #outcome = 0;
  #value: T | undefined = undefined;
  #error: unknown = undefined;
  #joinWaker: Waker | null = null;
  #observed = false;
  #detached = false;
  #promise: Promise<T> | null = null;
  #resolve: ((value: T) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;

  constructor(future: Future<T>, owner: TaskOwner) {
    this.#future = future;
    this.#owner = owner;
    this.raw = { data: this as Task<unknown>, vtable: TASK_VTABLE };
    this.#cx = new Context(Waker.fromRaw(this.raw));
  }

  get isComplete(): boolean {
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

  /** Polls the future once; called by the owner for a task taken off its ready queue. */
  run(): void {
    let state = this.#state;
    if ((state & COMPLETE) !== 0) return;
    this.#state = (state & ~SCHEDULED) | RUNNING;
    let output: T | typeof PENDING;
    try {
      output = (this.#future as Future<T>).poll(this.#cx);
    } catch (error) {
      if ((this.#state & UNWINDING) !== 0) this.#settle(ERROR, new CancelledError("the task", { cause: error }));
      else this.#settle(ERROR, error);
      return;
    }
    if (output !== PENDING) {
      if ((this.#state & UNWINDING) !== 0) this.#settle(ERROR, new CancelledError("the task"));
      else this.#settle(VALUE, output);
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

  /**
   * Cancels the task: a coroutine runs its `finally` blocks (polled to completion if they wait on
   * futures), any other future is dropped; then the task settles with a {@linkcode CancelledError}.
   */
  abort(): void {
    const state = this.#state;
    if ((state & (COMPLETE | ABORT_REQUESTED)) !== 0) return;
    this.#state = state | ABORT_REQUESTED;
    if ((state & RUNNING) === 0) this.#unwind();
  }

  /** Drops the future now, without polling again, and settles as cancelled (executor closing). */
  cancelNow(): void {
    if (this.isComplete) return;
    let cause: unknown;
    try {
      drop(this.#future as Future<T>);
    } catch (error) {
      cause = error;
    }
    this.#settle(ERROR, new CancelledError("the task", cause === undefined ? undefined : { cause }));
  }

  #unwind(): void {
    this.#state |= UNWINDING;
    const future = this.#future as Future<T>;
    let finished: boolean;
    try {
      if (future instanceof CoroutineFuture) {
        finished = future.cancel();
      } else {
        drop(future);
        finished = true;
      }
    } catch (error) {
      this.#settle(ERROR, new CancelledError("the task", { cause: error }));
      return;
    }
    if (finished) this.#settle(ERROR, new CancelledError("the task"));
    else this.wake();
  }

  #settle(outcome: number, result: unknown): void {
    this.#state = COMPLETE;
    this.#future = null;
    this.#outcome = outcome;
    if (outcome === VALUE) this.#value = result as T;
    else this.#error = result;
    this.#owner.settled(this as Task<unknown>);
    const joiner = this.#joinWaker;
    this.#joinWaker = null;
    joiner?.wake();
    if (this.#resolve !== null) {
      if (outcome === VALUE) this.#resolve(result as T);
      else (this.#reject as (error: unknown) => void)(result);
      this.#resolve = this.#reject = null;
    } else if (this.#detached) {
      this.#reportIfUnobserved();
    }
  }

  /** The stored outcome: returns the value or throws the error. Only once the task is complete. */
  take(): T {
    this.#observed = true;
    if (this.#outcome === ERROR) throw this.#error;
    return this.#value as T;
  }

  /** Keeps the joiner's waker up to date: replaced when the joiner now runs elsewhere. */
  registerJoiner(current: Waker): void {
    this.#joinWaker = replaceWaker(this.#joinWaker, current);
  }

  /** Forgets the joiner's waker. */
  clearJoiner(): void {
    this.#joinWaker?.drop();
    this.#joinWaker = null;
  }

  /** A promise of the outcome, created on first use; independent of the polling joiner. */
  promise(): Promise<T> {
    if (this.#promise !== null) return this.#promise;
    this.#observed = true;
    if (this.isComplete) {
      this.#promise = this.#outcome === ERROR ? Promise.reject(this.#error) : Promise.resolve(this.#value as T);
    } else {
      this.#promise = new Promise<T>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    }
    return this.#promise;
  }

  /** Nobody will join this task: its failure, if any, goes to the owner's unhandled-error handler. */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.clearJoiner();
    if (this.isComplete) this.#reportIfUnobserved();
  }

  #reportIfUnobserved(): void {
    if (this.#observed || this.#outcome !== ERROR || this.#error instanceof CancelledError) return;
    this.#observed = true;
    this.#owner.unhandled(this.#error);
  }
}
