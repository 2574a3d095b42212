import { CancellationToken } from "./cancellation-token.ts";
import { CHILD_SET_VTABLE, type TaskCollector } from "./child-set.ts";
import { Context } from "./context.ts";
import { type Coroutine, type IntoFuture, intoFuture, isCoroutine } from "./coroutine.ts";
import { consumeBudget, refundBudget } from "./coop-budget.ts";
import { currentSpawner, type Spawner } from "./driving.ts";
import {
  CancelledError,
  caughtInstanceOf,
  checkInstance,
  checkOptions,
  completedError,
  describe,
  isInstance,
  readIterable,
  SpindleError,
  unreadableError,
} from "./errors.ts";
import { drop, Future, isFuture, renewAwait } from "./future.ts";
import { LocalExecutor } from "./local-executor.ts";
import type { JoinHandle } from "./join-handle.ts";
import { PENDING, type Pending, type Poll } from "./poll.ts";
import { RingQueue } from "./ring-queue.ts";
import { STREAM_END, type StreamEnd } from "./stream.ts";
import { spawnTask, type Task, type TaskOwner } from "./task.ts";
import { toPromise } from "./to-promise.ts";
import { type RawWaker, type RawWakerVTable, rebindWaker, Waker } from "./waker.ts";
import { dropRawWaker, replaceRawWaker, wakeRawWaker } from "./waker-slot.ts";

/**
 * What a task scope does when one of its tasks fails:
 *
 * - `"abort"` (the default, as a Trio nursery or Effect's structured fibers): the first failure
 *   aborts every other task of the scope and is re-thrown by `joinNext` (where it comes in
 *   completion order), `joinAll` or `close`, whichever reaches it first;
 * - `"collect"`: the other tasks go on; `joinNext` throws each failure in completion order, and
 *   `joinAll`/`close` throw an `AggregateError` of the failures nobody took yet.
 */
export type FailurePolicy = "abort" | "collect";

/** Options of a {@linkcode TaskScope}. */
export interface TaskScopeOptions {
  /** See {@linkcode FailurePolicy}; default `"abort"`. */
  readonly onError?: FailurePolicy;
  /**
   * Where the scope's tasks run. Default: the executor running the task that creates the scope
   * (a `LocalExecutor`, the executor of a `toPromise`, a work-stealing worker). Where there is
   * none (under `blockOn`, in plain `async` code), the scope runs its tasks itself while a future
   * of the scope (`joinNext`, `joinAll`, `close`) is polled.
   */
  readonly executor?: Spawner;
  /** A token whose cancellation aborts the scope's tasks (the scope still has to be closed). */
  readonly token?: CancellationToken;
}

/**
 * What `spawn` returns: a task of a scope is joined through the scope, but can be aborted alone,
 * and its `id` tells which task a result of `joinNextWithId` came from (tokio's `AbortHandle`).
 */
export interface AbortHandle {
  /** Cancels the task (its `finally` blocks run); `joinNext` then yields nothing for it. */
  abort(): void;
  /** Whether the task has settled. */
  readonly isFinished: boolean;
  /** The task's id (its join handle's `id`: unique on this thread, tokio's `task::Id`). */
  readonly id: number;
}

/**
 * How a task of a scope settled, with its id (what `joinNextWithId` yields; tokio's
 * `Result<(Id, T), JoinError>`): `"fulfilled"` with its value, `"rejected"` with its error, or
 * `"cancelled"` (aborted by its handle or the scope) with the {@linkcode CancelledError}.
 */
export type TaskOutcome<T> =
  | { readonly id: number; readonly status: "fulfilled"; readonly value: T }
  | { readonly id: number; readonly status: "rejected"; readonly reason: unknown }
  | { readonly id: number; readonly status: "cancelled"; readonly reason: CancelledError };

/**
 * The {@linkcode AbortHandle} of a scope's task: its join handle's `abort`, `isFinished` and `id`,
 * and nothing to await. The scope is the task's one joiner; a second would take the scope's place
 * as the task's only waiter, and one of the two would wait forever.
 */
class ScopeTaskHandle implements AbortHandle {
  readonly #task: JoinHandle<unknown>;

  constructor(task: JoinHandle<unknown>) {
    this.#task = task;
  }

  abort(): void {
    this.#task.abort();
  }

  get isFinished(): boolean {
    return this.#task.isFinished;
  }

  get id(): number {
    return this.#task.id;
  }
}

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

/** A scope compacts its slots only once it has this many (see `ScopeCollector.handles`). */
const COMPACT_FROM = 64;

const WAIT_NEXT = 0;
const WAIT_NEXT_WITH_ID = 1;
const WAIT_ALL = 2;
const WAIT_CLOSE = 3;
const WAIT_NAMES = ["scope.joinNext()", "scope.joinNextWithId()", "scope.joinAll()", "scope.close()"];

/** The scope's side of its waiting futures (assigned in the class's static block). */
let pollScope: (scope: TaskScope<unknown>, wait: ScopeWait<unknown>, cx: Context) => Poll<unknown>;
let forgetWait: (scope: TaskScope<unknown>, wait: ScopeWait<unknown>) => void;
let failedOf: (scope: TaskScope<unknown>, index: number) => void;
let changedOf: (scope: TaskScope<unknown>) => void;
let wakeChildOf: (scope: TaskScope<unknown>, slot: number) => void;

/**
 * A failed task's error in the results queue; `taken` once something threw or returned it. Told
 * from a task's value by its private field (`Failure.is`), not `instanceof`, which throws on a
 * value that is a revoked Proxy.
 */
class Failure {
  readonly #error: unknown;
  taken = false;
  constructor(error: unknown) {
    this.#error = error;
  }
  get error(): unknown {
    return this.#error;
  }
  static is(item: unknown): item is Failure {
    return typeof item === "object" && item !== null && #error in item;
  }
}

/** An aborted task's cancellation in the results queue: only `joinNextWithId` yields it. */
class Cancellation {
  readonly #reason: CancelledError;
  constructor(reason: CancelledError) {
    this.#reason = reason;
  }
  get reason(): CancelledError {
    return this.#reason;
  }
  static is(item: unknown): item is Cancellation {
    return typeof item === "object" && item !== null && #reason in item;
  }
}

/**
 * A scope's tasks and results, and the raw waker it polls their handles with (one per scope),
 * `current` naming the slot being polled. A core task keeps it and the slot in its joiner slot (see
 * {@linkcode TaskCollector}) and hands it its outcome when it settles, as `joinAll`'s children do:
 * no future wrapping each task, no waker per task, nothing allocated per task but the task. A
 * handle of another kind (a custom executor's) that clones the waker wakes the slot instead, and
 * the scope polls that handle on its next poll.
 *
 * A value is taken here, in a few indexed stores (`push` was not inlined: 5.5 % of spawning and
 * joining tasks in scopes, Node 24 callgrind), and the scope hears of it only when it is the last
 * one or a `joinNext` waits.
 */
class ScopeCollector implements TaskCollector {
  readonly scope: TaskScope<unknown>;
  current = 0;
  /**
   * The unsettled tasks' handles by slot (`null`: settled). Slots are appended, emptied all at once
   * when no task is left, and compacted when at least half are empty (a free list cost a push and
   * a pop per task for a scope that is filled, then drained).
   */
  handles: (JoinHandle<unknown> | null)[] = [];
  /** How many handles are unsettled. */
  live = 0;
  /**
   * Results in completion order, `[head, count)`: each task's value, {@linkcode Failure} or
   * {@linkcode Cancellation}, and its handle (for its id) at the same index of `resultHandles`.
   * Plain arrays, reused once drained (and compacted when half taken); `joinAll` hands over
   * `results` itself when it holds only values. New ones are made for as many results as tasks
   * are unsettled: grown from empty instead, with pushes, they cost 7 % of spawning and joining
   * tasks in scopes of 10,000 (Node 24, callgrind; a ring grown 11 times cost 6 %).
   */
  results: unknown[] = [];
  resultHandles: (JoinHandle<unknown> | undefined)[] = [];
  head = 0;
  count = 0;
  /** A `joinNext` waits: the scope hears of every result, not only of the last. */
  notify = false;

  constructor(scope: TaskScope<unknown>) {
    this.scope = scope;
  }

  get data(): TaskCollector {
    return this;
  }

  declare readonly vtable: RawWakerVTable<TaskCollector>;

  /**
   * The task in `slot` settled with `outcome` (its error when `failed`): the scope takes it
   * (`true`), unless the task is no longer the scope's (then `false`, after a wake for the slot).
   */
  settledChild(slot: number, task: Future<unknown>, outcome: unknown, failed: boolean): boolean {
    if (this.handles[slot] !== task) {
      wakeChildOf(this.scope, slot);
      return false;
    }
    this.take(slot, task as JoinHandle<unknown>, outcome, failed);
    return true;
  }

  /** Takes the outcome of the unsettled task `handle` in `slot`. */
  take(slot: number, handle: JoinHandle<unknown>, outcome: unknown, failed: boolean): void {
    this.handles[slot] = null;
    const count = this.count;
    if (count === 0 && this.results.length === 0) {
      this.results = new Array(this.live);
      this.resultHandles = new Array(this.live);
    }
    this.resultHandles[count] = handle;
    this.results[count] = outcome;
    this.count = count + 1;
    if (failed) failedOf(this.scope, count);
    if (--this.live === 0 || this.notify) changedOf(this.scope);
  }

  /** The handle in `slot` woke the scope (a clone of the waker): the scope polls it on its next poll. */
  wakeChild(slot: number): void {
    wakeChildOf(this.scope, slot);
  }
}

Object.defineProperty(ScopeCollector.prototype, "vtable", { value: CHILD_SET_VTABLE });

/**
 * A group of tasks whose lifetime the scope bounds (tokio's `JoinSet`, a Trio nursery): `spawn`
 * runs tasks concurrently, `joinNext()` yields their results in completion order, `joinAll()`
 * waits for all, and `close()` aborts those still running and completes once every one has
 * finished unwinding (their `finally` blocks ran, even those that wait). A failure aborts the
 * rest by default; see {@linkcode FailurePolicy}. After `close()`, or once a failure or the
 * `token` option aborted the scope, `spawn` throws `SCOPE_CLOSED`.
 *
 * As tokio's `JoinSet`, it also has `tryJoinNext()` (a result without waiting), task ids
 * (`handle.id`, `joinNextWithId()`, `tryJoinNextWithId()`), `detachAll()`, and spawning from an
 * iterable (`spawnAll(works)`, `TaskScope.from(works)`).
 *
 * Leave a scope by `yield* scope.close()` in a `finally` block (or use {@linkcode scoped}, which
 * does it for you), by `await scope[Symbol.asyncDispose]()` (`await using`) in `async` code, or
 * by `scope[Symbol.dispose]()` (`using`): that one aborts the tasks at once and cannot wait for
 * their clean-up, which goes on on their executor (under `blockOn` their waits are cut short, as
 * when an executor closes).
 *
 * @example
 * ```ts
 * import { type Coroutine, fromPromise, LocalExecutor, TaskScope } from "@spindle/core";
 *
 * function* fetchLength(text: string, ms: number): Coroutine<number> {
 *   yield* fromPromise(new Promise((resolve) => setTimeout(resolve, ms)));
 *   return text.length;
 * }
 * function* main(): Coroutine<number[]> {
 *   const scope = new TaskScope<number>();
 *   try {
 *     scope.spawn(fetchLength("slow", 20));
 *     scope.spawn(fetchLength("quick!", 1));
 *     const first = yield* scope.joinNext(); // completion order
 *     return [first as number, ...(yield* scope.joinAll())];
 *   } finally {
 *     yield* scope.close();
 *   }
 * }
 * const executor = new LocalExecutor();
 * const lengths = executor.spawn(main());
 * await executor.run();
 * console.log(await lengths); // [ 6, 4 ]
 * ```
 */
export class TaskScope<T = unknown> implements Disposable, AsyncDisposable {
  readonly #spawner: Spawner;
  /** Whether `#spawner` is core's own (an executor's `spawnTask`), which rejects what is not a future. */
  readonly #spawnerChecks: boolean;
  /** The scope's own runner when no executor was there to spawn on. */
  readonly #inline: InlineRunner | null;
  readonly #policy: FailurePolicy;
  /** The scope's tasks and results, and the waker their handles are polled with (its `cx`). */
  readonly #tasks: ScopeCollector = new ScopeCollector(this as TaskScope<unknown>);
  readonly #cx: Context = new Context(Waker.fromRaw(this.#tasks));
  /** Slots whose (non-core) handles woke the scope, to poll on its next poll. */
  #woken: number[] = [];
  /** How many of the waiting results are failures or cancellations (not values). */
  #irregular = 0;
  readonly #failures: Failure[] = [];
  #state = OPEN;
  /** The scope aborted its tasks (close, a failure, the token): later cancellations are expected. */
  #aborted = false;
  readonly #parentToken: CancellationToken | null = null;
  #parentRegistration: Disposable | null = null;
  #token: CancellationToken | null = null;
  readonly #waiters = new Set<ScopeWait<unknown>>();

  /** Creates an open scope; see {@linkcode TaskScopeOptions}. */
  constructor(options?: TaskScopeOptions) {
    const { policy, executor, token } = checkScopeOptions(options, "new TaskScope()");
    this.#policy = policy;
    const spawner = executor ?? currentSpawner();
    this.#inline = spawner === null ? new InlineRunner(() => this.#wakeWaiters()) : null;
    this.#spawner = spawner ?? (this.#inline as InlineRunner);
    this.#spawnerChecks = executor === undefined ||
      isInstance(executor, LocalExecutor, "executor must have a spawn() method");
    if (token !== undefined) {
      this.#parentToken = token;
      this.#parentRegistration = token.onCancel(() => this.#abortAll());
    }
  }

  /**
   * A new scope (see {@linkcode TaskScopeOptions}) with every work of `works` spawned into it, in
   * order (tokio's `JoinSet: FromIterator`); see {@linkcode TaskScope.spawnAll}.
   *
   * @example
   * ```ts
   * import { blockOn, ready, TaskScope } from "@spindle/core";
   *
   * const scope = TaskScope.from([1, 2, 3].map((n) => ready(n * 10)));
   * console.log(blockOn(scope.joinAll())); // [ 10, 20, 30 ]
   * ```
   */
  static from<T>(works: Iterable<IntoFuture<T>>, options?: TaskScopeOptions): TaskScope<T> {
    const scope = new TaskScope<T>(options);
    scope.spawnAll(works);
    return scope;
  }

  /** How many of the scope's tasks have not settled (nor been detached). */
  get size(): number {
    return this.#tasks.live;
  }

  /** Whether the scope was closed (`close()` or a dispose) and all its tasks have settled. */
  get isClosed(): boolean {
    return this.#state === CLOSED;
  }

  /**
   * A token cancelled when the scope aborts its tasks (on close, on a failure under the `"abort"`
   * policy, or when the `token` option is cancelled): hand it, or its `signal`, to work that
   * should stop with the scope. A child of the `token` option when one was given.
   */
  get token(): CancellationToken {
    let token = this.#token;
    if (token === null) {
      token = this.#token = this.#parentToken?.child() ?? new CancellationToken();
      if (this.#aborted) token.cancel(new CancelledError("the task scope"));
    }
    return token;
  }

  /**
   * Spawns `work` (a future or coroutine) as a task of the scope and returns a handle that can
   * abort it and that tells its `id`; its result comes out of `joinNext`/`joinAll`. Throws
   * `SCOPE_CLOSED` once the scope was closed or aborted, and `NOT_A_FUTURE` for anything but a
   * future or coroutine.
   */
  spawn(work: IntoFuture<T>): AbortHandle {
    if (this.#state !== OPEN || this.#aborted) this.#checkOpen("spawn()");
    if (!this.#spawnerChecks && !isFuture(work) && !isCoroutine(work)) {
      throw new SpindleError("NOT_A_FUTURE", `TaskScope.spawn() needs a future or a generator, got ${describe(work)}`);
    }
    return this.#start(this.#spawner.spawn(work));
  }

  /**
   * Spawns every work (future or coroutine) of `works`, in order, and returns their handles
   * (tokio's `JoinSet: Extend`). All or nothing: a `works` that is not iterable is
   * `INVALID_ARGUMENT`, and one item that is not a future or coroutine is `NOT_A_FUTURE` naming it
   * and its index, before any is spawned (the futures taken from `works` are then dropped).
   *
   * @example
   * ```ts
   * import { blockOn, ready, TaskScope } from "@spindle/core";
   *
   * const scope = new TaskScope<string>();
   * const handles = scope.spawnAll(["a", "b"].map((s) => ready(s)));
   * console.log(handles.length, blockOn(scope.joinAll())); // 2 [ 'a', 'b' ]
   * ```
   */
  spawnAll(works: Iterable<IntoFuture<T>>): AbortHandle[] {
    const all = readIterable(works, "TaskScope.spawnAll() needs an iterable");
    this.#checkOpen("spawnAll()");
    const bad = all.findIndex((work) => !isFuture(work) && !isCoroutine(work));
    if (bad >= 0) {
      for (const work of all) {
        if (isFuture(work)) drop(work);
        else if (isCoroutine(work)) work.return(undefined as T);
      }
      throw new SpindleError(
        "NOT_A_FUTURE",
        `TaskScope.spawnAll() needs futures or generators, got ${describe(all[bad])} at index ${bad}`,
      );
    }
    const handles: AbortHandle[] = new Array(all.length);
    for (let i = 0; i < all.length; i++) handles[i] = this.#start(this.#spawner.spawn(all[i] as IntoFuture<T>));
    return handles;
  }

  /**
   * Adds a task or job that was spawned elsewhere (a work-stealing child job from `jobs.spawn`, a
   * task of another executor): the scope joins it from now on, and aborts it (waiting until it
   * has settled) when the scope is closed or aborted. Adopting into a closed scope aborts the
   * handle and throws `SCOPE_CLOSED`. The handle it returns is the scope's task that joins
   * `handle`: its `id` is the one `joinNextWithId` reports.
   */
  adopt(handle: JoinHandle<T>): AbortHandle {
    if (!isFuture(handle) || typeof (handle as Partial<JoinHandle<T>>).abort !== "function") {
      throw new SpindleError("INVALID_ARGUMENT", `TaskScope.adopt() needs a join handle, got ${describe(handle)}`);
    }
    if (this.#state !== OPEN || this.#aborted) handle.abort();
    this.#checkOpen("adopt()");
    return this.#start(this.#spawner.spawn(joinAborting(handle)));
  }

  /**
   * The next result in completion order: a task's output, or (throws) its error; or
   * {@linkcode STREAM_END} when no task is left (spawning more later makes more results). Tasks
   * that were aborted yield nothing (use `joinNextWithId` to see them).
   */
  joinNext(): Future<T | StreamEnd> {
    return new ScopeWait(this as TaskScope<unknown>, WAIT_NEXT) as Future<T | StreamEnd>;
  }

  /**
   * The next task to settle, in completion order, with its id: a {@linkcode TaskOutcome} for every
   * task, aborted ones included (`"cancelled"`), and failures returned as `"rejected"`, not thrown
   * (tokio's `join_next_with_id`); or {@linkcode STREAM_END} when no task is left.
   *
   * @example
   * ```ts
   * import { blockOn, ready, STREAM_END, TaskScope } from "@spindle/core";
   *
   * const scope = new TaskScope<string>();
   * const handle = scope.spawn(ready("done"));
   * const outcome = blockOn(scope.joinNextWithId());
   * if (outcome !== STREAM_END && outcome.status === "fulfilled") {
   *   console.log(outcome.id === handle.id, outcome.value); // true done
   * }
   * ```
   */
  joinNextWithId(): Future<TaskOutcome<T> | StreamEnd> {
    return new ScopeWait(this as TaskScope<unknown>, WAIT_NEXT_WITH_ID) as Future<TaskOutcome<T> | StreamEnd>;
  }

  /**
   * The next result that is there now, without waiting (tokio's `try_join_next`): a task's
   * output, or (throws) its error; {@linkcode PENDING} while tasks are running but none has a
   * result waiting; {@linkcode STREAM_END} when no task is left. It does not run tasks: in a scope
   * that runs its tasks itself (no executor), they run while its futures are polled.
   *
   * @example
   * ```ts
   * import { blockOn, pending, PENDING, ready, TaskScope } from "@spindle/core";
   *
   * const scope = new TaskScope<number>();
   * scope.spawn(ready(1));
   * scope.spawn(pending());
   * console.log(scope.tryJoinNext() === PENDING); // true (no task ran yet)
   * console.log(blockOn(scope.joinNext()), scope.tryJoinNext() === PENDING); // 1 true
   * scope[Symbol.dispose]();
   * ```
   */
  tryJoinNext(): T | StreamEnd | Pending {
    return this.#tryNext(false) as T | StreamEnd | Pending;
  }

  /**
   * `tryJoinNext` with the task's id (tokio's `try_join_next_with_id`): a {@linkcode TaskOutcome}
   * of a task that settled, aborted ones included; {@linkcode PENDING} when none is waiting while
   * tasks run; {@linkcode STREAM_END} when no task is left.
   */
  tryJoinNextWithId(): TaskOutcome<T> | StreamEnd | Pending {
    return this.#tryNext(true) as TaskOutcome<T> | StreamEnd | Pending;
  }

  /**
   * Waits until every task has settled and returns the outputs nobody took yet, in completion
   * order; throws per the {@linkcode FailurePolicy} instead when a task failed.
   */
  joinAll(): Future<T[]> {
    return new ScopeWait(this as TaskScope<unknown>, WAIT_ALL) as Future<T[]>;
  }

  /**
   * Lets every unsettled task run on without the scope (tokio's `detach_all`): they are no longer
   * joined, counted in `size`, nor aborted on close, and a failure of one goes to its executor's
   * unhandled-error path, as a detached task's does. Results that are already in stay for
   * `joinNext`. Tasks of a scope that runs them itself (no executor) still run only while its
   * futures are polled.
   *
   * @example
   * ```ts
   * import { LocalExecutor, TaskScope, yieldNow } from "@spindle/core";
   *
   * const executor = new LocalExecutor();
   * const scope = new TaskScope({ executor });
   * let ran = false;
   * scope.spawn(function* () {
   *   yield* yieldNow();
   *   ran = true;
   * }());
   * scope.detachAll();
   * console.log(scope.size); // 0
   * await scope[Symbol.asyncDispose](); // does not abort the detached task
   * await executor.run();
   * console.log(ran); // true
   * ```
   */
  detachAll(): void {
    const tasks = this.#tasks;
    const handles = tasks.handles;
    tasks.handles = [];
    this.#woken = [];
    tasks.live = 0;
    for (const handle of handles) handle?.detach();
    if (this.#state === CLOSING) this.#finish();
    this.#wakeWaiters();
  }

  /**
   * Closes the scope when first polled: no task can be spawned any more, every task still running
   * is aborted, and the future completes once all have settled (each `finally` block ran). Then
   * it throws the failure nobody took (see {@linkcode FailurePolicy}); results not taken are
   * dropped. Closing a closed scope completes at once.
   */
  close(): Future<void> {
    return new ScopeWait(this as TaskScope<unknown>, WAIT_CLOSE) as Future<void>;
  }

  /** `close()` from `async` code (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return toPromise(this.close());
  }

  /**
   * Aborts the tasks still running, at once, without waiting for their clean-up (`using`): on an
   * executor their `finally` blocks go on there; in a scope that runs its tasks itself they are
   * dropped (their waits cut short). Failures nobody took are not reported: prefer `close()`.
   */
  [Symbol.dispose](): void {
    if (this.#state !== OPEN) return;
    this.#state = CLOSING;
    this.#abortAll();
    if (this.#inline !== null) {
      const handles = this.#tasks.handles;
      for (let slot = 0; slot < handles.length; slot++) (handles[slot] as Task<unknown> | null)?.cancelNow();
    }
    if (this.#tasks.live === 0) this.#finish();
  }

  #checkOpen(operation: string): void {
    if (this.#state !== OPEN || this.#aborted) {
      throw new SpindleError(
        "SCOPE_CLOSED",
        `${operation} on a TaskScope that was ${this.#state !== OPEN ? "closed" : "aborted"}`,
      );
    }
  }

  /** Adds the task of `handle` and registers the scope in the task's joiner slot (one poll). */
  #start(handle: JoinHandle<unknown>): AbortHandle {
    const tasks = this.#tasks;
    const handles = tasks.handles;
    const slot = handles.length;
    if (slot >= COMPACT_FROM && tasks.live * 2 <= slot) return this.#compactThenStart(handle);
    handles[slot] = handle;
    tasks.live++;
    this.#pollSlot(slot, handle);
    return new ScopeTaskHandle(handle);
  }

  /**
   * Moves the unsettled tasks to the first slots, polling each again to register its new slot, then
   * starts `handle`: amortised over the appends since the last compaction (at least as many as
   * tasks moved). Handles that woke the scope under their old slot are polled anyway.
   */
  #compactThenStart(handle: JoinHandle<unknown>): AbortHandle {
    const tasks = this.#tasks;
    const moved: JoinHandle<unknown>[] = [];
    for (const live of tasks.handles) if (live !== null) moved.push(live);
    tasks.handles = [...moved, handle];
    tasks.live = moved.length + 1;
    for (let slot = 0; slot <= moved.length; slot++) {
      const current = tasks.handles[slot];
      if (current !== null && current !== undefined) this.#pollSlot(slot, current);
    }
    return new ScopeTaskHandle(handle);
  }

  /** Polls the handle in `slot` with the scope as its waker: registers it, or takes the outcome. */
  #pollSlot(slot: number, handle: JoinHandle<unknown>): void {
    const tasks = this.#tasks;
    tasks.current = slot;
    let output: unknown;
    try {
      output = handle.poll(this.#cx);
    } catch (error) {
      if (tasks.handles[slot] === handle) tasks.take(slot, handle, error, true);
      return;
    }
    if (output !== PENDING && tasks.handles[slot] === handle) tasks.take(slot, handle, output, false);
  }

  /** See {@linkcode ScopeCollector.wakeChild}. */
  #wakeChild(slot: number): void {
    this.#woken.push(slot);
    this.#wakeWaiters();
  }

  /**
   * The result at `index` is the error of a task that failed (it still counts in `live`): makes
   * it a {@linkcode Cancellation} or a {@linkcode Failure}, which under the `"abort"` policy aborts
   * the other tasks (their cancellations come after it).
   */
  #failed(index: number): void {
    const results = this.#tasks.results;
    const error = results[index];
    this.#irregular++;
    // A CancelledError with a cause is a task whose clean-up threw while it was aborted: that
    // counts as a failure (structured concurrency guide), not as a cancellation.
    if (caughtInstanceOf(error, CancelledError) && error.cause === undefined) {
      results[index] = new Cancellation(error);
      return;
    }
    const failure = new Failure(error);
    results[index] = failure;
    this.#failures.push(failure);
    if (this.#policy === "abort") this.#abortAll();
  }

  /** A task's outcome was taken, and it was the last one or a `joinNext` waits. */
  #changed(): void {
    const tasks = this.#tasks;
    if (tasks.live === 0) {
      tasks.handles.length = 0;
      if (this.#state === CLOSING) this.#finish();
    }
    this.#wakeWaiters();
  }

  #abortAll(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#token?.cancel(new CancelledError("the task scope"));
    const handles = this.#tasks.handles;
    for (let slot = 0; slot < handles.length; slot++) handles[slot]?.abort();
  }

  #finish(): void {
    this.#state = CLOSED;
    this.#dropResults();
    this.#token?.[Symbol.dispose]();
    this.#parentRegistration?.[Symbol.dispose]();
    this.#parentRegistration = null;
  }

  #wakeWaiters(): void {
    this.#tasks.notify = false;
    if (this.#waiters.size === 0) return;
    for (const waiter of this.#waiters) waiter.wake();
    this.#waiters.clear();
  }

  /** Polls the handles that woke their entries (tasks of another kind than core's). */
  #pollWoken(): void {
    const woken = this.#woken;
    if (woken.length === 0) return;
    this.#woken = [];
    for (const slot of woken) {
      const handle = this.#tasks.handles[slot];
      if (handle !== null && handle !== undefined) this.#pollSlot(slot, handle);
    }
  }

  /**
   * Takes the next result: with `withId`, any outcome as a {@linkcode TaskOutcome}; otherwise
   * the next value (a failure is thrown; cancellations are skipped). `PENDING` when none is there
   * (or `cx` has no budget left for one), `STREAM_END` when no task is left either.
   */
  #takeNext(withId: boolean, cx: Context | null): unknown {
    const tasks = this.#tasks;
    while (tasks.head < tasks.count) {
      // A result ready at once takes a unit of the budget, as a finished join handle does
      // (tokio's JoinSet::join_next is budgeted): a loop over a scope of finished tasks
      // returns to the executor every 128 results.
      if (cx !== null && !consumeBudget(cx)) return PENDING;
      const handle = tasks.resultHandles[tasks.head] as JoinHandle<unknown>;
      const item = this.#shiftResult();
      if (Cancellation.is(item)) {
        this.#irregular--;
        if (withId) return { id: handle.id, status: "cancelled", reason: item.reason };
        if (cx !== null) refundBudget();
        continue;
      }
      if (Failure.is(item)) {
        this.#irregular--;
        item.taken = true;
        if (withId) return { id: handle.id, status: "rejected", reason: item.error };
        throw item.error;
      }
      return withId ? { id: handle.id, status: "fulfilled", value: item } : item;
    }
    return tasks.live === 0 ? STREAM_END : PENDING;
  }

  /** Whether results wait to be taken. */
  #hasResults(): boolean {
    return this.#tasks.head < this.#tasks.count;
  }

  /**
   * Takes the first waiting result (there is one); the arrays start over once drained, and are
   * compacted once half is taken.
   */
  #shiftResult(): unknown {
    const tasks = this.#tasks;
    const results = tasks.results;
    const head = tasks.head;
    const item = results[head];
    results[head] = undefined;
    tasks.resultHandles[head] = undefined;
    const next = head + 1;
    const count = tasks.count;
    if (next === count) {
      tasks.head = tasks.count = 0;
    } else if (next >= 1024 && next * 2 >= count) {
      results.copyWithin(0, next, count);
      results.length = count - next;
      const ids = tasks.resultHandles;
      ids.copyWithin(0, next, count);
      ids.length = count - next;
      tasks.head = 0;
      tasks.count = count - next;
    } else {
      tasks.head = next;
    }
    return item;
  }

  /** Forgets every waiting result. */
  #dropResults(): void {
    const tasks = this.#tasks;
    tasks.results = [];
    tasks.resultHandles = [];
    tasks.head = tasks.count = 0;
    this.#irregular = 0;
  }

  /** Takes every waiting value, in completion order (failures and cancellations are left out). */
  #takeValues(): unknown[] {
    const tasks = this.#tasks;
    let values = tasks.results;
    if (tasks.head !== 0 || this.#irregular !== 0) {
      values = values.slice(tasks.head, tasks.count).filter((item) => !(Failure.is(item) || Cancellation.is(item)));
    } else if (values.length !== tasks.count) {
      values.length = tasks.count; // made for more results than came
    }
    this.#dropResults();
    return values;
  }

  #tryNext(withId: boolean): unknown {
    this.#pollWoken();
    return this.#takeNext(withId, null);
  }

  /** The failure to throw once all tasks settled, per the policy, or `null`. */
  #untakenFailure(): { readonly error: unknown } | null {
    const untaken = this.#failures.filter((failure) => !failure.taken);
    this.#failures.length = 0;
    if (untaken.length === 0) return null;
    for (const failure of untaken) failure.taken = true;
    if (this.#policy === "abort") return { error: (untaken[0] as Failure).error };
    return {
      error: new AggregateError(
        untaken.map((failure) => failure.error),
        `${untaken.length} task${untaken.length === 1 ? "" : "s"} of the scope failed`,
      ),
    };
  }

  static {
    pollScope = (scope, wait, cx) => {
      const inline = scope.#inline;
      if (inline !== null) inline.runReady(cx);
      scope.#pollWoken();
      switch (wait.mode) {
        case WAIT_NEXT:
        case WAIT_NEXT_WITH_ID: {
          const next = scope.#takeNext(wait.mode === WAIT_NEXT_WITH_ID, cx);
          if (next !== PENDING || scope.#hasResults()) return next; // PENDING for want of budget: woken already
          scope.#tasks.notify = true;
          break;
        }
        case WAIT_ALL: {
          if (scope.#tasks.live > 0) break;
          const failure = scope.#untakenFailure();
          const values = scope.#takeValues();
          if (failure !== null) throw failure.error;
          return values;
        }
        default: {
          if (scope.#state === OPEN) {
            scope.#state = CLOSING;
            scope.#abortAll();
          }
          if (scope.#tasks.live > 0) break;
          if (scope.#state === CLOSING) scope.#finish();
          const failure = scope.#untakenFailure();
          if (failure !== null) throw failure.error;
          return undefined;
        }
      }
      wait.register(cx);
      scope.#waiters.add(wait);
      return PENDING;
    };
    forgetWait = (scope, wait) => scope.#waiters.delete(wait);
    failedOf = (scope, index) => scope.#failed(index);
    changedOf = (scope) => scope.#changed();
    wakeChildOf = (scope, slot) => scope.#wakeChild(slot);
  }
}

/** A future of `joinNext`, `joinAll` or `close`. */
class ScopeWait<R> extends Future<R> {
  readonly #scope: TaskScope<unknown>;
  readonly mode: number;
  #waker: RawWaker<unknown> | null = null;
  #done = false;

  constructor(scope: TaskScope<unknown>, mode: number) {
    super();
    this.#scope = scope;
    this.mode = mode;
  }

  poll(cx: Context): Poll<R> {
    if (this.#done) throw completedError(WAIT_NAMES[this.mode] as string);
    let output: Poll<unknown>;
    try {
      output = pollScope(this.#scope, this as ScopeWait<unknown>, cx);
    } catch (error) {
      this[Symbol.dispose]();
      throw error;
    }
    if (output !== PENDING) this[Symbol.dispose]();
    return output as Poll<R>;
  }

  register(cx: Context): void {
    this.#waker = replaceRawWaker(this.#waker, cx.waker);
  }

  wake(): void {
    this.#waker = wakeRawWaker(this.#waker);
  }

  override [Symbol.dispose](): void {
    this.#done = true;
    forgetWait(this.#scope, this as ScopeWait<unknown>);
    this.#waker = dropRawWaker(this.#waker);
  }
}

/**
 * Runs a scope's tasks when no executor was there to take them: a task woken is queued here and
 * the scope's waiting futures are woken, and whichever of them is polled next runs the queue.
 */
class InlineRunner implements Spawner, TaskOwner {
  readonly #queue = new RingQueue<Task<unknown>>();
  readonly #notify: () => void;

  constructor(notify: () => void) {
    this.#notify = notify;
  }

  spawn<R>(work: IntoFuture<R>): JoinHandle<R> {
    const task = spawnTask(work, this);
    task.wake();
    return task;
  }

  schedule(task: Task<unknown>): void {
    this.#queue.push(task);
    this.#notify();
  }

  settled(): void {}

  /** A scope's tasks never fail (they report to the scope), and nobody detaches them. */
  unhandled(error: unknown): void {
    queueMicrotask(() => {
      throw error;
    });
  }

  /**
   * Polls the tasks queued when called (not those they wake meanwhile, so a task that keeps waking
   * itself cannot hold the caller); wakes the caller again when some are left.
   */
  runReady(caller: Context): void {
    const queue = this.#queue;
    let count = queue.length;
    if (count === 0) return;
    // A new context per call, not one kept by the runner: rebinding its waker stores the (young)
    // task into it, a write-barrier call per poll into a long-lived waker on V8, none into a young
    // one (as `LocalExecutor` does per batch); likewise a new `Await` for what a `yield*` stores.
    const cx = new Context(Waker.noop());
    renewAwait();
    for (; count > 0; count--) {
      const task = queue.shift() as Task<unknown>;
      rebindWaker(cx.waker, task);
      task.run(cx);
    }
    if (queue.length > 0) caller.waker.wakeByRef();
  }
}

/** A future of `handle` that aborts it when dropped before it settled. */
class AbortOnDrop<T> extends Future<T> {
  readonly #handle: JoinHandle<T>;
  aborted = false;

  constructor(handle: JoinHandle<T>) {
    super();
    this.#handle = handle;
  }

  poll(cx: Context): Poll<T> {
    return this.#handle.poll(cx);
  }

  override [Symbol.dispose](): void {
    if (this.#handle.isFinished) return;
    this.aborted = true;
    this.#handle.abort();
  }
}

/** Waits until `handle` has settled, whatever its outcome; dropping it detaches the handle. */
class Settled extends Future<void> {
  readonly #handle: JoinHandle<unknown>;

  constructor(handle: JoinHandle<unknown>) {
    super();
    this.#handle = handle;
  }

  poll(cx: Context): Poll<void> {
    try {
      if (this.#handle.poll(cx) === PENDING) return PENDING;
    } catch {
      // Its outcome is the abort the scope asked for (or a failure racing with it): settled.
    }
  }

  override [Symbol.dispose](): void {
    this.#handle.detach();
  }
}

/** Joins an adopted handle; cancelled, aborts it and waits until it has settled. */
function* joinAborting<T>(handle: JoinHandle<T>): Coroutine<T> {
  const join = new AbortOnDrop(handle);
  try {
    return yield* join;
  } finally {
    if (join.aborted) yield* new Settled(handle);
  }
}

/**
 * Runs `body` with a new {@linkcode TaskScope} and closes the scope when `body` ends, however it
 * ends (returns, throws, or is cancelled): the tasks still running are aborted and waited for.
 * Returns what `body` returned; throws what `body` threw, else the scope's failure (see
 * {@linkcode FailurePolicy}). Tasks that should finish first are joined in `body`
 * (`yield* scope.joinAll()`).
 *
 * @example
 * ```ts
 * import { blockOn, type Coroutine, pending, ready, scoped, type TaskScope } from "@spindle/core";
 *
 * function* body(scope: TaskScope<number>): Coroutine<number> {
 *   scope.spawn(pending()); // aborted when the body returns
 *   scope.spawn(ready(41));
 *   return (yield* scope.joinNext()) as number + 1;
 * }
 * console.log(blockOn(scoped(body))); // 42
 * ```
 */
export function scoped<R, T = unknown>(
  body: (scope: TaskScope<T>) => IntoFuture<R>,
  options?: TaskScopeOptions,
): Coroutine<R> {
  // Checked at the call, not at the coroutine's first step (a generator function's body runs then);
  // the scope itself is made at that step, on the executor that runs it.
  if (typeof body !== "function") {
    throw new SpindleError("INVALID_ARGUMENT", `scoped() needs a function of the scope, got ${describe(body)}`);
  }
  checkScopeOptions(options, "scoped()");
  return runScoped(body, options);
}

function* runScoped<R, T>(
  body: (scope: TaskScope<T>) => IntoFuture<R>,
  options: TaskScopeOptions | undefined,
): Coroutine<R> {
  const scope = new TaskScope<T>(options);
  let result: R;
  let ended = false;
  try {
    const work = body(scope);
    // A coroutine body is delegated to, not wrapped in a future: an abort then throws its
    // CancelledError into the body at its own `yield*`, so the body's `finally` blocks may wait, as
    // every nested `yield*` of a task's may (a wrapped body would be dropped: no waits).
    result = isCoroutine(work) ? yield* work : yield* intoFuture(work);
    ended = true;
  } catch (error) {
    ended = true;
    try {
      yield* scope.close();
    } catch (failure) {
      // A cancelled body (the task aborted, or the body stopped by the scope's own token) hides
      // nothing: the scope's failure is the error to report, as a clean-up that throws while its
      // task is aborted is. Otherwise the body's error is the one to report; the scope's failure,
      // if any, was its cause or came after.
      if (caughtInstanceOf(error, CancelledError)) throw failure;
    }
    throw error;
  } finally {
    // Dropped (a race's loser, a timed-out or abandoned future): no `catch` runs and nothing after
    // this block will, and a dropped coroutine cannot wait, so the tasks are aborted at once
    // (their own `finally` blocks go on on their executor), as `[Symbol.dispose]` does.
    if (!ended) scope[Symbol.dispose]();
  }
  yield* scope.close();
  return result;
}

/** A scope's options checked (`INVALID_ARGUMENT` naming the bad one), `onError` defaulted. */
function checkScopeOptions(
  options: TaskScopeOptions | undefined,
  what: string,
): { policy: FailurePolicy; executor: Spawner | undefined; token: CancellationToken | undefined } {
  const checked = checkOptions(options, what, ["onError", "executor", "token"]);
  const policy: unknown = checked.onError === undefined ? "abort" : checked.onError;
  if (policy !== "abort" && policy !== "collect") {
    throw new SpindleError("INVALID_ARGUMENT", `onError must be "abort" or "collect", got ${describe(policy)}`);
  }
  const executor: unknown = checked.executor;
  if (executor !== undefined && !isSpawner(executor)) {
    throw new SpindleError("INVALID_ARGUMENT", `executor must have a spawn() method, got ${describe(executor)}`);
  }
  const token: unknown = checked.token;
  return {
    policy,
    executor: executor as Spawner | undefined,
    token: token === undefined
      ? undefined
      : checkInstance(token, CancellationToken, "token must be a CancellationToken"),
  };
}

/** Whether `executor` has a `spawn` method; a value that throws when read is `INVALID_ARGUMENT`. */
function isSpawner(executor: unknown): executor is Spawner {
  try {
    return typeof (executor as Partial<Spawner> | null)?.spawn === "function";
  } catch (cause) {
    throw unreadableError(executor, "executor must have a spawn() method", cause);
  }
}
