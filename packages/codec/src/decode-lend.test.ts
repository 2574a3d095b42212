// decodeValue's `lend` option: a typed array that is the whole message comes back lent (a view of
// the message's bytes) when they lie on an element boundary, which the encoder's padding makes
// them do in a message placed at a multiple of 8; every other value, and typed arrays inside one,
// are copied as without it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { decodeValue } from "./value-decoder.ts";
import { ValueEncoder } from "./value-encoder.ts";

const encoder = new ValueEncoder();

/**
 * `value`'s message placed in a SharedArrayBuffer so that its last `tail` bytes (a top-level
 * typed array's elements) start at a byte offset whose remainder by 8 is `remainder`.
 */
function placed(value: unknown, tail: number, remainder: number): Uint8Array {
  const length = encoder.encode(value, "test", "args");
  const memory = new Uint8Array(new SharedArrayBuffer(length + 64));
  const dataAt = length - tail;
  const start = 16 + ((remainder - dataAt) % 8 + 8) % 8;
  memory.set(encoder.bytes.subarray(0, length), start);
  return memory.subarray(start, start + length);
}

test("a lent Float64Array whose bytes are aligned is a view of the message: a write to them shows", () => {
  const message = placed(new Float64Array([1.5, -2, 3.25]), 24, 0);
  const lent = decodeValue(message, { lend: true }) as Float64Array;
  assert.ok(lent instanceof Float64Array);
  assert.deepEqual([...lent], [1.5, -2, 3.25]);
  assert.equal(lent.buffer, message.buffer);
  new Float64Array(message.buffer, lent.byteOffset, 3)[1] = 7;
  assert.equal(lent[1], 7);
});

test("a Float64Array whose bytes are not aligned is copied even with lend", () => {
  const message = placed(new Float64Array([1, 2]), 16, 3);
  const copied = decodeValue(message, { lend: true }) as Float64Array;
  assert.deepEqual([...copied], [1, 2]);
  assert.ok(copied.buffer instanceof ArrayBuffer, "a copy in unshared memory");
});

test("the encoder pads every typed array kind to its element size: at a multiple of 8, each is lent in place", () => {
  const kinds = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Float32Array, Float64Array, BigInt64Array];
  for (const Kind of kinds) {
    const values = Kind === BigInt64Array ? [1n, -2n, 3n] : [1, 2, 3];
    const array = new (Kind as unknown as new (values: unknown[]) => ArrayLike<unknown>)(values);
    const length = encoder.encode(array, "test", "args");
    const memory = new Uint8Array(new SharedArrayBuffer(length + 8), 8, length);
    memory.set(encoder.bytes.subarray(0, length));
    const lent = decodeValue(memory, { lend: true }) as ArrayLike<unknown> & ArrayBufferView;
    assert.equal(lent.buffer, memory.buffer, `${Kind.name} is a view of the message`);
    assert.deepEqual([...(lent as unknown as Iterable<unknown>)], values, Kind.name);
  }
});

test("padded typed arrays anywhere in a message decode as they were", () => {
  // Each string shifts what follows by one byte, so the arrays need every amount of padding.
  const value = ["", new Float64Array([0.5]), "a", new Int32Array([-7]), "ab", new Uint16Array([9, 8]), "abc", {
    f: new Float64Array([1, 2]),
  }];
  for (let shift = 0; shift < 8; shift++) {
    const shifted = ["x".repeat(shift), ...value];
    assert.deepEqual(decodeValue(placed(shifted, 0, shift)), shifted);
  }
});

test("without lend, and for typed arrays inside another value, the decoder copies", () => {
  const message = placed(new Float64Array([1, 2]), 16, 0);
  const copied = decodeValue(message) as Float64Array;
  assert.notEqual(copied.buffer, message.buffer);
  assert.deepEqual([...copied], [1, 2]);
  const nested = decodeValue(placed([new Uint8Array([9, 8])], 2, 0), { lend: true }) as Uint8Array[];
  assert.deepEqual([...nested[0]!], [9, 8]);
  assert.ok(nested[0]!.buffer instanceof ArrayBuffer, "a nested typed array is a copy in unshared memory");
});

test("lend leaves other messages as they were", () => {
  for (const value of [42, "text", [1, 2, 3], { a: new Float64Array([1]) }, new Uint8Array([1, 2, 3])]) {
    assert.deepEqual(decodeValue(placed(value, 0, 0), { lend: true }), value);
  }
});

test("decodeValue refuses options that are not { lend: boolean }, naming them", () => {
  const message = placed([1], 0, 0);
  const { proxy: revoked, revoke } = Proxy.revocable({ lend: true }, {});
  revoke(); // read, it threw the engine's TypeError
  for (const bad of [null, 1, { lend: 1 }, {}, revoked]) {
    assert.throws(
      () => decodeValue(message, bad as never),
      (error: unknown) =>
        error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && /options/.test(error.message),
    );
  }
});
