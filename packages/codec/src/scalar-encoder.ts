import { checkInstance, describe, HOST_RUNTIME, SpindleError } from "@spindle/core";
import { FLOAT64, INT32, MAX_SHORT_STRING, STRING_ASCII } from "./value-tags.ts";

/** Where a float64 is laid out in little-endian order before its bytes are copied. */
const floatView = new DataView(new ArrayBuffer(8));
const floatBytes = new Uint8Array(floatView.buffer);

/**
 * From this length short ASCII strings are written by `TextEncoder.encodeInto` rather than by a
 * loop of `charCodeAt`. Measured per string into a reused buffer: Bun 1.4, 64 characters, 14-30
 * ns against 97-150 (a million calls, best of 7, 2 vCPUs, loaded); Node 24, callgrind, 828-830
 * machine instructions for 16 or 32 characters against 950 and 1,686. Deno 2.9 runs `encodeInto`
 * through an op of a fixed cost, which the loop beats up to about 40 characters (same-run best of
 * 3, loaded: 32 characters 862 ns against 677, 48 characters 822 against 1,081).
 */
const ENCODE_INTO_FROM = HOST_RUNTIME === "Deno" ? 40 : 0;
const textEncoder = new TextEncoder();
/**
 * The view `encodeInto` writes a string's characters into (from `charsOffset + 3` of
 * `charsTarget`), kept for the next call on the same target and offset (a sender's scratch), as
 * making it cost about as much as the encoding.
 */
let charsTarget: Uint8Array | undefined;
let charsOffset = -1;
let charsView: Uint8Array = new Uint8Array(0);

/**
 * Writes the message `ValueEncoder.encode` makes of `value` into `target` at `offset`, byte for
 * byte, when `value` is a number or an ASCII string of at most 64 characters (the commonest small
 * messages), and returns its byte length; `0` for any other value, or when the message does not
 * fit in `target` after `offset` (either way bytes after `offset` may have been written). Unlike
 * the encoder it has no setup, allocates at most `encodeInto`'s small result (and a view when
 * `target` or `offset` changed) and never throws for a value: a sender that writes into shared memory
 * (a channel's slot) saves the encoder's per-message bookkeeping and the copy of its result.
 * Throws `INVALID_ARGUMENT` when `target` is not a `Uint8Array` or `offset` not an index of it.
 *
 * @example
 * ```ts
 * import { decodeValue, encodeScalarInto } from "@spindle/codec";
 *
 * const slot = new Uint8Array(16);
 * const n = encodeScalarInto("hi", slot, 0);
 * console.log(n, decodeValue(slot.subarray(0, n))); // 5 hi
 * console.log(encodeScalarInto({ a: 1 }, slot, 0)); // 0: not a scalar, use a ValueEncoder
 * ```
 */
export function encodeScalarInto(value: unknown, target: Uint8Array, offset: number): number {
  checkInstance(target, Uint8Array, "encodeScalarInto() writes into a Uint8Array");
  const room = target.length - offset;
  if (!Number.isInteger(offset) || offset < 0 || room < 0) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `encodeScalarInto()'s offset must be an integer from 0 to ${target.length}, got ${describe(offset)}`,
    );
  }
  // Byte 0 is the message's flags: none for a scalar (no back-references, no moved buffers).
  if (typeof value === "number") {
    if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
      if (room < 6) return 0;
      target[offset] = 0;
      target[offset + 1] = INT32;
      target[offset + 2] = value;
      target[offset + 3] = value >> 8;
      target[offset + 4] = value >> 16;
      target[offset + 5] = value >> 24;
      return 6;
    }
    if (room < 10) return 0;
    floatView.setFloat64(0, value, true);
    target[offset] = 0;
    target[offset + 1] = FLOAT64;
    for (let i = 0; i < 8; i++) target[offset + 2 + i] = floatBytes[i]!;
    return 10;
  }
  if (typeof value !== "string") return 0;
  const n = value.length;
  if (n > MAX_SHORT_STRING || room < 3 + n) return 0;
  if (n >= ENCODE_INTO_FROM) {
    if (target !== charsTarget || offset !== charsOffset) {
      charsView = target.subarray(offset + 3);
      charsTarget = target;
      charsOffset = offset;
    }
    // All n characters read into n bytes: each took one, so all are ASCII (any other takes 2-3).
    const { read, written } = textEncoder.encodeInto(value, charsView);
    if (read !== n || written !== n) return 0; // not ASCII: the encoder writes UTF-8 or UTF-16
  } else {
    const start = offset + 3;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return 0; // not ASCII: the encoder writes UTF-8 or UTF-16
      target[start + i] = c;
    }
  }
  target[offset] = 0;
  target[offset + 1] = STRING_ASCII;
  target[offset + 2] = n;
  return 3 + n;
}
