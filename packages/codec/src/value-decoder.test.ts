// Hostile and corrupted bytes: the decoder reads nothing outside the message, allocates nothing
// for a length the message cannot hold, and fails with a CorruptValueError naming the record.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import { CorruptValueError } from "./errors.ts";
import { decodeValue } from "./value-decoder.ts";
import { ValueEncoder } from "./value-encoder.ts";
import * as tags from "./value-tags.ts";

const encoder = new ValueEncoder();

function encode(value: unknown): Uint8Array {
  encoder.encode(value, "test", "args");
  return encoder.bytes.slice();
}

const shared = { shared: 1 };
const error = new RangeError("bad range", { cause: shared });
(error as RangeError & { code?: number }).code = 7;

/** One value per tag (BACK_REFERENCE and HOLE inside the array), then all of them together. */
const SAMPLES: [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["false", false],
  ["true", true],
  ["int32", -123_456],
  ["float64", 1.5],
  ["bigint64", -(2n ** 40n)],
  ["bigint", -(2n ** 130n) - 12345n],
  ["short string", "short"],
  ["UTF-8 string", "héllo wörld, a string longer than the short ones ".repeat(3)],
  ["UTF-16 string", "lone \ud800 surrogate"],
  ["array", [1, , "three", [4]]],
  ["sparse array", Object.assign(new Array(70_000), { 3: "three", 69_999: [4] })],
  ["object", { a: 1, "key with space": [2], nested: { b: null } }],
  ["null-prototype object", Object.assign(Object.create(null) as object, { x: 1, y: "z" })],
  ["Map", new Map<unknown, unknown>([["k", 1], [2, { v: true }]])],
  ["Set", new Set([1, "two", 3n])],
  ["Date", new Date(1_700_000_000_000)],
  ["RegExp", /a(b+)c/gi],
  ["ArrayBuffer", new Uint8Array([1, 2, 3, 4, 5]).buffer],
  ["resizable ArrayBuffer", new ArrayBuffer(3, { maxByteLength: 40 })],
  ["typed array", new Float64Array([1.25, -2, 3e300])],
  ["DataView", new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1)],
  ["boxed", [Object(1.5), Object("s"), Object(true), Object(5n)]],
  ["error", error],
  ["back-reference", [shared, shared, { again: shared }]],
];
SAMPLES.push(["everything", SAMPLES.map(([, value]) => value)]);

/** `message` placed at `offset` in a SharedArrayBuffer of `size` bytes filled with `fill`, as in the heap. */
function inHeap(message: Uint8Array, size: number, fill: Uint8Array | number, offset = 8): Uint8Array {
  const heap = new Uint8Array(new SharedArrayBuffer(size));
  if (typeof fill === "number") heap.fill(fill);
  else for (let at = 0; at < size; at += fill.length) heap.set(fill.subarray(0, size - at), at);
  heap.set(message, offset);
  return heap.subarray(offset, offset + message.length);
}

/** Asserts that decoding `bytes` throws a CorruptValueError; returns it. */
function corruption(bytes: Uint8Array, what: string): CorruptValueError {
  try {
    decodeValue(bytes);
  } catch (error) {
    assert.ok(error instanceof CorruptValueError, `${what}: expected a CorruptValueError, got ${String(error)}`);
    assert.ok(error instanceof RangeError);
    assert.ok(
      error.offset >= 0 && error.offset <= bytes.length,
      `${what}: offset ${error.offset} lies in the message (or at its end)`,
    );
    return error;
  }
  assert.fail(`${what}: decoding did not throw`);
}

test("every sample round trips (the hostile tests below start from valid encodings)", () => {
  for (const [name, value] of SAMPLES) assert.deepEqual(decodeValue(encode(value)), value, name);
});

test("a lone int32 or ASCII string (the decoder's fast path) decodes alike from unshared and shared bytes, trailing bytes ignored", () => {
  for (const value of [0, -1, 2 ** 31 - 1, -(2 ** 31), 123_456, "", "a", "short", "x".repeat(24), "y".repeat(64)]) {
    const bytes = encode(value);
    const memory = new Uint8Array(new SharedArrayBuffer(bytes.length + 16));
    memory.set(bytes, 8);
    memory.fill(0xff, 8 + bytes.length); // bytes after the value, which must not be read as its own
    assert.equal(decodeValue(bytes), value);
    assert.equal(decodeValue(memory.subarray(8, 8 + bytes.length + 8)), value);
  }
});

test("a truncated record of every tag fails with CorruptValueError, even when the bytes after it would continue it", () => {
  for (const [name, value] of SAMPLES) {
    const full = encode(value);
    // The heap around the cut holds the rest of the message (and more copies of it): reading
    // past the cut would find a valid continuation, so only a bounds check can notice.
    for (let cut = 1; cut < full.length; cut++) {
      const error = corruption(
        inHeap(full.subarray(0, cut), 4 * full.length + 64, full, 0),
        `${name} cut to ${cut} of ${full.length} bytes`,
      );
      assert.match(error.message, /^corrupt value encoding at byte \d+: /);
    }
  }
});

test("a count or length larger than the message fails before anything is read or allocated for it", () => {
  const { ARRAY, OBJECT, NULL_PROTO_OBJECT, MAP, SET, STRING_UTF8, STRING_UTF16, ARRAY_BUFFER, DATA_VIEW } = tags;
  const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
  const headers: [string, number[], RegExp][] = [];
  for (const n of [0xffff_ffff, 0x7fff_ffff, 1_000_000, 2]) {
    headers.push(
      ["array", [0, ARRAY, ...u32(n)], /an array's length is \d+, more than the 0 bytes left/],
      ["object", [0, OBJECT, ...u32(n)], /an object's property count is \d+/],
      ["null-prototype object", [0, NULL_PROTO_OBJECT, ...u32(n)], /an object's property count is \d+/],
      ["Map", [0, MAP, ...u32(n)], /a Map's size is \d+/],
      ["Set", [0, SET, ...u32(n)], /a Set's size is \d+/],
      ["UTF-8 string", [0, STRING_UTF8, ...u32(n)], /a UTF-8 string's byte length is \d+/],
      ["UTF-16 string", [0, STRING_UTF16, ...u32(n)], /a UTF-16 string's length is \d+/],
      ["ArrayBuffer", [0, ARRAY_BUFFER, ...u32(n)], /an ArrayBuffer's byte length is \d+/],
      [
        "resizable ArrayBuffer",
        [0, tags.RESIZABLE_ARRAY_BUFFER, ...u32(n), ...u32(0xffff_ffff)],
        /a resizable ArrayBuffer('s byte length is \d+|'s bytes needs 2 bytes at byte 10)/,
      ],
      ["typed array", [0, tags.TYPED_ARRAY, 8, ...u32(n)], /a typed array's byte length is \d+/],
      ["DataView", [0, DATA_VIEW, ...u32(n)], /a DataView's byte length is \d+/],
      ["bigint", [0, tags.BIGINT, 0, ...u32(n)], /a bigint's word count is \d+/],
      [
        "error",
        [0, tags.ERROR, tags.STRING_ASCII, 0, tags.STRING_ASCII, 0, ...u32(n)],
        /an error's property count is \d+/,
      ],
      ["sparse array", [0, tags.SPARSE_ARRAY, ...u32(0xffff_ffff), ...u32(n)], /a sparse array's element count is \d+/],
    );
  }
  headers.push(
    ["short string", [0, tags.STRING_ASCII, 200], /a short string needs 200 bytes at byte 3/],
    ["key", [0, OBJECT, ...u32(1), tags.STRING_ASCII, 50, tags.NULL], /a key needs 50 bytes at byte 8/],
  );
  // The issue's case: a 6-byte header inside a 16 MiB heap of bytes that read as values
  // (UNDEFINED, or HOLE) made the decoder walk the whole heap (+420 MB) before failing.
  for (const fill of [tags.UNDEFINED, tags.HOLE]) {
    for (const [name, header, message] of headers) {
      const error = corruption(inHeap(new Uint8Array(header), 16 << 20, fill), name);
      assert.match(error.message, message, name);
      assert.equal(error.offset, name === "key" ? 6 : 1, `${name}: the error names the record's byte`);
    }
  }
});

test("records that are whole but impossible fail with CorruptValueError naming what is wrong", () => {
  const cases: [string, number[], RegExp][] = [
    ["unknown tag", [0, 200], /at byte 1: unknown tag 200/],
    ["unknown flags", [6, tags.NULL], /at byte 0: unknown flags 6/],
    ["hole outside an array", [0, tags.HOLE], /a hole outside an array/],
    [
      "back-reference without the flag",
      [0, tags.BACK_REFERENCE, 0, 0, 0, 0],
      /a back-reference to object 0, of 0 so far/,
    ],
    [
      "back-reference ahead",
      [1, tags.ARRAY, 1, 0, 0, 0, tags.BACK_REFERENCE, 5, 0, 0, 0],
      /at byte 6: a back-reference to object 5, of 1 so far/,
    ],
    ["bigint sign", [0, tags.BIGINT, 2, 0, 0, 0, 0], /a bigint with sign byte 2/],
    ["typed array kind", [0, tags.TYPED_ARRAY, 31, 0, 0, 0, 0], /typed array kind 31/],
    [
      "typed array length",
      [0, tags.TYPED_ARRAY, 8, 3, 0, 0, 0, 1, 2, 3],
      /typed array Float64Array of 3 bytes, not a multiple of 8/,
    ],
    [
      "resizable maximum",
      [0, tags.RESIZABLE_ARRAY_BUFFER, 2, 0, 0, 0, 1, 0, 0, 0, 5, 6],
      /a resizable ArrayBuffer of 2 bytes with a maximum of 1/,
    ],
    ["boxed object", [0, tags.BOXED, tags.ARRAY, 0, 0, 0, 0], /a boxed primitive of tag 11/],
    ["boxed null", [0, tags.BOXED, tags.NULL], /a boxed primitive of tag 1/],
    [
      "key that is no string",
      [0, tags.OBJECT, 1, 0, 0, 0, tags.INT32, 1, 0, 0, 0, tags.NULL],
      /tag 4 where a string belongs/,
    ],
    [
      "regexp flags",
      [0, tags.REGEXP, tags.STRING_ASCII, 1, 0x61, tags.STRING_ASCII, 2, 0x7a, 0x7a],
      /a RegExp with source "a" and flags "zz"/,
    ],
    [
      "regexp source",
      [0, tags.REGEXP, tags.STRING_ASCII, 1, 0x28, tags.STRING_ASCII, 0],
      /a RegExp with source "\(" and flags ""/,
    ],
    ["empty message", [], /the message is empty/],
    [
      "sparse array count",
      [0, tags.SPARSE_ARRAY, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
      /a sparse array of length 1 with 2 elements/,
    ],
    [
      "sparse array index",
      [0, tags.SPARSE_ARRAY, 9, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, tags.NULL],
      /a sparse array of length 9 with index 9 after none/,
    ],
    [
      "sparse array order",
      [0, tags.SPARSE_ARRAY, 9, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, tags.NULL, 4, 0, 0, 0, tags.NULL],
      /with index 4 after 4/,
    ],
  ];
  for (const [name, bytes, message] of cases) {
    assert.match(corruption(new Uint8Array(bytes), name).message, message, name);
  }
});

test("nesting deeper than the stack fails with CorruptValueError, keeping the engine's error as cause", () => {
  // 16 MiB of one-element array headers, each inside the last.
  const size = 16 << 20;
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  for (let at = 1; at + 5 <= size; at += 5) bytes.set([tags.ARRAY, 1, 0, 0, 0], at);
  const error = corruption(bytes, "deep nesting");
  assert.match(error.message, /cannot be decoded here/);
  assert.ok(error.cause instanceof RangeError);
});

/** A small, seeded PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Decodes `bytes` and reports what came out: the value (rendered, as Node 22's deepEqual finds
 * two invalid dates unequal, without the stack frames of errors built while decoding), or the
 * error, which must be a CorruptValueError.
 */
function outcome(bytes: Uint8Array, what: string): { value?: string; error?: string } {
  try {
    return { value: inspect(decodeValue(bytes), { depth: Infinity }).replace(/\n\s+at [^\n]*/g, "") };
  } catch (error) {
    // Node 22 has no Float16Array: that kind is a value this runtime cannot build, not corruption.
    if (error instanceof TypeError && /cannot decode typed array Float16Array/.test(error.message)) {
      return { error: error.message };
    }
    assert.ok(error instanceof CorruptValueError, `${what}: expected a CorruptValueError, got ${String(error)}`);
    return { error: error.message };
  }
}

test("random and mutated bytes decode alike whatever surrounds them, or fail with CorruptValueError", () => {
  const next = random(0x5eed_17);
  const byte = () => (next() < 0.6 ? Math.floor(next() * 27) : Math.floor(next() * 256));
  const valid = SAMPLES.map(([, value]) => encode(value));
  const messages: Uint8Array[] = [];
  for (let i = 0; i < 2_000; i++) {
    const message = Uint8Array.from({ length: 1 + Math.floor(next() * 40) }, byte);
    message[0] = next() < 0.5 ? 0 : 1;
    messages.push(message);
  }
  for (let i = 0; i < 2_000; i++) {
    const message = valid[Math.floor(next() * valid.length)]!.slice();
    for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--) {
      message[Math.floor(next() * message.length)] = byte();
    }
    messages.push(message);
  }
  const everything = valid[valid.length - 1]!;
  for (const [index, message] of messages.entries()) {
    const what = `message ${index} [${message.join(",")}]`;
    // The same bytes between zeros, between copies of a valid encoding, and alone: anything read
    // past the end would make the outcomes differ.
    const alone = outcome(message.slice(), what);
    assert.deepEqual(outcome(inHeap(message, message.length + 4096, 0), what), alone, what);
    assert.deepEqual(outcome(inHeap(message, message.length + 4096, everything), what), alone, what);
  }
});
