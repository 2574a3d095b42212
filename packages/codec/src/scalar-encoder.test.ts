// The scalar fast paths: `encodeScalarInto` writes exactly what `ValueEncoder` writes for a number
// or a short ASCII string, and `decodeValueAt` reads a message in place as `decodeValue` reads its
// view.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { encodeScalarInto } from "./scalar-encoder.ts";
import { decodeValue, decodeValueAt } from "./value-decoder.ts";
import { ValueEncoder } from "./value-encoder.ts";

const encoder = new ValueEncoder();

function encode(value: unknown): Uint8Array {
  encoder.encode(value, "test", "value");
  return encoder.bytes.slice();
}

const SCALARS: unknown[] = [
  0,
  -0,
  1,
  -1,
  255,
  -129,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  1.5,
  -1e-300,
  Number.MAX_VALUE,
  NaN,
  Infinity,
  -Infinity,
  "",
  "a",
  "0123456789abcdef".repeat(4), // 64 characters: the longest short string
  "\u007f\u0000 tab\t",
];

test("encodeScalarInto writes what ValueEncoder writes, byte for byte, and decodes back", () => {
  const target = new Uint8Array(100).fill(0xee);
  for (const value of SCALARS) {
    for (const offset of [0, 7]) {
      const n = encodeScalarInto(value, target, offset);
      assert.deepEqual(target.slice(offset, offset + n), encode(value), String(value));
      assert.ok(Object.is(decodeValueAt(target, offset, n), value), String(value));
      assert.ok(Object.is(decodeValue(target.subarray(offset, offset + n)), value), String(value));
    }
  }
});

test("encodeScalarInto returns 0 for what it does not write: other values, non-ASCII or long strings, no room", () => {
  const target = new Uint8Array(80);
  for (const value of [{}, [1], null, undefined, true, 1n, "é", "snow ☃", "x".repeat(65), new Date(0)]) {
    assert.equal(encodeScalarInto(value, target, 0), 0, String(value));
  }
  assert.equal(encodeScalarInto(7, target, 75), 0); // an int32 takes 6 bytes: 5 left
  assert.equal(encodeScalarInto(7, target, 74), 6);
  assert.equal(encodeScalarInto(0.5, target, 71), 0); // a float64 takes 10
  assert.equal(encodeScalarInto("abcd", target, 74), 0); // 3 + 4 bytes
  assert.equal(encodeScalarInto("abcd", target, 73), 7);
  // A non-ASCII character last, a lone surrogate, and one whose 2 bytes fill exactly the room that
  // 2 ASCII characters would take (as many bytes written as characters, but not all read).
  for (const value of ["abc\u0080", "\ud800x", "éa"]) {
    assert.equal(encodeScalarInto(value, target, 80 - 3 - value.length), 0, JSON.stringify(value));
  }
});

test("encodeScalarInto and decodeValueAt refuse a target or range that is none, naming it", () => {
  const u8 = new Uint8Array(16);
  const refused = (name: RegExp) => (error: unknown) =>
    error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && name.test(error.message);
  assert.throws(() => encodeScalarInto(1, [] as unknown as Uint8Array, 0), refused(/Uint8Array, got/));
  assert.throws(() => encodeScalarInto(1, u8, -1), refused(/offset .* got -1/));
  assert.throws(() => encodeScalarInto(1, u8, 17), refused(/offset .* got 17/));
  assert.throws(() => encodeScalarInto(1, u8, 0.5), refused(/offset .* got 0\.5/));
  assert.throws(() => decodeValueAt(new Int8Array(4) as unknown as Uint8Array, 0, 1), refused(/Uint8Array, got/));
  assert.throws(() => decodeValueAt(u8, 10, 7), refused(/inside the 16 bytes given, got start 10 and length 7/));
  assert.throws(() => decodeValueAt(u8, -1, 2), refused(/start -1/));
});

test("decodeValueAt reads any message in place, and reports a corrupt one as decodeValue does", () => {
  const message = encode({ id: 7, tags: ["a", "b"], at: new Date(0) });
  const memory = new Uint8Array(new SharedArrayBuffer(message.length + 20));
  memory.set(message, 10);
  assert.deepEqual(decodeValueAt(memory, 10, message.length), { id: 7, tags: ["a", "b"], at: new Date(0) });
  // An int32 cut short is not read as one: the reader reports the missing bytes.
  memory.set(encode(5), 0);
  assert.throws(() => decodeValueAt(memory, 0, 4), { name: "CorruptValueError" });
  assert.throws(() => decodeValue(memory.subarray(0, 4)), { name: "CorruptValueError" });
});

test("ASCII strings of every length decode in place from a view over a shared heap that grew after an earlier read", () => {
  const memory = new SharedArrayBuffer(256, { maxByteLength: 8192 });
  const view = new Uint8Array(memory); // tracks the length as the memory grows, as the heap's views do
  const short = "x".repeat(40);
  assert.equal(decodeValueAt(view, 0, encodeScalarInto(short, view, 0)), short); // remembers the 256-byte view
  memory.grow(8192);
  for (let n = 0; n <= 64; n++) {
    const text = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + n) % 95))).join("");
    const at = 8192 - 200 + n; // past the first 256 bytes: read through the grown view
    const length = encodeScalarInto(text, view, at);
    assert.equal(decodeValueAt(view, at, length), text, `${n} characters`);
  }
});

/** `n` printable ASCII characters that differ with `seed`. */
function asciiText(n: number, seed: number): string {
  return Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + seed) % 95))).join("");
}

test("ASCII strings decode from views of different memories read in turn, at the lengths where the decoding changes", () => {
  const a = new Uint8Array(new SharedArrayBuffer(128));
  const b = new Uint8Array(new SharedArrayBuffer(256), 64); // a view that starts inside its buffer
  for (const n of [0, 1, 4, 5, 6, 15, 16, 17, 18, 20, 31, 32, 33, 39, 40, 41, 63, 64]) {
    for (let round = 0; round < 3; round++) {
      const inA = asciiText(n, round);
      const inB = asciiText(n, round + 50);
      const lengthA = encodeScalarInto(inA, a, 5);
      const lengthB = encodeScalarInto(inB, b, 9);
      assert.equal(lengthA, 3 + n);
      assert.equal(decodeValueAt(a, 5, lengthA), inA, `${n} characters from a`);
      assert.equal(decodeValueAt(b, 9, lengthB), inB, `${n} characters from b`);
      // The memory changed under the same view: the next read sees the new bytes.
      a.fill(0x41, 8, 8 + n);
      assert.equal(decodeValueAt(a, 5, lengthA), "A".repeat(n), `${n} characters rewritten`);
    }
  }
});

test("strings of every kind round-trip exactly through shared memory: ASCII by encodeScalarInto, the others by the encoder", () => {
  const memory = new Uint8Array(new SharedArrayBuffer(1024));
  const kinds: [string, string][] = [
    ["ASCII", "a"],
    ["Latin-1", "é"],
    ["BMP", "☃"],
    ["astral", "😀"],
    ["lone high surrogate", "\ud800"],
    ["lone low surrogate", "\udc00"],
  ];
  const texts = [""];
  for (const [, unit] of kinds) {
    for (const n of [1, 16, 17, 63, 64, 65]) {
      texts.push(unit.repeat(n), "x".repeat(n) + unit, unit + "x".repeat(n));
    }
  }
  texts.push("\ud83d\ude00\ud800 mixed é ☃", "\udc00\ud800", "x".repeat(64) + "\u0080");
  for (const text of texts) {
    const ascii = text.length <= 64 && Array.from(text).every((c) => c.charCodeAt(0) < 0x80);
    const scalar = encodeScalarInto(text, memory, 3);
    assert.equal(scalar, ascii ? 3 + text.length : 0, JSON.stringify(text));
    const bytes = encode(text);
    if (ascii) assert.deepEqual(memory.slice(3, 3 + scalar), bytes, JSON.stringify(text));
    memory.set(bytes, 3);
    assert.equal(decodeValueAt(memory, 3, bytes.length), text, JSON.stringify(text));
    assert.equal(decodeValue(memory.subarray(3, 3 + bytes.length)), text, JSON.stringify(text));
  }
});
