import { CancellationToken, listenTo, stopListening } from "./cancellation-token.ts";
import type { Context } from "./context.ts";
import { type IntoFuture, intoFuture } from "./coroutine.ts";
import { completedError, describe, isInstance, SpindleError } from "./errors.ts";
import { drop, Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import type { RawWaker } from "./waker.ts";
import { dropRawWaker, replaceRawWaker, wakeRawWaker } from "./waker-slot.ts";

/** What cancels: the platform's `AbortSignal` or a Spindle {@linkcode CancellationToken}. */
export type CancelSource = AbortSignal | CancellationToken;

/**
 * A future that never completes and fails with the signal's (or token's) `reason` once it aborts
 * (at once if it has): the platform's rule that an aborted operation rejects with the reason.
 * Dropping it removes its `abort` listener.
 *
 * @example
 * ```ts
 * import { blockOn, whenAborted } from "@spindle/core";
 * try {
 *   blockOn(whenAborted(AbortSignal.abort("too late")));
 * } catch (reason) {
 *   console.log(reason); // too late
 * }
 * ```
 */
export function whenAborted(source: CancelSource): Future<never> {
  return new Abortable<never>(null, checkSource(source, "whenAborted()"));
}

/**
 * `work`'s output, unless the signal (or token) aborts first: then `work` is dropped (a coroutine
 * runs its `finally` blocks) and the future fails with the `reason`. The `abort` listener is
 * added on the first pending poll and removed when the future completes or is dropped.
 *
 * @example
 * ```ts
 * import { abortable, LocalExecutor, pending } from "@spindle/core";
 *
 * const controller = new AbortController();
 * const executor = new LocalExecutor();
 * const handle = executor.spawn(abortable(pending<string>(), controller.signal));
 * const run = executor.run();
 * controller.abort(new Error("user pressed stop"));
 * await handle.then(undefined, (e) => console.log((e as Error).message)); // user pressed stop
 * await run;
 * ```
 */
export function abortable<T>(work: IntoFuture<T>, source: CancelSource): Future<T> {
  return new Abortable(intoFuture(work), checkSource(source, "abortable()"));
}

function checkSource(source: unknown, what: string): CancelSource {
  const needs = `${what} needs an AbortSignal or a CancellationToken`;
  if (isInstance(source, CancellationToken, needs) || source instanceof AbortSignal) return source;
  throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(source)}`);
}

class Abortable<T> extends Future<T> {
  #work: Future<T> | null;
  readonly #source: CancelSource;
  #waker: RawWaker<unknown> | null = null;
  /** The `abort` listener while one is added (a function for a signal, a listener for a token). */
  #listener: (() => void) | { onCancel(): void } | null = null;
  #done = false;
  /** Whether it was made by `whenAborted` (no work), for the error of a poll after completion. */
  readonly #bare: boolean;

  constructor(work: Future<T> | null, source: CancelSource) {
    super();
    this.#work = work;
    this.#source = source;
    this.#bare = work === null;
  }

  poll(cx: Context): Poll<T> {
    // Not `#work === null`: the work is dropped once it completes, so that named `whenAborted()` too.
    if (this.#done) throw completedError(this.#bare ? "whenAborted()" : "abortable()");
    const source = this.#source;
    const aborted = source instanceof AbortSignal ? source.aborted : source.isCancelled;
    if (aborted) {
      this[Symbol.dispose]();
      throw source.reason;
    }
    const work = this.#work;
    if (work !== null) {
      let output: Poll<T>;
      try {
        output = work.poll(cx);
      } catch (error) {
        this.#work = null;
        this[Symbol.dispose]();
        throw error;
      }
      if (output !== PENDING) {
        this.#work = null;
        this[Symbol.dispose]();
        return output;
      }
    }
    this.#waker = replaceRawWaker(this.#waker, cx.waker);
    if (this.#listener === null) this.#listen();
    return PENDING;
  }

  override [Symbol.dispose](): void {
    this.#done = true;
    this.#unlisten();
    this.#waker = dropRawWaker(this.#waker);
    const work = this.#work;
    this.#work = null;
    if (work !== null) drop(work);
  }

  #onAbort = (): void => {
    this.#unlisten();
    this.#waker = wakeRawWaker(this.#waker);
  };

  #listen(): void {
    const source = this.#source;
    if (source instanceof AbortSignal) {
      const listener = this.#onAbort;
      source.addEventListener("abort", listener);
      this.#listener = listener;
    } else {
      const listener = { onCancel: this.#onAbort };
      if (listenTo(source, listener)) this.#listener = listener;
    }
  }

  #unlisten(): void {
    const listener = this.#listener;
    if (listener === null) return;
    this.#listener = null;
    const source = this.#source;
    if (source instanceof AbortSignal) source.removeEventListener("abort", listener as () => void);
    else stopListening(source, listener as { onCancel(): void });
  }
}
