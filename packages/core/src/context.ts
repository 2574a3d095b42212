import { notWakerError, Waker } from "./waker.ts";

/**
 * What a future receives when it is polled: the {@linkcode Waker} of the task that polls it.
 *
 * The context borrows its waker for the duration of one poll: a future that wants to be woken later
 * keeps a clone (`cx.waker.clone()`, or {@linkcode replaceWaker} on every poll), never `cx.waker`
 * itself (executors reuse it for the next task), and wakes the current task with
 * `cx.waker.wakeByRef()`.
 *
 * @example
 * ```ts
 * import { Context, ready } from "@spindle/core";
 * console.log(ready(7).poll(Context.noop())); // 7
 * ```
 */
export class Context {
  /** The waker of the task being polled. */
  readonly waker: Waker;

  /**
   * A context around `waker`, which stays owned by the caller. Anything but a `Waker` is
   * `INVALID_ARGUMENT` naming it (checked here, once, rather than when a future first wakes it).
   */
  constructor(waker: Waker) {
    const bad = notWakerError(waker, "new Context() needs a Waker");
    if (bad !== undefined) throw bad;
    this.waker = waker;
  }

  /** A context whose waker does nothing, for polling by hand. */
  static noop(): Context {
    return new Context(Waker.noop());
  }
}
