import type { IntoFuture } from "./coroutine.ts";
import { LocalExecutor } from "./local-executor.ts";

/**
 * Runs a future (or coroutine) on the host event loop and returns a promise of its output: the
 * bridge from Spindle code to `async` code. Each call drives its own small {@linkcode LocalExecutor}.
 *
 * @example
 * ```ts
 * import { ready, toPromise } from "@spindle/core";
 * console.log(await toPromise(ready("done"))); // done
 * ```
 */
export function toPromise<T>(work: IntoFuture<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(work);
  // run() rejects only for failures of detached tasks; this task is joined through the promise.
  void executor.run();
  return Promise.resolve(handle);
}
