/**
 * The value codec that carries values between threads through shared memory: the work-stealing
 * runtime's job arguments and results, and `@spindle/sync`'s cross-thread channels. Structured
 * clone semantics (cycles and shared references survive; functions, symbols and class instances are
 * refused with an `UncloneableValueError` naming where they sit), into plain bytes that any thread
 * can decode; a decoder that checks every length against the bytes it was given and throws a
 * `CorruptValueError` instead of reading past them.
 *
 * @example
 * ```ts
 * import { decodeValue, ValueEncoder } from "@spindle/codec";
 *
 * const encoder = new ValueEncoder();
 * encoder.encode({ id: 7, tags: ["a", "b"], at: new Date(0) }, "message", "value");
 * const copy = decodeValue(encoder.bytes.slice());
 * console.log(copy); // { id: 7, tags: [ "a", "b" ], at: 1970-01-01T00:00:00.000Z }
 * ```
 *
 * @module
 */
export { BufferReleasedError, CorruptValueError, UncloneableValueError } from "./errors.ts";
export {
  isSharedBuffer,
  MAX_SHARED_BUFFER_BYTES,
  noHeaderAt,
  reclaimBuffersOf,
  SharedBuffer,
  type TypedArrayClass,
} from "./shared-buffer.ts";
export { ANONYMOUS_OWNER, type HolderCheck, MAX_LOCK_OWNER, OwnedMutex } from "./owned-mutex.ts";
export { BLOCK_BYTES, MAX_BLOCK_BYTES, MAX_HEAP_BYTES, RECORD_CACHE_WORDS, SharedHeap } from "./shared-heap.ts";
export { move } from "./move.ts";
export { type DecodeOptions, decodeValue, decodeValueAt, dropMessage } from "./value-decoder.ts";
export { encodeNumbersInto, numbersMessageBytes } from "./numbers-encoder.ts";
export { encodeScalarInto } from "./scalar-encoder.ts";
export { ValueEncoder } from "./value-encoder.ts";
