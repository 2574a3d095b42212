// `encodeNumbersInto` writes exactly what `ValueEncoder` writes for a Float64Array of the same
// numbers, straight from a list of values, and refuses a list that holds anything else.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { encodeNumbersInto, numbersMessageBytes } from "./numbers-encoder.ts";
import { decodeValue } from "./value-decoder.ts";
import { ValueEncoder } from "./value-encoder.ts";

const NUMBERS = [0, -0, 1, -1, 1.5, 2 ** 31, -1e-300, Number.MAX_VALUE, NaN, Infinity, -Infinity];

test("encodeNumbersInto writes what ValueEncoder writes for the Float64Array of the range", () => {
  const encoder = new ValueEncoder();
  for (const [from, to] of [[0, NUMBERS.length], [2, 5], [3, 3], [10, 11]] as const) {
    const length = encoder.encode(Float64Array.from(NUMBERS.slice(from, to)), "test", "value");
    const memory = new Uint8Array(256).fill(0xaa);
    assert.equal(encodeNumbersInto(NUMBERS, from, to, memory, 16), length);
    assert.equal(numbersMessageBytes(to - from), length);
    assert.deepEqual(memory.subarray(16, 16 + length), encoder.bytes.subarray(0, length));
    assert.equal(memory[15], 0xaa, "nothing before the offset is written");
    assert.equal(memory[16 + length], 0xaa, "nothing after the message is written");
  }
});

test("a message encodeNumbersInto wrote into a growable SharedArrayBuffer is lent in place and keeps every number", () => {
  const buffer = new SharedArrayBuffer(64, { maxByteLength: 4096 });
  const memory = new Uint8Array(buffer); // length-tracking: sees the growth below
  buffer.grow(1024);
  const length = encodeNumbersInto(NUMBERS, 0, NUMBERS.length, memory, 512);
  const lent = decodeValue(memory.subarray(512, 512 + length), { lend: true }) as Float64Array;
  assert.ok(lent instanceof Float64Array);
  assert.equal(lent.buffer, buffer, "a view of the message's bytes, not a copy");
  assert.equal(lent.byteOffset, 520);
  assert.deepEqual([...lent].map((x) => Object.is(x, -0) ? "-0" : x), NUMBERS.map((x) => Object.is(x, -0) ? "-0" : x));
});

test("encodeNumbersInto returns 0 for a range that holds a value other than a number", () => {
  const memory = new Uint8Array(128);
  assert.equal(encodeNumbersInto([1, 2, "3", 4], 0, 4, memory, 0), 0);
  assert.equal(encodeNumbersInto([1, 2n], 0, 2, memory, 0), 0);
  assert.equal(encodeNumbersInto([1, , 3], 0, 3, memory, 0), 0, "a hole is not a number");
  assert.equal(encodeNumbersInto([1, 2, "3", 4], 0, 2, memory, 0), 24, "outside the range it may");
});

test("encodeNumbersInto refuses a bad target, range or offset, naming it", () => {
  const memory = new Uint8Array(64);
  const invalid = (f: () => unknown, pattern: RegExp) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && pattern.test(e.message),
    );
  invalid(() => encodeNumbersInto([1], 0, 1, [] as unknown as Uint8Array, 0), /Uint8Array/);
  invalid(() => encodeNumbersInto([1], 0, 2, memory, 0), /from 0 to 2/);
  invalid(() => encodeNumbersInto([1], -1, 1, memory, 0), /from -1/);
  invalid(() => encodeNumbersInto([1], 0, 1, memory, 4), /offset 4/);
  invalid(() => encodeNumbersInto([1], 0, 1, memory.subarray(4), 0), /at byte 4/);
  invalid(() => encodeNumbersInto([1, 2, 3, 4, 5, 6, 7], 0, 7, memory, 8), /needs 64 bytes/);
  invalid(() => numbersMessageBytes(-1), /got -1/);
});
