import { describe, SpindleError } from "./errors.ts";

/**
 * Checks that `word[index]` is a word other threads can share and wait on: `word` an `Int32Array`
 * over a `SharedArrayBuffer` and `index` an integer inside it. Otherwise throws an
 * `INVALID_ARGUMENT` error naming `what` and the bad value: a bad index would otherwise make
 * `Atomics` throw a bare `RangeError` on first use, and a non-shared array would wait for ever.
 */
export function checkSharedWord(word: unknown, index: unknown, what: string): void {
  if (!(word instanceof Int32Array) || !(word.buffer instanceof SharedArrayBuffer)) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${what} needs an Int32Array over a SharedArrayBuffer, got ${describe(word)}`,
    );
  }
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= word.length) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${what} needs an index from 0 to ${word.length - 1}, got ${describe(index)}`,
    );
  }
}
