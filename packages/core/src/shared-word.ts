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

/** `SharedArrayBuffer.prototype.byteLength`'s getter, which reads only a real SharedArrayBuffer. */
const byteLengthOfShared = Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, "byteLength")!.get!;

/**
 * The byte length of `value` if it is a `SharedArrayBuffer`, else -1: what a check of a buffer that
 * came from another thread (a handle's, a message's) needs before it makes views of it. A Proxy of
 * a `SharedArrayBuffer` passes `instanceof` and then throws the engine's `TypeError` at
 * `byteLength` (and makes no view): here it is no buffer, -1, as a revoked Proxy or any other value
 * is, so that the caller's own `INVALID_ARGUMENT` names it.
 *
 * @example
 * ```ts
 * import { sharedBufferLength } from "@spindle/core";
 *
 * const buffer = new SharedArrayBuffer(8);
 * console.log(sharedBufferLength(buffer), sharedBufferLength(new Proxy(buffer, {}))); // 8 -1
 * console.log(sharedBufferLength(new ArrayBuffer(8))); // -1
 * ```
 */
export function sharedBufferLength(value: unknown): number {
  try {
    return byteLengthOfShared.call(value) as number;
  } catch {
    return -1; // the getter's brand check: not a SharedArrayBuffer (a Proxy of one included)
  }
}
