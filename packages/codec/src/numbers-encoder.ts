import { checkInstance, describe, SpindleError } from "@spindle/core";
import { TYPED_ARRAY, TYPED_ARRAY_NAMES, TYPED_ARRAY_PADDING_SHIFT } from "./value-tags.ts";

const FLOAT64_KIND = TYPED_ARRAY_NAMES.indexOf("Float64Array");
/**
 * The bytes before a Float64Array message's elements: its flags, tag, kind byte and byte length
 * (7 bytes), and one byte of padding, so that the elements start 8 bytes from the message's start
 * (`ValueEncoder` pads a typed array's bytes to a multiple of their element size).
 */
const HEADER_BYTES = 8;
/** The most elements one message can carry: its byte length is a u32. */
const MAX_COUNT = Math.floor(0xffff_ffff / 8);

/**
 * The byte length of the message `ValueEncoder.encode` makes of a `Float64Array` of `count`
 * elements (what {@linkcode encodeNumbersInto} writes): 8 bytes of header, then 8 per element.
 *
 * @example
 * ```ts
 * import { numbersMessageBytes } from "@spindle/codec";
 *
 * console.log(numbersMessageBytes(3)); // 32
 * ```
 */
export function numbersMessageBytes(count: number): number {
  if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `a Float64Array message holds an integer count of numbers from 0 to ${MAX_COUNT}, got ${describe(count)}`,
    );
  }
  return HEADER_BYTES + 8 * count;
}

/**
 * Writes the message `ValueEncoder.encode` makes of `Float64Array.from(values.slice(from, to))`
 * into `target` at `offset`, byte for byte, straight from `values` (no typed array in between,
 * no scratch buffer, one pass), and returns its byte length
 * ({@linkcode numbersMessageBytes}`(to - from)`); `0`, with bytes from `offset` on written, when
 * one of the values is not a number. A sender that places messages in shared memory itself (a
 * job record's payload) saves the two copies that packing the numbers and encoding them cost.
 * The elements start 8 bytes after `offset`, which must lie on a multiple of 8 from the start of
 * `target`'s buffer (a shared heap's blocks do), so that a reader can view them in place
 * (`decodeValue`'s `lend`). Throws `INVALID_ARGUMENT` when `target` is not a `Uint8Array`, the
 * range does not lie inside `values`, `offset` is not 8-aligned, or the message does not fit.
 *
 * @example
 * ```ts
 * import { decodeValue, encodeNumbersInto } from "@spindle/codec";
 *
 * const memory = new Uint8Array(64);
 * const n = encodeNumbersInto([1, 2.5, 3, 4], 1, 3, memory, 8);
 * console.log(n, decodeValue(memory.subarray(8, 8 + n))); // 24 Float64Array(2) [ 2.5, 3 ]
 * console.log(encodeNumbersInto([1, "2"], 0, 2, memory, 8)); // 0: not all numbers
 * ```
 */
export function encodeNumbersInto(
  values: ArrayLike<unknown>,
  from: number,
  to: number,
  target: Uint8Array,
  offset: number,
): number {
  checkInstance(target, Uint8Array, "encodeNumbersInto() writes into a Uint8Array");
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to > values.length) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `encodeNumbersInto()'s range must lie inside the ${values.length} values given, got from ${describe(from)} to ${
        describe(to)
      }`,
    );
  }
  const count = to - from;
  const length = numbersMessageBytes(count);
  if (
    !Number.isInteger(offset) || offset < 0 || offset + length > target.length ||
    (target.byteOffset + offset) % 8 !== 0
  ) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `encodeNumbersInto() needs ${length} bytes at an offset of target that is a multiple of 8 from its buffer's ` +
        `start, got offset ${describe(offset)} of ${target.length} bytes at byte ${target.byteOffset}`,
    );
  }
  // A view of exactly the elements' bytes: of a fixed length, also over a growable buffer (V8
  // reads and writes through a length-tracking view 15-20x slower, see the decoder's Reader).
  const elements = new Float64Array(target.buffer, target.byteOffset + offset + HEADER_BYTES, count);
  for (let i = 0; i < count; i++) {
    const value = values[from + i];
    if (typeof value !== "number") return 0;
    elements[i] = value;
  }
  const byteLength = 8 * count;
  target[offset] = 0; // flags: no back-references, no moved buffers
  target[offset + 1] = TYPED_ARRAY;
  // One byte of padding: the elements start at 1 (flags) + 6 (tag, kind, u32 length) + 1 = 8.
  target[offset + 2] = FLOAT64_KIND | (1 << TYPED_ARRAY_PADDING_SHIFT);
  target[offset + 3] = byteLength;
  target[offset + 4] = byteLength >>> 8;
  target[offset + 5] = byteLength >>> 16;
  target[offset + 6] = byteLength >>> 24;
  target[offset + 7] = 0;
  return length;
}
