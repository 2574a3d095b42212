import { CHILD_SET_VTABLE, type TaskCollector } from "./child-set.ts";
import type { Context } from "./context.ts";
import { consumeBudget } from "./coop-budget.ts";
import { type Coroutine, CoroutineFuture, type IntoFuture } from "./coroutine.ts";
import { dropCancelled } from "./drop-cancelled.ts";
import { CancelledError, caughtInstanceOf, completedError, describe, SpindleError, unreadableError } from "./errors.ts";
import { drop, type Future, isFuture, yieldedFuture } from "./future.ts";
import { JoinHandle } from "./join-handle.ts";
import { PENDING, type Poll } from "./poll.ts";
import { inheritLocals } from "./task-local.ts";
import type { WaitingLink } from "./waiting-segment.ts";
import { type RawWaker, type RawWakerVTable, wakeRaw } from "./waker.ts";
import { dropRawWaker, replaceRawWaker } from "./waker-slot.ts";

/**
 * A task for `owner` running `work`: a future it polls, or a coroutine it drives itself; either
 * carries the task-local values in force where it is spawned.
 */
export function spawnTask<T>(work: IntoFuture<T>, owner: TaskOwner): Task<T> {
  const future = isSpawnedFuture(work);
  const inherited = inheritLocals(work);
  if (inherited !== work) return new Task(inherited as Future<T>, null, owner); // wrapped: a future
  return future ? new Task(work as Future<T>, null, owner) : new Task(null, work as Coroutine<T>, owner);
}

/**
 * Whether `work`, about to be spawned, is a future (`true`: it has a `poll` method) or a coroutine
 * (`false`), as `isFuture` and then `isCoroutine` tell; anything else is `NOT_A_FUTURE`, and
 * `INVALID_ARGUMENT` when it cannot be read (a revoked Proxy). Written out here rather than calling
 * them: V8 keeps one inline cache per property read per function, and theirs see every kind of
 * value core checks (megamorphic loads), where these see only what is spawned, and `poll` is read
 * once: spawning took 162 of the 1,172 instructions of a trivial task before (callgrind, Node 24),
 * and is inlined into the caller's loop now (1,008 in all).
 */
function isSpawnedFuture(work: unknown): boolean {
  const isObject = typeof work === "object" && work !== null;
  if (isObject || typeof work === "function") {
    const candidate = work as Partial<Coroutine<unknown>> & { poll?: unknown };
    try {
      if (typeof candidate.poll === "function") return true;
      if (
        isObject && typeof candidate.next === "function" && typeof candidate.throw === "function" &&
        typeof candidate[Symbol.iterator] === "function"
      ) return false;
    } catch (cause) {
      throw unreadableError(work, "a future or a generator is needed", cause);
    }
  }
  throw new SpindleError("NOT_A_FUTURE", `expected a future or a generator, got ${describe(work)}`);
}

/**
 * What a coroutine gets back when polling the `value` it yielded threw `error`: that error when
 * `value` is a future, else `NOT_A_FUTURE` (`INVALID_ARGUMENT` when even reading its `poll`
 * threw, a revoked Proxy say).
 */
function pollFailure(value: unknown, error: unknown): unknown {
  try {
    return isFuture(value) ? error : notAFuture(value);
  } catch (unreadable) {
    return unreadable;
  }
}

/**
 * The error of polling a handle that was joined, or detached (dropped): a dropped handle stays
 * inert, as every dropped future does; it neither waits again nor takes the outcome.
 */
function pollAfterEnd(state: number): SpindleError {
  if ((state & DETACHED) === 0) return completedError("a join handle");
  return new SpindleError("FUTURE_COMPLETED", "a join handle was polled after it was detached or dropped");
}

/** The error a coroutine gets back for yielding `value`, which is not a future. */
function notAFuture(value: unknown): SpindleError {
  return new SpindleError("NOT_A_FUTURE", `a coroutine yielded ${describe(value)}; use \`yield*\` on a future`);
}

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

// The task is a `JoinHandle` (and so a `Future`) by its prototype chain, set below, not by
// `extends`: constructing a derived class runs its base classes' constructors, and on JavaScriptCore
// the implicit constructors of `Future` and `JoinHandle` took 37 % of spawning and joining trivial
// tasks (Bun 1.4, `bun --cpu-prof`): the base constructor allocates `this` for a `new.target` that
// is not itself. The interface gives the class the handle's type.
export interface Task<T> extends JoinHandle<T> {}

/**
 * A spawned future or coroutine, its outcome, and its join handle in one object (one allocation
 * per spawn besides the generator). A coroutine is driven by the task itself (no
 * `CoroutineFuture` in between): `#awaiting` is the future it waits on, or, for a spawned future,
 * that future. The result is stored before the joiner is woken, so a joiner that is polled after
 * a wake always finds it.
 */
export class Task<T> implements RawWaker<Task<unknown>> {
  /** Intrusive list links, so the owner can reach every live task without a Set. */
  prev: WaitingLink | null = null;
  next: WaitingLink | null = null;
  /** The intrusive ready queue's link (the owner's queue; meaningful while SCHEDULED). */
  nextReady: Task<unknown> | null = null;
  /** The last task of the ready queue, kept by its first task only (the owner's; else `null`). */
  lastReady: Task<unknown> | null = null;
  readonly #owner: TaskOwner;
  /** The coroutine this task drives, or `null` for a spawned future (then in `#awaiting`). */
  #coroutine: Coroutine<T> | null;
  /** The future the coroutine waits on, or the spawned future; `null` once settled. */
  #awaiting: Future<unknown> | null;
  #state = 0;
  #result: unknown = undefined;
  /**
   * The joining task's waker, kept raw (see `replaceRawWaker`); or a `joinAll`/`race`/`TaskScope`
   * joining this handle as its child `#joinIndex` (a `TaskCollector`, its own raw waker): registered
   * without cloning a waker per child (the set's borrowed waker names the child being polled; the
   * task keeps the index).
   */
  #joiner: RawWaker<unknown> | null = null;
  #joinIndex = 0;
  /** The promise of `then`, with its resolving functions, created on first use. */
  #promise: PromiseWithResolvers<T> | null = null;

  /** A task of `owner` running `future`, or driving `coroutine` when `future` is `null`. */
  constructor(future: Future<T> | null, coroutine: Coroutine<T> | null, owner: TaskOwner) {
    this.#awaiting = future;
    this.#coroutine = coroutine;
    this.#owner = owner;
  }

  /** The task is its own raw waker (`vtable` is on the prototype: no field per task). */
  get data(): Task<unknown> {
    return this as Task<unknown>;
  }

  declare readonly vtable: RawWakerVTable<Task<unknown>>;

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

  /**
   * Polls the task once with `cx`, whose waker the owner has bound to this task.
   *
   * Only what every poll needs is written here; what only failures, aborts and wakes during the
   * poll need is in methods of its own (`#threw`, `#returned`, `#afterPending`). The executor's
   * loop can then inline `run` with what it inlines (`#step`, the future's `poll`, `#settle`):
   * TurboFan (V8 13.6) charges a callee that has optimized code its bytecode plus what that code
   * inlined, times 1.2, against 920 bytecodes per function in all (it was 415 + 797).
   */
  run(cx: Context): void {
    const state = this.#state;
    if ((state & COMPLETE) !== 0) return;
    this.#state = (state & ~SCHEDULED) | RUNNING;
    let output: unknown;
    try {
      output = this.#coroutine === null ? (this.#awaiting as Future<unknown>).poll(cx) : this.#step(cx);
    } catch (error) {
      this.#threw(error);
      return;
    }
    // `typeof` first, in both tests against PENDING here: a `===` whose operands were seen of mixed
    // types (a symbol, undefined, numbers, objects) calls V8's generic StrictEqual builtin, where
    // one that only ever compares two symbols is a pointer comparison.
    if (typeof output !== "symbol" || output !== PENDING) {
      if ((this.#state & UNWINDING) === 0) this.#settle(0, output);
      else this.#settle(FAILED, this.#result); // the CancelledError it unwound for
      return;
    }
    const after = this.#state & ~RUNNING;
    this.#state = after;
    if ((after & (ABORT_REQUESTED | NOTIFIED)) !== 0) this.#afterPending(after);
  }

  /** The task's future threw `error` out of a poll: it settles with it (see `#settleCancelled`). */
  #threw(error: unknown): void {
    if ((this.#state & UNWINDING) !== 0) this.#settleCancelled(error);
    else this.#settle(FAILED, error);
  }

  /**
   * A poll that left the task pending, `state` its state after: an abort that came during the
   * poll starts unwinding, a wake that came during it queues the task again.
   */
  #afterPending(state: number): void {
    if ((state & (ABORT_REQUESTED | UNWINDING)) === ABORT_REQUESTED) {
      this.#unwind();
    } else if ((state & NOTIFIED) !== 0) {
      this.#state = (state & ~NOTIFIED) | SCHEDULED;
      this.#owner.schedule(this as Task<unknown>);
    }
  }

  /**
   * Resumes the coroutine until it waits on a pending future or returns: each `yield* f` polls `f`
   * until it is ready and resumes the generator with its output, or throws its error into it (as
   * `CoroutineFuture.poll` does). A throw out of the generator propagates: the task settles.
   */
  #step(cx: Context): unknown {
    const coroutine = this.#coroutine as Coroutine<T>;
    let awaiting = this.#awaiting;
    let input: unknown = undefined;
    let failed = false;
    for (;;) {
      if (awaiting !== null) {
        try {
          input = awaiting.poll(cx);
          if (typeof input === "symbol" && input === PENDING) return PENDING;
          failed = false;
        } catch (error) {
          // An object yielded without a `poll` method fails here, not before: checking every
          // yielded value with `isFuture` first read `poll` twice per wait, a megamorphic load each.
          input = pollFailure(awaiting, error);
          failed = true;
        }
        this.#awaiting = null;
      }
      const step = failed ? coroutine.throw(input) : coroutine.next(input);
      if (step.done === true) return step.value;
      const yielded: unknown = step.value;
      if (typeof yielded === "object" && yielded !== null) {
        awaiting = yielded as Future<unknown>;
        this.#awaiting = awaiting;
      } else {
        input = notAFuture(yielded);
        failed = true;
        awaiting = null;
      }
    }
  }

  /**
   * Makes `set` this task's joiner as its child `index`, as polling this handle with the set's
   * borrowed waker does, when the task has neither settled nor been detached; returns whether it
   * did (else the set polls the handle for its outcome). A `joinAll` over tasks just spawned
   * registers on each this way, without a poll per child.
   */
  joinInto(set: TaskCollector, index: number): boolean {
    if ((this.#state & (COMPLETE | DETACHED)) !== 0) return false;
    const joiner = this.#joiner;
    if (joiner !== null) dropRawWaker(joiner); // the usual case, a task just spawned, has none
    this.#joiner = set;
    this.#joinIndex = index;
    return true;
  }

  poll(cx: Context): Poll<T> {
    const state = this.#state;
    if ((state & (COMPLETE | DETACHED)) === 0) {
      const waker = cx.waker;
      const vtable = waker.vtable;
      if (vtable === CHILD_SET_VTABLE) {
        // A joinAll/race/TaskScope polls this handle as one of its children: keep the collector and the index.
        const set = waker.data as TaskCollector;
        dropRawWaker(this.#joiner);
        this.#joiner = set;
        this.#joinIndex = set.current;
      } else {
        this.#joiner = replaceRawWaker(this.#joiner, waker);
      }
      return PENDING;
    }
    if ((state & (JOINED | DETACHED)) !== 0) throw pollAfterEnd(state);
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
   * coroutine does with it. `cause`, when given, is its `cause` (the first abort's counts).
   */
  abort(cause?: unknown): void {
    const state = this.#state;
    if ((state & (COMPLETE | ABORT_REQUESTED)) !== 0) return;
    this.#state = state | ABORT_REQUESTED;
    // Kept in #result, unused until the task settles or unwinds, for #unwind (now, or after the
    // poll under way: #afterPending). A poll that completes meanwhile overwrites it with the outcome.
    this.#result = cause;
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
      this.#dropWork();
    } catch (error) {
      cause = error;
    }
    if (cause === undefined && (this.#state & UNWINDING) !== 0) this.#settle(FAILED, this.#result); // the error the coroutine saw
    else this.#settle(FAILED, new CancelledError("the task", cause === undefined ? undefined : { cause }));
  }

  /**
   * Drops what the task runs: the awaited future, then, for a coroutine, makes it return, which
   * runs its `finally` blocks (a block that waits has that future dropped and is left there), as
   * `CoroutineFuture`'s dispose does.
   */
  #dropWork(): void {
    const coroutine = this.#coroutine;
    for (;;) {
      const awaiting = this.#awaiting;
      this.#awaiting = null;
      // What #cancelWork or #step kept may be a yielded object that is no future: nothing to drop.
      const future = yieldedFuture(awaiting);
      if (future !== null) drop(future);
      if (coroutine === null) return;
      const step = coroutine.return(undefined as T);
      if (step.done === true) return;
      this.#awaiting = yieldedFuture(step.value);
    }
  }

  /** Starts cancelling; while UNWINDING, `#result` holds the `CancelledError` the task settles with. */
  #unwind(): void {
    this.#state |= UNWINDING;
    const cause = this.#result; // abort()'s
    const reason = new CancelledError("the task", cause === undefined ? undefined : { cause });
    this.#result = reason;
    let finished: boolean;
    try {
      finished = this.#cancelWork(reason);
    } catch (error) {
      this.#settleCancelled(error);
      return;
    }
    if (finished) this.#settle(FAILED, reason);
    else this.wake();
  }

  /**
   * Throws `reason` into the coroutine at the `yield*` where it waits (after dropping the future
   * there), or drops a spawned future; `CoroutineFuture.cancel` for a task. Returns whether the
   * work finished unwinding; `false` when a clean-up block waits on a future (polling goes on).
   * Throws the error a clean-up block threw.
   */
  #cancelWork(reason: CancelledError): boolean {
    const coroutine = this.#coroutine;
    const awaiting = this.#awaiting;
    // A future dropped here learns the abort's cause (fromPromise's signal: see there).
    if (coroutine === null) {
      if (awaiting instanceof CoroutineFuture) return awaiting.cancel(reason);
      this.#awaiting = null;
      if (awaiting !== null) dropCancelled(awaiting, reason.cause);
      return true;
    }
    this.#awaiting = null;
    if (awaiting !== null) dropCancelled(awaiting, reason.cause);
    let step: IteratorResult<Future<unknown>, T>;
    try {
      step = coroutine.throw(reason);
    } catch (error) {
      if (error === reason) return true;
      throw error;
    }
    if (step.done === true) return true;
    // Kept as #step keeps a yielded object, unchecked: polling it checks it, and one that is no
    // future, or cannot even be read (a revoked Proxy), is thrown back in there.
    const yielded: unknown = step.value;
    this.#awaiting = typeof yielded === "object" && yielded !== null ? yielded as Future<unknown> : null;
    return false;
  }

  /** Settles an unwinding task whose future threw `error`: the cancellation itself, or a clean-up's error as its cause. */
  #settleCancelled(error: unknown): void {
    this.#settle(FAILED, error === this.#result ? error : new CancelledError("the task", { cause: error }));
  }

  /**
   * Stores the outcome and tells whoever waits for it. The joinAll/race/TaskScope joiner, the
   * common case, is handled here; a waker joiner, a promise and a detached task's report in
   * `#notify` (kept out of this method so that it stays small enough to inline, see `run`).
   */
  #settle(failed: number, result: unknown): void {
    const state = (this.#state & (DETACHED | OBSERVED)) | COMPLETE | failed;
    this.#state = state;
    this.#awaiting = null;
    this.#coroutine = null;
    this.#result = result;
    this.#owner.settled(this as Task<unknown>);
    const joiner = this.#joiner;
    if (joiner !== null) {
      if (joiner.vtable !== CHILD_SET_VTABLE) return this.#notify(failed, result);
      this.#joiner = null;
      // A joinAll takes a value at once and a TaskScope any outcome (the handle counts as
      // joined); a joinAll's error, or a race, wakes the set so that its parent polls this handle.
      if ((joiner as TaskCollector).settledChild(this.#joinIndex, this, result, failed !== 0)) {
        this.#state |= JOINED | OBSERVED;
      }
    }
    if (this.#promise !== null || (state & DETACHED) !== 0) this.#notify(failed, result);
  }

  /** The rest of `#settle`: wakes a joiner's waker, settles the promise, reports a detached failure. */
  #notify(failed: number, result: unknown): void {
    const joiner = this.#joiner;
    if (joiner !== null) {
      this.#joiner = null;
      wakeRaw(joiner, false); // a joiner that throws is reported, not thrown into the settling
    }
    const promise = this.#promise; // `then` was called before the outcome existed
    if (promise !== null) {
      if (failed === 0) promise.resolve(result as T);
      else promise.reject(result);
    } else if ((this.#state & DETACHED) !== 0) {
      this.#reportIfUnobserved();
    }
  }

  /** A promise of the outcome, created on first use; independent of the polling joiner. */
  #outcome(): Promise<T> {
    let promise = this.#promise;
    if (promise !== null) return promise.promise;
    const state = this.#state;
    this.#state = state | OBSERVED;
    promise = Promise.withResolvers<T>();
    this.#promise = promise;
    if ((state & COMPLETE) !== 0) {
      if ((state & FAILED) !== 0) promise.reject(this.#result);
      else promise.resolve(this.#result as T);
    }
    return promise.promise;
  }

  #reportIfUnobserved(): void {
    const state = this.#state;
    if ((state & (OBSERVED | FAILED)) !== FAILED || caughtInstanceOf(this.#result, CancelledError)) return;
    this.#state = state | OBSERVED;
    this.#owner.unhandled(this.#result);
  }
}

Object.setPrototypeOf(Task.prototype, JoinHandle.prototype);
Object.defineProperty(Task.prototype, "vtable", { value: TASK_VTABLE });
