import { checkTypeOf, describe, SpindleError, unreadableError } from "./errors.ts";

/**
 * Checks that `word[index]` is a word other threads can share and wait on: `word` an `Int32Array`
 * over a `SharedArrayBuffer` and `index` an integer inside it. Otherwise throws an
 * `INVALID_ARGUMENT` error naming `what` and the bad value: a bad index would otherwise make
 * `Atomics` throw a bare `RangeError` on first use, and a non-shared array would wait for ever.
 * A word that cannot be read (a revoked Proxy, a Proxy of an `Int32Array`) is `INVALID_ARGUMENT`
 * with the engine's error as `cause`.
 *
 * @example
 * ```ts
 * import { checkSharedWord } from "@spindle/core";
 *
 * checkSharedWord(new Int32Array(new SharedArrayBuffer(8)), 1, "new Lock()"); // returns
 * try {
 *   checkSharedWord(new Int32Array(2), 0, "new Lock()");
 * } catch (error) {
 *   console.log((error as Error).message); // new Lock() needs an Int32Array over a SharedArrayBuffer, got an Int32Array
 * }
 * ```
 */
export function checkSharedWord(word: unknown, index: unknown, what: string): void {
  checkTypeOf(what, "string", "checkSharedWord(): what");
  const needs = `${what} needs an Int32Array over a SharedArrayBuffer`;
  let shared: boolean;
  try {
    // A Proxy of an Int32Array passes instanceof and throws at `buffer`; a revoked one throws at both.
    shared = word instanceof Int32Array && word.buffer instanceof SharedArrayBuffer;
  } catch (cause) {
    throw unreadableError(word, needs, cause);
  }
  if (!shared) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${needs}, got ${describe(word)}`,
    );
  }
  const { length } = word as Int32Array; // an Int32Array's own getter now, not a Proxy's
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= length) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${what} needs an index from 0 to ${length - 1}, got ${describe(index)}`,
    );
  }
}
