/**
 * Keeps the process alive while something waits on another thread.
 *
 * A pending `Atomics.waitAsync` does not keep Node, Deno or Bun running (measured): a program whose
 * only work is a wait for another thread would exit, or report an unsettled top-level await. While
 * at least one such wait is pending, one shared, ref'd, idle interval holds the event loop open;
 * the last release clears it so that an idle program exits promptly.
 */
let holders = 0;
let interval: ReturnType<typeof setInterval> | undefined;

/**
 * Holds the process open until the returned function is called (calling it twice is harmless).
 *
 * @example
 * ```ts
 * import { holdProcessOpen } from "@spindle/core";
 *
 * const word = new Int32Array(new SharedArrayBuffer(4));
 * const release = holdProcessOpen(); // a pending waitAsync alone would let the process exit
 * const wait = Atomics.waitAsync(word, 0, 0);
 * setTimeout(() => Atomics.notify(word, 0), 1);
 * if (wait.async) await wait.value;
 * release();
 * ```
 */
export function holdProcessOpen(): () => void {
  if (holders++ === 0) interval = setInterval(() => {}, 2 ** 30);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) {
      clearInterval(interval);
      interval = undefined;
    }
  };
}
