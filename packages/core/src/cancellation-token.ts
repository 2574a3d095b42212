import type { Context } from "./context.ts";
import { type IntoFuture, intoFuture } from "./coroutine.ts";
import {
  CancelledError,
  checkInstance,
  checkTypeOf,
  completedError,
  describe,
  SpindleError,
  unreadableError,
} from "./errors.ts";
import { dropEach, Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import type { RawWaker } from "./waker.ts";
import { dropRawWaker, replaceRawWaker, wakeRawWaker } from "./waker-slot.ts";

/**
 * What {@linkcode CancellationToken.runUntilCancelled} completes with when the token was cancelled
 * before the work completed (tokio-util's `None`): a result, not an error.
 *
 * @example
 * ```ts
 * import { blockOn, CANCELLED, CancellationToken, pending } from "@spindle/core";
 *
 * const token = new CancellationToken();
 * token.cancel();
 * console.log(blockOn(token.runUntilCancelled(pending<number>())) === CANCELLED); // true
 * ```
 */
export const CANCELLED: unique symbol = Symbol("spindle.cancelled");

/** The type of {@linkcode CANCELLED}. */
export type Cancelled = typeof CANCELLED;

/** What a token tells when it is cancelled: child tokens, `cancelled()` futures, callbacks, its signal. */
export interface CancelListener {
  onCancel(reason: unknown): void;
}

/** Adds `listener` to a token not yet cancelled (returns `false`, adding nothing, when it is). */
export let listenTo: (token: CancellationToken, listener: CancelListener) => boolean;
/** Removes a listener `listenTo` added. */
export let stopListening: (token: CancellationToken, listener: CancelListener) => void;
/** How many listeners (children, waiting futures, callbacks) a token holds: what leak tests check. */
export let listenerCount: (token: CancellationToken) => number;

/**
 * A cancellation token (tokio-util's `CancellationToken`): `cancel(reason)` once, and everything
 * that listens learns it — `cancelled()` futures complete, `child()` tokens are cancelled with the
 * same reason, `onCancel` callbacks run, and the token's `signal` aborts.
 *
 * A token that is never cancelled costs one small object: the listener set, the `AbortController`
 * behind `signal` and the parent link are made only when used. A child or a listener is removed
 * from its parent when it is disposed (a dropped `cancelled()` future, a disposed child or
 * registration), so short-lived children of a long-lived token leave nothing behind.
 *
 * @example
 * ```ts
 * import { blockOn, CancellationToken } from "@spindle/core";
 *
 * const root = new CancellationToken();
 * const child = root.child();
 * root.cancel(new Error("shutting down"));
 * console.log(child.isCancelled, (blockOn(child.cancelled()) as Error).message); // true shutting down
 * ```
 */
export class CancellationToken implements Disposable {
  #cancelled = false;
  #reason: unknown = undefined;
  #listeners: Set<CancelListener> | null = null;
  /** How this token is attached to what cancels it (its parent token or a signal), to detach on dispose. */
  #detach: (() => void) | null = null;
  #controller: AbortController | null = null;

  /** Whether `cancel` was called (on this token or an ancestor). */
  get isCancelled(): boolean {
    return this.#cancelled;
  }

  /** The reason given to `cancel`, or `undefined` while not cancelled. */
  get reason(): unknown {
    return this.#reason;
  }

  /**
   * Cancels the token and every child token, completes its `cancelled()` futures, runs its
   * `onCancel` callbacks and aborts its `signal`, each once; later calls do nothing. `reason`
   * defaults to a {@linkcode CancelledError}. A callback that throws does not stop the others; the
   * first error is re-thrown once all have run.
   */
  cancel(reason: unknown = new CancelledError("the cancellation token")): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#reason = reason;
    this.#unlink();
    const listeners = this.#listeners;
    this.#listeners = null;
    if (listeners === null) return;
    let failure: { error: unknown } | null = null;
    for (const listener of listeners) {
      try {
        listener.onCancel(reason);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
  }

  /**
   * A new token cancelled when this one is (at once if it already is), with the same reason.
   * Cancelling the child does not cancel this token. Dispose the child when done with it, so that
   * this token does not keep it.
   */
  child(): CancellationToken {
    const child = new CancellationToken();
    if (this.#cancelled) {
      child.cancel(this.#reason);
      return child;
    }
    const link: CancelListener = { onCancel: (reason) => child.cancel(reason) };
    this.#listen(link);
    child.#detach = () => this.#unlisten(link);
    return child;
  }

  /**
   * A future that completes, with the reason, once the token is cancelled. Dropping it removes its
   * registration.
   */
  cancelled(): Future<unknown> {
    return new WhenCancelled(this);
  }

  /**
   * Runs `work` (a future or coroutine) until it completes or the token is cancelled, whichever
   * comes first (tokio-util's `run_until_cancelled`; its `_owned` form is the same call here, as a
   * future keeps what it refers to alive): completes with the work's output, or with
   * {@linkcode CANCELLED} once the token is cancelled, then drops the work (a coroutine's `finally`
   * blocks run). The token is checked first on every poll, so a token already cancelled never lets
   * the work be polled. The work's own error propagates. `NOT_A_FUTURE` names anything else.
   *
   * @example
   * ```ts
   * import { CANCELLED, CancellationToken, fromPromise, toPromise } from "@spindle/core";
   *
   * const token = new CancellationToken();
   * const slow = fromPromise(new Promise<string>((resolve) => setTimeout(() => resolve("late"), 50)));
   * setTimeout(() => token.cancel(), 1);
   * const outcome = await toPromise(token.runUntilCancelled(slow));
   * console.log(outcome === CANCELLED ? "cancelled" : outcome); // cancelled
   * ```
   */
  runUntilCancelled<T>(work: IntoFuture<T>): Future<T | Cancelled> {
    return new RunUntilCancelled(this, intoFuture(work));
  }

  /** Throws the reason when the token is cancelled. */
  throwIfCancelled(): void {
    if (this.#cancelled) throw this.#reason;
  }

  /**
   * Calls `callback(reason)` once when the token is cancelled (at once if it already is). Dispose
   * the returned registration to remove the callback.
   *
   * @example
   * ```ts
   * import { CancellationToken } from "@spindle/core";
   * const token = new CancellationToken();
   * const registration = token.onCancel((reason) => console.log("cancelled:", reason));
   * token.cancel("bye"); // cancelled: bye
   * registration[Symbol.dispose]();
   * ```
   */
  onCancel(callback: (reason: unknown) => void): Disposable {
    if (typeof callback !== "function") {
      throw new SpindleError("INVALID_ARGUMENT", `onCancel() needs a function, got ${describe(callback)}`);
    }
    if (this.#cancelled) {
      callback(this.#reason);
      return { [Symbol.dispose]() {} };
    }
    const listener: CancelListener = { onCancel: callback };
    this.#listen(listener);
    return { [Symbol.dispose]: () => this.#unlisten(listener) };
  }

  /**
   * An `AbortSignal` that aborts, with the token's reason, when the token is cancelled: hand it to
   * `fetch` and the platform's other abortable APIs. Made on first use, then the same signal.
   */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === null) {
      controller = this.#controller = new AbortController();
      if (this.#cancelled) controller.abort(this.#reason);
      else this.#listen({ onCancel: (reason) => (controller as AbortController).abort(reason) });
    }
    return controller.signal;
  }

  /**
   * A token cancelled, with the signal's `reason`, when `signal` aborts (at once if it has).
   * Dispose the token to remove its listener from the signal.
   *
   * @example
   * ```ts
   * import { CancellationToken } from "@spindle/core";
   * const controller = new AbortController();
   * const token = CancellationToken.fromSignal(controller.signal);
   * controller.abort("stop");
   * console.log(token.isCancelled, token.reason); // true stop
   * ```
   */
  static fromSignal(signal: AbortSignal): CancellationToken {
    checkSignal(signal, "CancellationToken.fromSignal()");
    const token = new CancellationToken();
    if (signal.aborted) {
      token.cancel(signal.reason);
      return token;
    }
    const onAbort = (): void => token.cancel(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    token.#detach = () => signal.removeEventListener("abort", onAbort);
    return token;
  }

  /**
   * Detaches the token from its parent (or signal) without cancelling it: for a child that is no
   * longer needed, so that the parent holds nothing for it. The token keeps its own listeners: its
   * `cancel()` still completes its `cancelled()` futures and cancels its children.
   */
  [Symbol.dispose](): void {
    this.#unlink();
  }

  #listen(listener: CancelListener): void {
    (this.#listeners ??= new Set()).add(listener);
  }

  #unlisten(listener: CancelListener): void {
    this.#listeners?.delete(listener);
  }

  #unlink(): void {
    const detach = this.#detach;
    this.#detach = null;
    detach?.();
  }

  static {
    listenTo = (token, listener) => {
      if (token.#cancelled) return false;
      token.#listen(listener);
      return true;
    };
    stopListening = (token, listener) => token.#unlisten(listener);
    listenerCount = (token) => token.#listeners?.size ?? 0;
  }
}

/** The platform's own `aborted` getter: it throws for an object that only inherits from `AbortSignal`. */
const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")!.get!;

/**
 * Throws `INVALID_ARGUMENT` naming `value` unless it is an `AbortSignal`; `what` names the caller.
 * An object that only inherits from `AbortSignal.prototype` (`Object.create(AbortSignal.prototype)`)
 * passes `instanceof` but throws at its first `aborted` read, so the platform's getter checks it
 * here, before anything was set up for it.
 *
 * @example
 * ```ts
 * import { checkSignal } from "@spindle/core";
 *
 * checkSignal(new AbortController().signal, "run()"); // returns
 * try {
 *   checkSignal(Object.create(AbortSignal.prototype), "run()");
 * } catch (error) {
 *   console.log((error as { code: string }).code); // INVALID_ARGUMENT
 * }
 * ```
 */
export function checkSignal(value: unknown, what: string): asserts value is AbortSignal {
  checkTypeOf(what, "string", "checkSignal(): what");
  const needs = `${what} needs an AbortSignal`;
  checkInstance(value, AbortSignal, needs);
  try {
    abortedOf.call(value);
  } catch (cause) {
    throw unreadableError(value, needs, cause);
  }
}

/** The future of {@linkcode CancellationToken.runUntilCancelled}. */
class RunUntilCancelled<T> extends Future<T | Cancelled> {
  #work: Future<T> | null;
  #cancelled: Future<unknown> | null;

  constructor(token: CancellationToken, work: Future<T>) {
    super();
    this.#work = work;
    this.#cancelled = token.cancelled();
  }

  poll(cx: Context): Poll<T | Cancelled> {
    const work = this.#work;
    const cancelled = this.#cancelled;
    if (work === null || cancelled === null) throw completedError("token.runUntilCancelled()");
    if (cancelled.poll(cx) !== PENDING) {
      this[Symbol.dispose]();
      return CANCELLED;
    }
    let output: Poll<T>;
    try {
      output = work.poll(cx);
    } catch (error) {
      this.#work = null; // it failed: nothing to drop
      this[Symbol.dispose]();
      throw error;
    }
    if (output === PENDING) return PENDING;
    this.#work = null; // it completed: nothing to drop
    this[Symbol.dispose]();
    return output;
  }

  override [Symbol.dispose](): void {
    const work = this.#work;
    const cancelled = this.#cancelled;
    this.#work = null;
    this.#cancelled = null;
    dropEach(cancelled, work);
  }
}

/** The future of {@linkcode CancellationToken.cancelled}. */
class WhenCancelled extends Future<unknown> implements CancelListener {
  readonly #token: CancellationToken;
  #waker: RawWaker<unknown> | null = null;
  #listening = false;
  #done = false;

  constructor(token: CancellationToken) {
    super();
    this.#token = token;
  }

  poll(cx: Context): Poll<unknown> {
    if (this.#done) throw completedError("CancellationToken.cancelled()");
    const token = this.#token;
    if (token.isCancelled) {
      this.#done = true;
      this[Symbol.dispose]();
      return token.reason;
    }
    this.#waker = replaceRawWaker(this.#waker, cx.waker);
    if (!this.#listening) this.#listening = listenTo(token, this);
    return PENDING;
  }

  onCancel(): void {
    this.#listening = false;
    this.#waker = wakeRawWaker(this.#waker);
  }

  override [Symbol.dispose](): void {
    this.#done = true; // polled again, it would listen and keep a waker nobody polls for
    if (this.#listening) {
      this.#listening = false;
      stopListening(this.#token, this);
    }
    this.#waker = dropRawWaker(this.#waker);
  }
}
