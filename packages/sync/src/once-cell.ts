import {
  consumeBudget,
  type Context,
  describe,
  Future,
  type IntoFuture,
  intoFuture,
  PENDING,
  type Poll,
  refundBudget,
  SpindleError,
} from "@spindle/core";
import { PermitFuture, type PermitGrant, PermitQueue } from "./permit-queue.ts";
import { WaitList, WaitNode } from "./wait-list.ts";

/** The cell's state, shared by the cell and its futures. */
interface CellState<T> {
  initialized: boolean;
  value: T | undefined;
  /** One permit, held by the task running an initializer; closed once the value is stored. */
  readonly permit: PermitQueue;
  /** `wait()` futures pending. */
  readonly waiters: WaitList<WaitNode>;
  /**
   * An init of this cell is being called or polled on this thread's stack right now: a
   * `getOrInit` or `wait` of the cell polled then is inside that init and would wait for it.
   */
  inInit: boolean;
}

/**
 * A value set once, by whichever task comes first (tokio's and async-lock's `OnceCell`):
 * `getOrInit(init)` runs `init` in one task at a time until one completes, and every caller gets
 * the value that one stored; `set(value)` stores a value if none is stored or being made; `get()`
 * reads it without waiting; `wait()` waits for it.
 *
 * Cancel-safe: a `getOrInit` future dropped while its `init` runs drops that work and lets the
 * next waiting `getOrInit` run its own `init` (as does an `init` that throws, whose error goes to
 * its caller only); a dropped waiting future takes nothing.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor, yieldNow } from "@spindle/core";
 * import { OnceCell } from "@spindle/sync";
 *
 * const config = new OnceCell<{ url: string }>();
 * let loads = 0;
 * function* load(): Coroutine<{ url: string }> {
 *   loads++;
 *   yield* yieldNow(); // stands for I/O: the other tasks wait for this one
 *   return { url: "https://example.invalid" };
 * }
 * function* user(): Coroutine<string> {
 *   return (yield* config.getOrInit(load)).url;
 * }
 * const executor = new LocalExecutor();
 * const urls = [executor.spawn(user()), executor.spawn(user()), executor.spawn(user())];
 * await executor.run();
 * console.log(loads, (await Promise.all(urls)).length, config.get()?.url); // 1 3 https://example.invalid
 * ```
 */
export class OnceCell<T> {
  readonly #state: CellState<T> = {
    initialized: false,
    value: undefined,
    permit: new PermitQueue(1),
    waiters: new WaitList(),
    inInit: false,
  };

  /**
   * A cell that holds `value` already (tokio's `OnceCell::from`).
   *
   * @example
   * ```ts
   * import { OnceCell } from "@spindle/sync";
   *
   * const cell = OnceCell.from(2);
   * console.log(cell.initialized, cell.get(), cell.set(3)); // true 2 false
   * ```
   */
  static from<T>(value: T): OnceCell<T> {
    const cell = new OnceCell<T>();
    cell.set(value);
    return cell;
  }

  /** Whether the value is stored. */
  get initialized(): boolean {
    return this.#state.initialized;
  }

  /** The value, or `undefined` while none is stored (tell a stored `undefined` by `initialized`). */
  get(): T | undefined {
    return this.#state.value;
  }

  /**
   * Stores `value` and returns `true`, or returns `false` and stores nothing when a value is
   * stored already or a `getOrInit` is making one (tokio's `AlreadyInitializedError` and
   * `InitializingError`; `initialized` tells them apart). Wakes every task waiting for the value.
   *
   * @example
   * ```ts
   * import { OnceCell } from "@spindle/sync";
   *
   * const cell = new OnceCell<string>();
   * console.log(cell.initialized, cell.get()); // false undefined
   * console.log(cell.set("first"), cell.set("second"), cell.get()); // true false first
   * ```
   */
  set(value: T): boolean {
    const state = this.#state;
    if (!state.permit.tryTake(1)) return false;
    store(state, value);
    return true;
  }

  /**
   * A future of the value: the stored one, or the one `init()` makes (a function returning a
   * future or coroutine). Only one task runs its `init` at a time, in the order they asked; the
   * others wait, and get the value it stored. If that `init` throws, or its future is dropped,
   * the next waiting task runs its own. `init` that is not a function throws `INVALID_ARGUMENT`;
   * a `getOrInit` or `wait` of this cell polled inside its own running `init` throws `DEADLOCK`
   * (it would wait for itself).
   *
   * @example
   * ```ts
   * import { blockOn, ready } from "@spindle/core";
   * import { OnceCell } from "@spindle/sync";
   *
   * const cell = new OnceCell<number>();
   * console.log(blockOn(cell.getOrInit(() => ready(5))), blockOn(cell.getOrInit(() => ready(6)))); // 5 5
   * ```
   */
  getOrInit(init: () => IntoFuture<T>): Future<T> {
    if (typeof init !== "function") {
      throw new SpindleError("INVALID_ARGUMENT", `OnceCell.getOrInit(init) needs a function, got ${describe(init)}`);
    }
    return new GetOrInit(this.#state, init);
  }

  /**
   * A future that completes with the value once it is stored (async-lock's `wait`), by `set` or a
   * `getOrInit`; it runs no initializer itself.
   *
   * @example
   * ```ts
   * import { Context, PENDING } from "@spindle/core";
   * import { OnceCell } from "@spindle/sync";
   *
   * const cell = new OnceCell<string>();
   * const waiting = cell.wait();
   * console.log(waiting.poll(Context.noop()) === PENDING); // true
   * cell.set("ready");
   * console.log(waiting.poll(Context.noop())); // ready
   * ```
   */
  wait(): Future<T> {
    return new Wait(this.#state);
  }
}

/**
 * The `DEADLOCK` error of `what` (a future of the cell's value) polled from inside the cell's own
 * init (see `CellState.inInit`; Rust's `OnceCell` panics on such a reentrant init): it could only
 * complete once that init has completed, which waits for it.
 */
function reentrantInit(what: string): SpindleError {
  return new SpindleError(
    "DEADLOCK",
    `${what} was polled inside the same cell's init, which would wait for it forever`,
  );
}

/** Runs `step` (a call or poll of an init) marked as inside the cell's init (see {@linkcode reentrantInit}). */
function insideInit<R>(state: CellState<unknown>, step: () => R): R {
  const outer = state.inInit;
  state.inInit = true;
  try {
    return step();
  } finally {
    state.inInit = outer;
  }
}

/** Stores `value` (the caller holds the permit): closing the permit queue wakes every `getOrInit`. */
function store<T>(state: CellState<T>, value: T): void {
  state.value = value;
  state.initialized = true;
  state.permit.close();
  state.waiters.wakeAll();
}

/** The initializer's permit: granted `true` once this task may run its `init`. */
const INIT_PERMIT: PermitGrant<true> = { what: "OnceCell.getOrInit()", first: false, granted: () => true };

class GetOrInit<T> extends Future<T> {
  readonly #state: CellState<T>;
  #init: (() => IntoFuture<T>) | null;
  /** Waiting for the permit; `null` before the first poll and once it was granted. */
  #permit: PermitFuture<true> | null = null;
  /** This task's `init` running (it holds the permit). */
  #running: Future<T> | null = null;
  #done = false;

  constructor(state: CellState<T>, init: () => IntoFuture<T>) {
    super();
    this.#state = state;
    this.#init = init;
  }

  poll(cx: Context): Poll<T> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "OnceCell.getOrInit() was polled after it completed");
    const state = this.#state;
    if (this.#running === null) {
      if (state.initialized) {
        if (!consumeBudget(cx)) return PENDING;
        this.#finish();
        return state.value as T;
      }
      if (state.inInit) {
        this.#finish();
        throw reentrantInit("OnceCell.getOrInit()");
      }
      const permit = this.#permit ??= new PermitFuture(state.permit, 1, INIT_PERMIT);
      if (permit.poll(cx) === PENDING) return PENDING;
      this.#permit = null;
      const init = this.#init!;
      this.#init = null;
      try {
        this.#running = insideInit(state, () => intoFuture(init()));
      } catch (error) {
        this.#fail();
        throw error;
      }
    }
    const running = this.#running;
    let value: Poll<T>;
    try {
      value = insideInit(state, () => running.poll(cx));
    } catch (error) {
      running[Symbol.dispose]();
      this.#running = null;
      this.#fail();
      throw error;
    }
    if (value === PENDING) return PENDING;
    this.#running = null;
    this.#done = true;
    store(state, value);
    return value;
  }

  /** Done without running `init`: the permit future (if any) leaves the queue. */
  #finish(): void {
    this.#done = true;
    this.#init = null;
    const permit = this.#permit;
    this.#permit = null;
    permit?.[Symbol.dispose]();
  }

  /** This task's `init` failed: the permit passes to the next waiting `getOrInit`. */
  #fail(): void {
    this.#done = true;
    this.#state.permit.release(1);
  }

  /** Dropped: out of the queue, or its running `init` dropped and the permit passed on. */
  override [Symbol.dispose](): void {
    this.#finish();
    const running = this.#running;
    if (running === null) return;
    this.#running = null;
    running[Symbol.dispose]();
    this.#state.permit.release(1);
  }
}

class Wait<T> extends Future<T> {
  readonly #state: CellState<T>;
  readonly #node = new WaitNode();
  #done = false;

  constructor(state: CellState<T>) {
    super();
    this.#state = state;
  }

  poll(cx: Context): Poll<T> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "OnceCell.wait() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING;
    const state = this.#state;
    const node = this.#node;
    if (state.initialized) {
      this.#done = true;
      node.dropWaker();
      return state.value as T;
    }
    refundBudget();
    if (state.inInit) {
      this[Symbol.dispose]();
      throw reentrantInit("OnceCell.wait()");
    }
    if (!node.queued) state.waiters.push(node);
    node.register(cx.waker);
    return PENDING;
  }

  override [Symbol.dispose](): void {
    this.#done = true;
    this.#state.waiters.remove(this.#node);
    this.#node.dropWaker();
  }
}
