import { checkSignal } from "./cancellation-token.ts";
import type { IntoFuture } from "./coroutine.ts";
import { CancelledError, caughtInstanceOf, checkOptions } from "./errors.ts";
import { LocalExecutor } from "./local-executor.ts";

/** Options of {@linkcode toPromise}. */
export interface ToPromiseOptions {
  /**
   * Aborts the work when the signal aborts: the task is aborted (a coroutine unwinds, running its
   * `finally` blocks) and, once it has, the promise rejects with the signal's `reason`, as the
   * platform's abortable APIs do. An already aborted signal rejects at once, without running it.
   */
  readonly signal?: AbortSignal;
}

/**
 * Runs a future (or coroutine) on the host event loop and returns a promise of its output: the
 * bridge from Spindle code to `async` code. Each call drives its own small {@linkcode LocalExecutor}.
 *
 * @example
 * ```ts
 * import { ready, toPromise } from "@spindle/core";
 * console.log(await toPromise(ready("done"))); // done
 * ```
 *
 * @example With a signal
 * ```ts
 * import { pending, toPromise } from "@spindle/core";
 * const controller = new AbortController();
 * const waiting = toPromise(pending(), { signal: controller.signal });
 * controller.abort(new Error("enough"));
 * await waiting.catch((e) => console.log((e as Error).message)); // enough
 * ```
 */
export function toPromise<T>(work: IntoFuture<T>, options?: ToPromiseOptions): Promise<T> {
  const signal = checkOptions(options, "toPromise()", ["signal"]).signal;
  if (signal !== undefined) {
    checkSignal(signal, "toPromise()'s signal option");
    if (signal.aborted) return Promise.reject(signal.reason);
  }
  const executor = new LocalExecutor();
  const handle = executor.spawn(work);
  if (signal === undefined) {
    // run() rejects only for failures of detached tasks; this task is joined through the promise.
    void executor.run();
    return Promise.resolve(handle);
  }
  // Listening before run(): its first poll runs now, and may abort the signal itself.
  const onAbort = (): void => handle.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  void executor.run();
  return Promise.resolve(handle).then(
    (value) => {
      signal.removeEventListener("abort", onAbort);
      return value;
    },
    (error: unknown) => {
      signal.removeEventListener("abort", onAbort);
      throw signal.aborted && caughtInstanceOf(error, CancelledError) ? signal.reason : error;
    },
  );
}
