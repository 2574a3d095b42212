// For tests of code that reports an error in a microtask (core's wakeRaw: a throwing waker) instead
// of throwing it into its caller.
import { Context, type RawWakerVTable, Waker } from "@spindle/core";

/**
 * Runs `run` with `queueMicrotask` replaced by a synchronous call that catches what the task
 * throws, and returns those errors: what would otherwise be an uncaught exception failing the test
 * run. The original `queueMicrotask` is put back before this returns.
 */
export function microtaskErrorsOf(run: () => void): unknown[] {
  const reported: unknown[] = [];
  const queue = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (task) => {
    try {
      task();
    } catch (error) {
      reported.push(error);
    }
  };
  try {
    run();
  } finally {
    globalThis.queueMicrotask = queue;
  }
  return reported;
}

/**
 * A context whose waker pushes `index` onto `woken` on each wake, and then throws
 * `new Error("waker")` if `throws` is set.
 */
export function wakeLogContext(index: number, woken: number[], throws = false): Context {
  const vtable: RawWakerVTable<null> = {
    clone: (data) => ({ data, vtable }),
    wake: () => {
      woken.push(index);
      if (throws) throw new Error("waker");
    },
    wakeByRef: () => vtable.wake(null),
    drop: () => {},
  };
  return new Context(Waker.fromRaw({ data: null, vtable }));
}
