import { drop, type Future } from "./future.ts";

/**
 * Why the futures being dropped now are dropped, when a cancellation with a cause drops them
 * (`abort(cause)` of a task: {@linkcode dropCancelled}); `undefined` otherwise. One value for the
 * thread: drops run synchronously, nested ones (a combinator dropping its children) inside.
 */
let cancellationCause: unknown = undefined;

/**
 * Drops `future` for a cancellation whose `CancelledError` has `cause`: while its
 * `[Symbol.dispose]` runs, and the drops it makes in turn, {@linkcode droppedFor} returns that
 * cause, so that a future that tells the outside world it was dropped (`fromPromise`'s signal)
 * can say why.
 */
export function dropCancelled(future: Future<unknown>, cause: unknown): void {
  const outer = cancellationCause;
  cancellationCause = cause;
  try {
    drop(future);
  } finally {
    cancellationCause = outer;
  }
}

/** Inside a {@linkcode dropCancelled}: the cancellation's cause; else `undefined`. */
export function droppedFor(): unknown {
  return cancellationCause;
}
