import type { Context } from "./context.ts";
import { type Coroutine, CoroutineFuture, type IntoFuture, isCoroutine } from "./coroutine.ts";
import { describe, SpindleError } from "./errors.ts";
import { drop, Future, isFuture } from "./future.ts";
import type { Poll } from "./poll.ts";

/** The task-local values in force: a chain from the innermost `scope` out. */
interface Frame {
  readonly local: TaskLocal<unknown>;
  readonly value: unknown;
  readonly parent: Frame | null;
}

/** The frame of the future being polled on this thread, `null` outside any `TaskLocal.scope`. */
let current: Frame | null = null;

/**
 * A value scoped to a task (tokio's `task_local!`), the Spindle answer to `AsyncLocalStorage`:
 * `local.scope(value, work)` makes `local.get()` return `value` while `work` runs (during each of
 * its polls, at every depth of `yield*`), and tasks spawned meanwhile (`LocalExecutor.spawn`,
 * `TaskScope.spawn`, `toPromise`) inherit the values in force where they were spawned. Scopes
 * nest: the innermost value of a local wins. Values do not cross threads (work-stealing jobs
 * start without them).
 *
 * Node's `AsyncLocalStorage` context is not carried into tasks: tasks resume from the executor's
 * own microtask, not from the promise callback that woke them, so `als.getStore()` inside a task
 * sees the executor's context. Use a `TaskLocal` instead.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor, TaskLocal, yieldNow } from "@spindle/core";
 *
 * const requestId = new TaskLocal<string>("requestId");
 * function* child(log: string[]): Coroutine<void> {
 *   yield* yieldNow();
 *   log.push(`child sees ${requestId.get()}`);
 * }
 * function* handle(executor: LocalExecutor, log: string[]): Coroutine<void> {
 *   log.push(`handler sees ${requestId.get()}`);
 *   yield* executor.spawn(child(log)); // inherits the value
 * }
 * const executor = new LocalExecutor();
 * const log: string[] = [];
 * executor.spawn(requestId.scope("r-1", handle(executor, log)));
 * await executor.run();
 * console.log(log, requestId.get()); // [ "handler sees r-1", "child sees r-1" ] undefined
 * ```
 */
export class TaskLocal<T> {
  /** The name, for messages and debugging. */
  readonly name: string;

  /** A task-local value named `name`. */
  constructor(name: string) {
    if (typeof name !== "string") {
      throw new SpindleError("INVALID_ARGUMENT", `TaskLocal needs a name string, got ${describe(name)}`);
    }
    this.name = name;
  }

  /** The value of the innermost `scope` in force, or `undefined` outside every scope of this local. */
  get(): T | undefined {
    for (let frame = current; frame !== null; frame = frame.parent) {
      if (frame.local === this) return frame.value as T;
    }
    return undefined;
  }

  /** Whether a `scope` of this local is in force. */
  get isSet(): boolean {
    for (let frame = current; frame !== null; frame = frame.parent) {
      if (frame.local === this) return true;
    }
    return false;
  }

  /**
   * `work` (a future or coroutine) with this local set to `value` during each of its polls. A
   * coroutine keeps its cancellation semantics (an abort throws into it, its `finally` blocks may
   * wait).
   */
  scope<R>(value: T, work: IntoFuture<R>): Future<R> {
    if (!isFuture(work) && !isCoroutine(work)) {
      throw new SpindleError("NOT_A_FUTURE", `TaskLocal.scope() needs a future or a generator, got ${describe(work)}`);
    }
    return withFrame({ local: this as TaskLocal<unknown>, value, parent: current }, work);
  }
}

/**
 * `work` with the task-local values in force now, for a task about to be spawned; `work` itself
 * (a coroutine stays a coroutine, for the task to drive) when none are.
 */
export function inheritLocals<R>(work: Future<R> | Coroutine<R>): Future<R> | Coroutine<R> {
  return current === null ? work : withFrame(current, work);
}

function withFrame<R>(frame: Frame, work: IntoFuture<R>): Future<R> {
  if (isCoroutine(work)) return new LocalsCoroutine(frame, new CoroutineFuture(work));
  if (work instanceof CoroutineFuture) return new LocalsCoroutine(frame, work);
  return new LocalsFuture(frame, work as Future<R>);
}

/** `body()` with `frame` in force, the frame before it restored afterwards however it ends. */
function inFrame<T>(frame: Frame, body: () => T): T {
  const saved = current;
  current = frame;
  try {
    return body();
  } finally {
    current = saved;
  }
}

/** Never run: the base class's coroutine of a {@linkcode LocalsCoroutine}, which delegates instead. */
function* unused(): Coroutine<never> {
  throw new Error("unreachable");
}

/**
 * A coroutine future polled, cancelled and dropped with a frame in force. It is a
 * `CoroutineFuture` itself, so that executors cancel it by `cancel()` (a throw into the coroutine
 * whose `finally` blocks may wait), and it delegates each of those to the inner one.
 */
class LocalsCoroutine<R> extends CoroutineFuture<R> {
  readonly #frame: Frame;
  readonly #inner: CoroutineFuture<R>;

  constructor(frame: Frame, inner: CoroutineFuture<R>) {
    super(unused());
    this.#frame = frame;
    this.#inner = inner;
  }

  override poll(cx: Context): Poll<R> {
    return inFrame(this.#frame, () => this.#inner.poll(cx));
  }

  override cancel(reason?: unknown): boolean {
    return inFrame(this.#frame, () => this.#inner.cancel(reason));
  }

  override [Symbol.dispose](): void {
    inFrame(this.#frame, () => this.#inner[Symbol.dispose]());
  }
}

/** A plain future polled and dropped with a frame in force. */
class LocalsFuture<R> extends Future<R> {
  readonly #frame: Frame;
  readonly #inner: Future<R>;

  constructor(frame: Frame, inner: Future<R>) {
    super();
    this.#frame = frame;
    this.#inner = inner;
  }

  poll(cx: Context): Poll<R> {
    return inFrame(this.#frame, () => this.#inner.poll(cx));
  }

  override [Symbol.dispose](): void {
    inFrame(this.#frame, () => drop(this.#inner));
  }
}
