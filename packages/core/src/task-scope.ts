import { CancellationToken } from "./cancellation-token.ts";
import { Context } from "./context.ts";
import { type Coroutine, CoroutineFuture, type IntoFuture, intoFuture, isCoroutine } from "./coroutine.ts";
import { consumeBudget } from "./coop-budget.ts";
import { currentSpawner, type Spawner } from "./driving.ts";
import { CancelledError, completedError, describe, SpindleError } from "./errors.ts";
import { drop, Future, isFuture } from "./future.ts";
import type { JoinHandle } from "./join-handle.ts";
import { PENDING, type Poll } from "./poll.ts";
import { RingQueue } from "./ring-queue.ts";
import { STREAM_END, type StreamEnd } from "./stream.ts";
import { spawnTask, type Task, type TaskOwner } from "./task.ts";
import { toPromise } from "./to-promise.ts";
import { type RawWaker, rebindWaker, Waker } from "./waker.ts";
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

/** What `spawn` returns: a task of a scope is joined through the scope, but can be aborted alone. */
export interface AbortHandle {
  /** Cancels the task (its `finally` blocks run); an aborted task yields no result. */
  abort(): void;
  /** Whether the task has settled. */
  readonly isFinished: boolean;
}

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

const WAIT_NEXT = 0;
const WAIT_ALL = 1;
const WAIT_CLOSE = 2;

/** The scope's side of its waiting futures (assigned in the class's static block). */
let pollScope: (scope: TaskScope<unknown>, wait: ScopeWait<unknown>, cx: Context) => Poll<unknown>;
let forgetWait: (scope: TaskScope<unknown>, wait: ScopeWait<unknown>) => void;
/** A task of the scope reports how it settled: its output, its error (`failed`), or `CANCELLED`. */
let reportTo: (scope: TaskScope<unknown>, slot: number, outcome: unknown, failed: boolean) => void;

/** What a task of the scope reports when it was dropped before it settled. */
const CANCELLED: unique symbol = Symbol("cancelled");

/** A failed task's error in the results queue; `taken` once something threw it. */
class Failure {
  readonly error: unknown;
  taken = false;
  constructor(error: unknown) {
    this.error = error;
  }
}

/**
 * A group of tasks whose lifetime the scope bounds (tokio's `JoinSet`, a Trio nursery): `spawn`
 * runs tasks concurrently, `joinNext()` yields their results in completion order, `joinAll()`
 * waits for all, and `close()` aborts those still running and completes once every one has
 * finished unwinding (their `finally` blocks ran, even those that wait). A failure aborts the
 * rest by default; see {@linkcode FailurePolicy}. After `close()`, or once a failure or the
 * `token` option aborted the scope, `spawn` throws `SCOPE_CLOSED`.
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
  /** The scope's own runner when no executor was there to spawn on. */
  readonly #inline: InlineRunner | null;
  readonly #policy: FailurePolicy;
  /** The live tasks' handles by slot (`null`: free); a task reports its slot when it settles. */
  readonly #handles: (JoinHandle<void> | null)[] = [];
  readonly #freeSlots: number[] = [];
  #live = 0;
  /** Results in completion order: values, and {@linkcode Failure}s. */
  readonly #results = new RingQueue<unknown>();
  readonly #failures: Failure[] = [];
  #state = OPEN;
  /** The scope aborted its tasks (close, a failure, the token): later cancellations are expected. */
  #aborted = false;
  readonly #parentToken: CancellationToken | null;
  #parentRegistration: Disposable | null = null;
  #token: CancellationToken | null = null;
  readonly #waiters = new Set<ScopeWait<unknown>>();

  /** Creates an open scope; see {@linkcode TaskScopeOptions}. */
  constructor(options: TaskScopeOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new SpindleError("INVALID_ARGUMENT", `TaskScope options must be an object, got ${describe(options)}`);
    }
    const policy = options.onError ?? "abort";
    if (policy !== "abort" && policy !== "collect") {
      throw new SpindleError("INVALID_ARGUMENT", `onError must be "abort" or "collect", got ${describe(policy)}`);
    }
    this.#policy = policy;
    const executor: unknown = options.executor;
    if (executor !== undefined && typeof (executor as Partial<Spawner> | null)?.spawn !== "function") {
      throw new SpindleError("INVALID_ARGUMENT", `executor must have a spawn() method, got ${describe(executor)}`);
    }
    const spawner = (executor as Spawner | undefined) ?? currentSpawner();
    this.#inline = spawner === null ? new InlineRunner(() => this.#wakeWaiters()) : null;
    this.#spawner = spawner ?? (this.#inline as InlineRunner);
    const token: unknown = options.token;
    if (token !== undefined && !(token instanceof CancellationToken)) {
      throw new SpindleError("INVALID_ARGUMENT", `token must be a CancellationToken, got ${describe(token)}`);
    }
    this.#parentToken = token ?? null;
    if (token !== undefined) this.#parentRegistration = token.onCancel(() => this.#abortAll());
  }

  /** How many of the scope's tasks have not settled. */
  get size(): number {
    return this.#live;
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
   * abort it; its result comes out of `joinNext`/`joinAll`. Throws `SCOPE_CLOSED` once the scope
   * was closed or aborted, and `NOT_A_FUTURE` for anything but a future or coroutine.
   */
  spawn(work: IntoFuture<T>): AbortHandle {
    this.#checkOpen("spawn()");
    if (!isFuture(work) && !isCoroutine(work)) {
      throw new SpindleError("NOT_A_FUTURE", `TaskScope.spawn() needs a future or a generator, got ${describe(work)}`);
    }
    return this.#start(work);
  }

  /**
   * Adds a task or job that was spawned elsewhere (a work-stealing child job from `jobs.spawn`, a
   * task of another executor): the scope joins it from now on, and aborts it (waiting until it
   * has settled) when the scope is closed or aborted. Adopting into a closed scope aborts the
   * handle and throws `SCOPE_CLOSED`.
   */
  adopt(handle: JoinHandle<T>): AbortHandle {
    if (!isFuture(handle) || typeof (handle as Partial<JoinHandle<T>>).abort !== "function") {
      throw new SpindleError("INVALID_ARGUMENT", `TaskScope.adopt() needs a join handle, got ${describe(handle)}`);
    }
    if (this.#state !== OPEN || this.#aborted) handle.abort();
    this.#checkOpen("adopt()");
    return this.#start(joinAborting(handle));
  }

  /**
   * The next result in completion order: a task's output, or (throws) its error; or
   * {@linkcode STREAM_END} when no task is left (spawning more later makes more results). Tasks
   * that were aborted yield nothing.
   */
  joinNext(): Future<T | StreamEnd> {
    return new ScopeWait(this as TaskScope<unknown>, WAIT_NEXT) as Future<T | StreamEnd>;
  }

  /**
   * Waits until every task has settled and returns the outputs nobody took yet, in completion
   * order; throws per the {@linkcode FailurePolicy} instead when a task failed.
   */
  joinAll(): Future<T[]> {
    return new ScopeWait(this as TaskScope<unknown>, WAIT_ALL) as Future<T[]>;
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
    const inline = this.#inline;
    if (inline !== null) {
      for (const handle of this.#handles) (handle as Task<void> | null)?.cancelNow();
    }
    if (this.#live === 0) this.#finish();
  }

  #checkOpen(operation: string): void {
    if (this.#state !== OPEN || this.#aborted) {
      throw new SpindleError(
        "SCOPE_CLOSED",
        `${operation} on a TaskScope that was ${this.#state !== OPEN ? "closed" : "aborted"}`,
      );
    }
  }

  #start(work: IntoFuture<T>): AbortHandle {
    const slot = this.#freeSlots.pop() ?? this.#handles.length;
    const scope = this as TaskScope<unknown>;
    const task = isCoroutine(work)
      ? new ScopeCoroutine(scope, slot, work)
      : new ScopeFuture(scope, slot, work as Future<unknown>);
    const handle = this.#spawner.spawn(task as Future<unknown>) as JoinHandle<void>;
    this.#handles[slot] = handle;
    this.#live++;
    return handle;
  }

  #report(slot: number, outcome: unknown, failed: boolean): void {
    this.#handles[slot] = null;
    this.#freeSlots.push(slot);
    this.#live--;
    if (!failed) {
      if (outcome !== CANCELLED) this.#results.push(outcome);
    } else if (!(outcome instanceof CancelledError)) {
      const failure = new Failure(outcome);
      this.#results.push(failure);
      this.#failures.push(failure);
      if (this.#policy === "abort") this.#abortAll();
    }
    if (this.#live === 0 && this.#state === CLOSING) this.#finish();
    this.#wakeWaiters();
  }

  #abortAll(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#token?.cancel(new CancelledError("the task scope"));
    const handles = this.#handles;
    for (let slot = 0; slot < handles.length; slot++) handles[slot]?.abort();
  }

  #finish(): void {
    this.#state = CLOSED;
    const results = this.#results;
    while (results.length > 0) results.shift();
    this.#token?.[Symbol.dispose]();
    this.#parentRegistration?.[Symbol.dispose]();
    this.#parentRegistration = null;
  }

  #wakeWaiters(): void {
    if (this.#waiters.size === 0) return;
    for (const waiter of this.#waiters) waiter.wake();
    this.#waiters.clear();
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
      switch (wait.mode) {
        case WAIT_NEXT: {
          const results = scope.#results;
          if (results.length > 0) {
            // A result ready at once takes a unit of the budget, as a finished join handle does
            // (tokio's JoinSet::join_next is budgeted): a loop over a scope of finished tasks
            // returns to the executor every 128 results.
            if (!consumeBudget(cx)) return PENDING;
            const item = results.shift();
            if (!(item instanceof Failure)) return item;
            item.taken = true;
            throw item.error;
          }
          if (scope.#live === 0) return STREAM_END;
          break;
        }
        case WAIT_ALL: {
          if (scope.#live > 0) break;
          const failure = scope.#untakenFailure();
          const values: unknown[] = [];
          const results = scope.#results;
          while (results.length > 0) {
            const item = results.shift();
            if (!(item instanceof Failure)) values.push(item);
          }
          if (failure !== null) throw failure.error;
          return values;
        }
        default: {
          if (scope.#state === OPEN) {
            scope.#state = CLOSING;
            scope.#abortAll();
          }
          if (scope.#live > 0) break;
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
    reportTo = (scope, slot, outcome, failed) => scope.#report(slot, outcome, failed);
  }
}

/**
 * A scope's task over a coroutine: the coroutine itself (an executor cancels it by throwing into
 * it, so its `finally` blocks may wait), reporting to the scope once how it settled: from the poll
 * that completes or fails, from a cancel that finishes the unwinding at once (or before the
 * coroutine ever started, when no `finally` runs), or from a drop. Its own outcome goes to its
 * task, which nobody joins and which is not detached, so a failure is not reported twice.
 */
class ScopeCoroutine extends CoroutineFuture<unknown> {
  readonly #scope: TaskScope<unknown>;
  readonly #slot: number;
  #reported = false;

  constructor(scope: TaskScope<unknown>, slot: number, coroutine: Coroutine<unknown>) {
    super(coroutine);
    this.#scope = scope;
    this.#slot = slot;
  }

  override poll(cx: Context): Poll<unknown> {
    let output: Poll<unknown>;
    try {
      output = super.poll(cx);
    } catch (error) {
      this.#report(error, true);
      throw error;
    }
    if (output !== PENDING) this.#report(output, false);
    return output;
  }

  override cancel(reason?: unknown): boolean {
    let finished: boolean;
    try {
      finished = super.cancel(reason);
    } catch (error) {
      this.#report(error, true);
      throw error;
    }
    if (finished) this.#report(CANCELLED, false);
    return finished;
  }

  override [Symbol.dispose](): void {
    try {
      super[Symbol.dispose]();
    } finally {
      this.#report(CANCELLED, false);
    }
  }

  #report(outcome: unknown, failed: boolean): void {
    if (this.#reported) return;
    this.#reported = true;
    reportTo(this.#scope, this.#slot, outcome, failed);
  }
}

/** A scope's task over a plain future (an executor drops it to abort it). */
class ScopeFuture extends Future<unknown> {
  readonly #scope: TaskScope<unknown>;
  readonly #slot: number;
  readonly #inner: Future<unknown>;
  #reported = false;

  constructor(scope: TaskScope<unknown>, slot: number, inner: Future<unknown>) {
    super();
    this.#scope = scope;
    this.#slot = slot;
    this.#inner = inner;
  }

  poll(cx: Context): Poll<unknown> {
    let output: Poll<unknown>;
    try {
      output = this.#inner.poll(cx);
    } catch (error) {
      this.#report(error, true);
      throw error;
    }
    if (output !== PENDING) this.#report(output, false);
    return output;
  }

  override [Symbol.dispose](): void {
    try {
      drop(this.#inner);
    } finally {
      this.#report(CANCELLED, false);
    }
  }

  #report(outcome: unknown, failed: boolean): void {
    if (this.#reported) return;
    this.#reported = true;
    reportTo(this.#scope, this.#slot, outcome, failed);
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
    if (this.#done) throw completedError(["scope.joinNext()", "scope.joinAll()", "scope.close()"][this.mode] as string);
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
  readonly #cx = new Context(Waker.noop());
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
    const cx = this.#cx;
    for (let count = queue.length; count > 0; count--) {
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
export function* scoped<R, T = unknown>(
  body: (scope: TaskScope<T>) => IntoFuture<R>,
  options?: TaskScopeOptions,
): Coroutine<R> {
  if (typeof body !== "function") {
    throw new SpindleError("INVALID_ARGUMENT", `scoped() needs a function of the scope, got ${describe(body)}`);
  }
  const scope = new TaskScope<T>(options);
  let result: R;
  try {
    result = yield* intoFuture(body(scope));
  } catch (error) {
    try {
      yield* scope.close();
    } catch {
      // The body's error is the one to report; the scope's failure, if any, was its cause or came after.
    }
    throw error;
  }
  yield* scope.close();
  return result;
}
