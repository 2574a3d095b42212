import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { UncloneableValueError } from "./errors.ts";
import { decodeValue } from "./value-decoder.ts";
import { ValueEncoder } from "./value-encoder.ts";

const encoder = new ValueEncoder();

/** Encodes `value` and decodes the result from a copy (so nothing can alias the scratch buffer). */
function roundTrip<T>(value: T, into: ValueEncoder = encoder): T {
  const length = into.encode(value, "test", "args");
  assert.equal(into.bytes.length, length);
  return decodeValue(into.bytes.slice()) as T;
}

/** Encodes `value` and decodes it from a copy placed at `offset` in a SharedArrayBuffer. */
function roundTripShared<T>(value: T, offset = 13): { decoded: T; heap: Uint8Array } {
  const length = encoder.encode(value, "test", "result");
  const heap = new Uint8Array(new SharedArrayBuffer(offset + length + 32));
  heap.fill(0xee);
  heap.set(encoder.bytes, offset);
  const decoded = decodeValue(heap.subarray(offset, offset + length)) as T;
  return { decoded, heap };
}

/** The UncloneableValueError that encoding `value` (with `root` "args") throws. */
function rejection(value: unknown, root = "args"): UncloneableValueError {
  try {
    encoder.encode(value, "fib", root);
  } catch (error) {
    assert.ok(error instanceof UncloneableValueError, `expected an UncloneableValueError, got ${String(error)}`);
    assert.ok(error instanceof TypeError);
    return error;
  }
  assert.fail("encode did not throw");
}

const Float16ArrayClass = (globalThis as Record<string, unknown>)["Float16Array"] as
  | (new (values: number[]) => ArrayBufferView)
  | undefined;

test("primitives round trip, keeping -0, NaN and the int32 edges", () => {
  const values = [
    undefined,
    null,
    true,
    false,
    0,
    1,
    -1,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    -(2 ** 31) - 1,
    1.5,
    -1e-300,
    Number.MAX_VALUE,
    Infinity,
    -Infinity,
  ];
  for (const value of values) assert.equal(roundTrip(value), value);
  assert.ok(Object.is(roundTrip(-0), -0));
  assert.ok(Object.is(roundTrip(0), 0));
  assert.ok(Number.isNaN(roundTrip(NaN)));
  assert.deepEqual(roundTrip(values), values);
});

test("bigints round trip, small and beyond 64 bits, of either sign", () => {
  const values = [
    0n,
    1n,
    -1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    2n ** 63n,
    -(2n ** 63n) - 1n,
    2n ** 64n,
    2n ** 64n - 1n,
    -(3n ** 200n),
    7n ** 99n,
  ];
  for (const value of values) assert.equal(roundTrip(value), value);
  // Every digit count around the word boundaries (odd and even hex lengths), both signs.
  for (let bits = 60n; bits <= 200n; bits++) {
    for (
      const value of [2n ** bits, 2n ** bits - 1n, -(2n ** bits), -(2n ** bits) + 1n, 2n ** bits + 0x0123456789abcdefn]
    ) {
      assert.equal(roundTrip(value), value);
    }
  }
});

test("a bigint beyond 64 bits is its magnitude in little-endian 64-bit words", () => {
  const length = encoder.encode(-(2n ** 64n) - 0x0102n, "test", "args");
  const bytes = [...encoder.bytes.subarray(0, length)];
  // flags, BIGINT, negative, 2 words, then 0x0102 and 1 as u64 words.
  assert.deepEqual(bytes, [0, 7, 1, 2, 0, 0, 0, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
});

test("a 512 KiB bigint round trips, of either sign, also from shared memory", () => {
  // Was quadratic both ways (33 s to encode, 28-41 s to decode on Node 24); linear now. No timing
  // is asserted here: the figures are in the benchmarks.
  const digits = Array.from({ length: 512 * 1024 }, (_, i) => ((i * 2654435761) >>> 24).toString(16).padStart(2, "0"));
  digits[0] = "9f"; // the top byte is not zero
  const large = BigInt(`0x${digits.join("")}`);
  for (const value of [large, -large, large + 1n, -large - 1n]) {
    assert.equal(roundTrip(value), value);
    assert.equal(roundTripShared(value, 3).decoded, value);
  }
  assert.deepEqual(roundTrip([large, -large, 0n, -1n, 2n ** 64n, -(2n ** 64n)]), [
    large,
    -large,
    0n,
    -1n,
    2n ** 64n,
    -(2n ** 64n),
  ]);
});

test("strings round trip: empty, ASCII at the short limit, UTF-8, emoji, long, lone surrogates", () => {
  const values = [
    "",
    "x",
    "abcd",
    "abcdefghijklm",
    "a".repeat(64),
    "b".repeat(65),
    "héllo wörld",
    "日本語のテキスト",
    "emoji 🎉 and more 👩‍👩‍👧",
    "long ".repeat(20_000),
    "ünïcödé ".repeat(5_000),
    "\ud800",
    "a\udc00b",
    "tail \ud83d",
    "\u0000nul\u007f",
  ];
  for (const value of values) assert.equal(roundTrip(value), value);
});

test("arrays round trip nested, and keep their holes apart from undefined", () => {
  const nested = [1, [2, [3, [4, []]]], "five", { six: [6] }];
  assert.deepEqual(roundTrip(nested), nested);
  const sparse = [1, , 3, undefined, , 6];
  const decoded = roundTrip(sparse);
  assert.equal(decoded.length, 6);
  assert.equal(1 in decoded, false);
  assert.equal(4 in decoded, false);
  assert.equal(3 in decoded, true);
  assert.deepEqual(decoded, sparse);
  const longSparse: number[] = [];
  longSparse[100_000] = 1;
  const decodedLong = roundTrip(longSparse);
  assert.equal(decodedLong.length, 100_001);
  assert.equal(decodedLong[100_000], 1);
  assert.equal(0 in decodedLong, false);
});

test("arrays that are mostly holes cross as their present indices, however long", () => {
  // new Array(2 ** 32 - 1) was 4 GiB of holes to encode (and as long a loop).
  const huge = new Array<unknown>(2 ** 32 - 1);
  huge[7] = "seven";
  huge[2 ** 32 - 2] = { last: true };
  const length = encoder.encode(huge, "test", "args");
  assert.ok(length < 64, `${length} bytes`);
  const decoded = roundTrip(huge);
  assert.equal(decoded.length, 2 ** 32 - 1);
  assert.deepEqual(Object.keys(decoded), ["7", "4294967294"]);
  assert.deepEqual(decoded[2 ** 32 - 2], { last: true });
  assert.equal(roundTrip(new Array(1e9)).length, 1e9);
  // Identity and paths inside one; a Proxy whose ownKeys lists the indices out of order.
  const self: unknown[] = [];
  self[100_000] = self;
  self[5] = { shared: self };
  const decodedSelf = roundTrip(self);
  assert.equal(decodedSelf[100_000], decodedSelf);
  assert.equal((decodedSelf[5] as { shared: unknown }).shared, decodedSelf);
  const bad: unknown[] = [];
  bad[200_000] = () => 1;
  assert.match(rejection({ bad }).message, /args\.bad\[200000\] \(function/);
  const target: unknown[] = [];
  target[70_000] = "b";
  target[3] = "a";
  const shuffled = new Proxy(target, { ownKeys: () => ["70000", "length", "3"] });
  assert.deepEqual(Object.entries(roundTrip(shuffled)), [["3", "a"], ["70000", "b"]]);
  // A long array that is mostly present stays dense, holes kept.
  const dense = Array.from({ length: 100_000 }, (_, i) => i);
  delete dense[50];
  const decodedDense = roundTrip(dense);
  assert.equal(50 in decodedDense, false);
  assert.equal(decodedDense[99_999], 99_999);
});

test("plain objects keep own enumerable string keys, their order, and a null prototype", () => {
  const object = { b: 1, a: { deep: [true, null] }, 2: "two", 1: "one", "with space": "", ключ: "ü", "": 0 };
  const decoded = roundTrip(object);
  assert.deepEqual(decoded, object);
  assert.deepEqual(Object.keys(decoded), Object.keys(object));
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);

  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { x: 1, toString: "not a method" });
  const decodedBare = roundTrip(bare);
  assert.equal(Object.getPrototypeOf(decodedBare), null);
  assert.deepEqual({ ...decodedBare }, { x: 1, toString: "not a method" });
});

test("objects drop symbol keys, non-enumerable and inherited properties, and read getters", () => {
  const object: Record<string | symbol, unknown> = { kept: 1, [Symbol("s")]: 2 };
  Object.defineProperty(object, "hidden", { value: 3, enumerable: false });
  Object.defineProperty(object, "computed", { get: () => 4, enumerable: true });
  const decoded = roundTrip(object);
  assert.deepEqual(decoded, { kept: 1, computed: 4 });
  assert.deepEqual(Object.getOwnPropertyDescriptor(decoded, "computed"), {
    value: 4,
    writable: true,
    enumerable: true,
    configurable: true,
  });
});

test("an enumerable property added to Object.prototype is not sent", () => {
  Object.defineProperty(Object.prototype, "inheritedEverywhere", { value: 1, enumerable: true, configurable: true });
  try {
    const decoded = roundTrip({ own: 2 });
    assert.equal(Object.hasOwn(decoded, "inheritedEverywhere"), false);
    assert.deepEqual(Object.keys(decoded), ["own"]);
  } finally {
    delete (Object.prototype as { inheritedEverywhere?: number }).inheritedEverywhere;
  }
});

test("an own __proto__ key stays an own property and does not change the prototype", () => {
  const object = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
  const decoded = roundTrip(object);
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  assert.equal(Object.hasOwn(decoded, "__proto__"), true);
  assert.deepEqual(decoded["__proto__"], { polluted: true });
  assert.equal((decoded as { polluted?: unknown }).polluted, undefined);
});

test("decoding runs no user code: prototype setters and replaced Map, Set and Array methods are not called", () => {
  const error = new Error("e");
  Object.defineProperty(error, "code", { value: 7, enumerable: true });
  const long = Array.from({ length: 60_000 }, (_, i) => i); // decoded by push, past preallocation
  const value = { hooked: 1, toString: "kept", map: new Map([[1, 2]]), set: new Set([3]), error, long };
  const length = encoder.encode(value, "test", "args");
  const bytes = encoder.bytes.slice(0, length);
  let calls = 0;
  const count = () => void calls++;
  const originalSet = Map.prototype.set;
  const originalAdd = Set.prototype.add;
  const originalPush = Array.prototype.push;
  let decoded: typeof value;
  Object.defineProperty(Object.prototype, "hooked", { set: count, configurable: true });
  Object.defineProperty(Error.prototype, "code", { set: count, configurable: true });
  Map.prototype.set = function () {
    calls++;
    return this;
  };
  Set.prototype.add = function () {
    calls++;
    return this;
  };
  Array.prototype.push = function () {
    calls++;
    return 0;
  };
  try {
    decoded = decodeValue(bytes) as typeof value;
  } finally {
    Array.prototype.push = originalPush;
    Map.prototype.set = originalSet;
    Set.prototype.add = originalAdd;
    delete (Object.prototype as { hooked?: unknown }).hooked;
    delete (Error.prototype as { code?: unknown }).code;
  }
  assert.equal(calls, 0, "no setter or replaced method ran");
  assert.deepEqual(Object.getOwnPropertyDescriptor(decoded, "hooked"), {
    value: 1,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  assert.equal(decoded.toString, "kept");
  assert.deepEqual([...decoded.map], [[1, 2]]);
  assert.deepEqual([...decoded.set], [3]);
  assert.equal(Object.getOwnPropertyDescriptor(decoded.error, "code")?.value, 7);
  assert.deepEqual(decoded.long, long);
});

test("many distinct keys round trip (the decoder's key cache never confuses two keys)", () => {
  const object: Record<string, number> = {};
  for (let i = 0; i < 3_000; i++) object[`k${i.toString(36)}`] = i;
  for (let round = 0; round < 2; round++) assert.deepEqual(roundTrip(object), object);
  const colliding = [{ ab: 1 }, { ba: 2 }, { abc: 3 }, { acb: 4 }, { bac: 5 }];
  assert.deepEqual(roundTrip(colliding), colliding);
});

test("Date, RegExp, Map, Set and boxed primitives round trip", () => {
  const date = new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123));
  assert.equal(roundTrip(date).getTime(), date.getTime());
  assert.ok(roundTrip(date) instanceof Date);
  assert.ok(Number.isNaN(roundTrip(new Date(NaN)).getTime()));

  const regexp = /a(b+)[ü]\d/giu;
  regexp.lastIndex = 3;
  const decodedRegExp = roundTrip(regexp);
  assert.ok(decodedRegExp instanceof RegExp);
  assert.equal(decodedRegExp.source, regexp.source);
  assert.equal(decodedRegExp.flags, "giu");
  assert.equal(decodedRegExp.lastIndex, 0);

  const key = { id: 1 };
  const map = new Map<unknown, unknown>([
    [key, "object key"],
    ["s", [1, 2]],
    [NaN, -0],
    [3n, new Set([1, "1", key])],
  ]);
  const decodedMap = roundTrip(map);
  assert.deepEqual(decodedMap, map);
  const [decodedKey] = decodedMap.keys();
  const decodedSet = decodedMap.get(3n) as Set<unknown>;
  assert.ok(decodedSet.has(decodedKey), "the key object and the set member stay one object");
  assert.ok(Object.is(decodedMap.get(NaN), -0));

  const boxes = [Object(1.5), Object("str"), Object(false), Object(10n)] as object[];
  const decodedBoxes = roundTrip(boxes);
  assert.deepEqual(decodedBoxes, boxes);
  assert.ok(decodedBoxes[0] instanceof Number);
  assert.equal(decodedBoxes[1]!.valueOf(), "str");
  assert.equal(typeof decodedBoxes[3], "object");
});

test("ArrayBuffers round trip, resizable ones with their maximum", () => {
  const buffer = new Uint8Array([1, 2, 3, 250]).buffer;
  const decoded = roundTrip(buffer);
  assert.ok(decoded instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(decoded)], [1, 2, 3, 250]);

  const resizable = new ArrayBuffer(2, { maxByteLength: 64 });
  new Uint8Array(resizable).set([9, 8]);
  const decodedResizable = roundTrip(resizable);
  assert.equal(decodedResizable.resizable, true);
  assert.equal(decodedResizable.maxByteLength, 64);
  assert.deepEqual([...new Uint8Array(decodedResizable)], [9, 8]);
});

test("every typed array kind and DataView round trips only the bytes its view covers", () => {
  const backing = new ArrayBuffer(64);
  new Uint8Array(backing).forEach((_, i, all) => (all[i] = i * 3));
  const views: ArrayBufferView[] = [
    new Int8Array([-128, 0, 127]),
    new Uint8Array([0, 255]),
    new Uint8ClampedArray([0, 128, 255]),
    new Int16Array([-32768, 32767]),
    new Uint16Array([65535, 1]),
    new Int32Array([-(2 ** 31), 2 ** 31 - 1]),
    new Uint32Array([2 ** 32 - 1]),
    new Float32Array([1.5, -0, NaN, Infinity]),
    new Float64Array([Math.PI, -0, NaN]),
    new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
    new BigUint64Array([2n ** 64n - 1n]),
    new Int32Array(backing, 8, 3),
    new Float64Array(backing, 16, 2),
    new DataView(backing, 5, 7),
    new Uint8Array(0),
  ];
  if (Float16ArrayClass !== undefined) views.push(new Float16ArrayClass([1.5, -0, 65504]));
  for (const view of views) {
    const decoded = roundTrip(view);
    assert.equal(Object.getPrototypeOf(decoded), Object.getPrototypeOf(view));
    assert.equal(decoded.byteOffset, 0);
    assert.equal(decoded.byteLength, view.byteLength);
    assert.equal(decoded.buffer.byteLength, view.byteLength, "only the covered bytes are sent");
    assert.deepEqual(
      new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength),
      new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
    );
  }
  assert.deepEqual(roundTrip(views.slice(0, 11)), views.slice(0, 11));
});

test("a Node Buffer arrives as a Uint8Array of its bytes", () => {
  const buffer = Buffer.from("pooled bytes");
  const decoded = roundTrip(buffer);
  assert.equal(Object.getPrototypeOf(decoded), Uint8Array.prototype);
  assert.equal(new TextDecoder().decode(decoded), "pooled bytes");
  assert.equal(decoded.buffer.byteLength, buffer.length);
});

test("decoding from a SharedArrayBuffer at an offset copies everything out into unshared memory", () => {
  const value = {
    bytes: new Uint8Array([1, 2, 3]),
    floats: new Float64Array([0.5, -0]),
    view: new DataView(new Uint8Array([7, 7]).buffer),
    buffer: new Uint8Array([4, 5]).buffer,
    text: "shared ünïcode and plenty of ASCII to pass the short-string limit of sixty-four chars",
    key: "k",
    list: [1, 2.5, -0, 2n ** 80n],
  };
  const { decoded, heap } = roundTripShared(value);
  assert.deepEqual(decoded, value);
  for (const view of [decoded.bytes, decoded.floats, decoded.view]) {
    assert.ok(view.buffer instanceof ArrayBuffer);
    assert.ok(!(view.buffer instanceof SharedArrayBuffer));
  }
  assert.ok(decoded.buffer instanceof ArrayBuffer);
  heap.fill(0);
  assert.deepEqual(decoded, value, "overwriting the shared bytes changes nothing decoded");

  // The decoder keeps views over the heap it last read: a second message there decodes too.
  const length = encoder.encode([3, 4], "test", "args");
  heap.set(encoder.bytes, 40);
  assert.deepEqual(decodeValue(heap.subarray(40, 40 + length)), [3, 4]);
  assert.deepEqual(decodeValue(encoder.bytes), [3, 4]);
  assert.deepEqual(decodeValue(heap.subarray(40, 40 + length)), [3, 4]);
});

test("decoded typed arrays and buffers do not alias the encoded bytes", () => {
  const source = new Uint8Array([1, 2, 3]);
  encoder.encode(source, "test", "args");
  const bytes = encoder.bytes;
  const decoded = decodeValue(bytes) as Uint8Array;
  assert.notEqual(decoded.buffer, bytes.buffer);
  bytes.fill(0);
  source[0] = 99;
  assert.deepEqual([...decoded], [1, 2, 3]);
});

test("cycles and shared references survive with their identity", () => {
  const shared = { name: "shared" };
  const root: Record<string, unknown> = { a: shared, b: [shared, shared] };
  root["self"] = root;
  const list: unknown[] = [1];
  list.push(list);
  root["list"] = list;
  const map = new Map<unknown, unknown>();
  map.set(map, map);
  root["map"] = map;
  const set = new Set<unknown>();
  set.add(set);
  root["set"] = set;

  const decoded = roundTrip(root);
  assert.equal(decoded["self"], decoded);
  const b = decoded["b"] as unknown[];
  assert.equal(decoded["a"], b[0]);
  assert.equal(b[0], b[1]);
  assert.notEqual(decoded["a"], shared);
  const decodedList = decoded["list"] as unknown[];
  assert.equal(decodedList[1], decodedList);
  const decodedMap = decoded["map"] as Map<unknown, unknown>;
  assert.equal(decodedMap.get(decodedMap), decodedMap);
  const decodedSet = decoded["set"] as Set<unknown>;
  assert.ok(decodedSet.has(decodedSet));
  assert.equal(decodedSet.size, 1);
  // (No deepEqual of the whole: Bun's recurses forever through the self-containing Map and Set.)
  assert.deepEqual(Object.keys(decoded), ["a", "b", "self", "list", "map", "set"]);
  assert.deepEqual(decoded["a"], { name: "shared" });
});

test("shared references survive past the encoder's short identity list", () => {
  const items = Array.from({ length: 50 }, (_, i) => ({ i, bytes: new Uint8Array([i]) }));
  const value = { items, again: [...items].reverse(), date: new Date(0) };
  const decoded = roundTrip(value);
  for (let i = 0; i < 50; i++) {
    assert.equal(decoded.items[i], decoded.again[49 - i]);
    assert.equal(decoded.items[i]!.i, i);
  }
  assert.deepEqual(decoded, value);
  // And an acyclic value afterwards decodes without stale references.
  assert.deepEqual(roundTrip([{ x: 1 }, { x: 1 }]), [{ x: 1 }, { x: 1 }]);
});

test("standard errors keep their class, name, message, stack, cause and code", () => {
  const classes = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];
  for (const Class of classes) {
    const error = new Class("went wrong", { cause: { detail: [1, 2] } }) as Error & { code?: string };
    error.code = "E_WRONG";
    const decoded = roundTrip(error);
    assert.equal(Object.getPrototypeOf(decoded), Class.prototype);
    assert.equal(decoded.name, Class.name);
    assert.equal(decoded.message, "went wrong");
    assert.equal(decoded.stack, error.stack);
    assert.deepEqual(decoded.cause, { detail: [1, 2] });
    assert.equal(Object.getOwnPropertyDescriptor(decoded, "cause")?.enumerable, false);
    assert.equal(decoded.code, "E_WRONG");
    assert.equal(Object.getOwnPropertyDescriptor(decoded, "code")?.enumerable, true);
  }
  const noCause = roundTrip(new Error("plain"));
  assert.equal(Object.hasOwn(noCause, "cause"), false);
  const undefinedCause = roundTrip(new Error("plain", { cause: undefined }));
  assert.equal(Object.hasOwn(undefinedCause, "cause"), true);
});

test("an AggregateError keeps its errors", () => {
  const error = new AggregateError([new RangeError("one"), "two"], "several");
  const decoded = roundTrip(error);
  assert.ok(decoded instanceof AggregateError);
  assert.equal(decoded.message, "several");
  assert.equal(decoded.errors.length, 2);
  assert.ok(decoded.errors[0] instanceof RangeError);
  assert.equal((decoded.errors[0] as Error).message, "one");
  assert.equal(decoded.errors[1], "two");
  assert.equal(Object.getOwnPropertyDescriptor(decoded, "errors")?.enumerable, false);
});

test("a custom error class arrives as an Error with its name, message, stack and fields", () => {
  class MyError extends Error {
    readonly status: number;
    constructor(message: string) {
      super(message);
      this.name = "MyError";
      this.status = 418;
    }
  }
  const error = new MyError("teapot");
  const decoded = roundTrip(error) as unknown as Error & { status: number };
  assert.equal(Object.getPrototypeOf(decoded), Error.prototype);
  assert.equal(decoded.name, "MyError");
  assert.equal(decoded.message, "teapot");
  assert.equal(decoded.stack, error.stack);
  assert.equal(decoded.status, 418);
  assert.equal(Object.getOwnPropertyDescriptor(decoded, "name")?.enumerable, false);

  class Unnamed extends TypeError {}
  const unnamed = roundTrip(new Unnamed("inherits its name"));
  assert.equal(Object.getPrototypeOf(unnamed), TypeError.prototype, "the name TypeError is a standard one");
});

test("an error whose cause refers back to it keeps the cycle", () => {
  const error = new Error("loop") as Error & { cause: unknown };
  error.cause = { error };
  const decoded = roundTrip(error) as Error & { cause: { error: unknown } };
  assert.equal(decoded.cause.error, decoded);
});

test("functions and symbols are refused with the path to them", () => {
  const fn = rejection([0, { items: [1, 2, 3, () => 4] }]);
  assert.equal(fn.path, "args[1].items[3]");
  assert.match(fn.message, /^job "fib": args\[1\]\.items\[3\] \(function \(anonymous\)\) cannot cross threads$/);

  const symbol = rejection({ cb: Symbol("s") }, "result");
  assert.equal(symbol.path, "result.cb");
  assert.match(symbol.message, /result\.cb \(Symbol\(s\)\)/);

  assert.equal(rejection(function named() {}).path, "args");
  assert.equal(rejection({ "not an identifier": [Symbol.iterator] }).path, 'args["not an identifier"][0]');
  assert.equal(rejection(Object(Symbol("boxed"))).path, "args");
});

test("paths reach into Maps, Sets and errors", () => {
  assert.equal(rejection(new Map([["k", () => 1]])).path, 'args.get("k")');
  assert.equal(rejection(new Map([[1, [() => 1]]])).path, "args.get(1)[0]");
  assert.equal(rejection(new Map<unknown, unknown>([[{}, () => 1]])).path, "args.values()[0]");
  assert.equal(rejection(new Map<unknown, unknown>([["ok", 1], [() => 1, 2]])).path, "args.keys()[1]");
  assert.equal(rejection(new Set([1, Symbol("x")])).path, "args.values()[1]");
  assert.equal(rejection(new Error("e", { cause: { fn: () => 1 } })).path, "args.cause.fn");
  assert.equal(rejection(new AggregateError([1, () => 1])).path, "args.errors[1]");
  const withCode = Object.assign(new Error("e"), { code: Symbol("c") });
  assert.equal(rejection(withCode).path, "args.code");
});

test("weak collections, weak references, promises and class instances are refused", () => {
  class Point {
    x = 1;
  }
  const cases: [unknown, RegExp][] = [
    [new WeakMap(), /\(a WeakMap\) cannot cross threads$/],
    [new WeakSet(), /\(a WeakSet\) cannot cross threads$/],
    [new WeakRef({}), /\(a WeakRef\) cannot cross threads$/],
    [Promise.resolve(1), /\(a Promise\) cannot cross threads$/],
    [new Point(), /\(a Point\) cannot cross threads: only plain objects/],
    [Object.create({ inherited: 1 }), /\(an object\) cannot cross threads/],
  ];
  for (const [value, message] of cases) {
    const error = rejection({ list: [value] });
    assert.equal(error.path, "args.list[0]");
    assert.match(error.message, message);
  }
});

test("SharedArrayBuffers and views over them are refused, naming the route that works (workerData)", () => {
  const buffer = rejection({ heap: new SharedArrayBuffer(8) });
  assert.equal(buffer.path, "args.heap");
  assert.match(buffer.message, /\(a SharedArrayBuffer\) .*pass it in the runtime's workerData option/);
  const view = rejection([new Int32Array(new SharedArrayBuffer(8))]);
  assert.equal(view.path, "args[0]");
  assert.match(view.message, /\(an Int32Array\) is backed by a SharedArrayBuffer.*workerData/);
});

test("a detached ArrayBuffer is refused", () => {
  const buffer = new ArrayBuffer(4);
  buffer.transfer();
  assert.match(rejection([buffer]).message, /args\[0\] \(an ArrayBuffer\) is detached/);
});

test("the encoder stays usable after a refusal and after a throwing getter", () => {
  const shared = { s: 1 };
  rejection([shared, shared, () => 1]);
  assert.deepEqual(roundTrip([shared, { s: 2 }]), [{ s: 1 }, { s: 2 }]);
  const failure = new Error("getter failed");
  const object = {
    get bad(): never {
      throw failure;
    },
  };
  assert.throws(() => encoder.encode({ object }, "test", "args"), (error) => error === failure);
  assert.deepEqual(roundTrip({ a: [1] }), { a: [1] });
});

test("a getter that encodes while the same encoder encodes (a spawn inside a getter) corrupts neither value", () => {
  // runtime.spawn inside a getter of an argument re-enters the runtime's encoder: the issue's
  // echo({ a, b, c, d }) came back as 4. Each nested result is copied out at once, as spawn does.
  const shared = { shared: true };
  const many = Array.from({ length: 40 }, (_, i) => ({ i })); // past the encoder's short identity list
  const nested: unknown[] = [];
  const nestedValue = (depth: number): unknown => ({
    depth,
    list: [...many, many[0]],
    get deeper(): unknown {
      if (depth < 3) {
        encoder.encode(nestedValue(depth + 1), "inner", "args");
        nested.push(decodeValue(encoder.bytes.slice()));
      }
      return depth;
    },
  });
  const value = {
    a: shared,
    items: many,
    get b(): number {
      const length = encoder.encode(nestedValue(0), "inner", "args");
      assert.equal(encoder.bytes.length, length);
      nested.push(decodeValue(encoder.bytes.slice()));
      return 2;
    },
    c: new Map([[
      "k",
      new Proxy({ x: 1 }, {
        get: (target, key) => (key === "x" ? (encoder.encode([9, 9], "inner", "args"), 10) : Reflect.get(target, key)),
      }),
    ]]),
    d: shared,
    e: many[3],
  };
  const decoded = roundTrip([value]);
  assert.deepEqual(decoded, [{ a: shared, items: many, b: 2, c: new Map([["k", { x: 10 }]]), d: shared, e: many[3] }]);
  assert.equal(decoded[0]!.a, decoded[0]!.d, "identity kept across the nested encodings");
  assert.equal(decoded[0]!.e, decoded[0]!.items[3]);
  assert.equal(nested.length, 4);
  for (const [index, depth] of [3, 2, 1, 0].entries()) {
    const inner = nested[index] as { depth: number; list: unknown[]; deeper: number };
    assert.deepEqual(inner, { depth, list: [...many, many[0]], deeper: depth });
    assert.equal(inner.list[0], inner.list[40]);
  }
  // After a nested call and a throw in the outer one, the encoder still works both ways.
  const failure = new Error("getter failed");
  const throwing = {
    get first(): number {
      encoder.encode("inner", "inner", "args");
      return 1;
    },
    get second(): never {
      throw failure;
    },
  };
  assert.throws(() => encoder.encode(throwing, "test", "args"), (error) => error === failure);
  assert.deepEqual(roundTrip({ after: [1, "two"] }), { after: [1, "two"] });
});

test("objects that only inherit from a built-in, and Proxies of built-ins, are refused, not half-read", () => {
  const impostors: [unknown, RegExp][] = [
    [Object.create(Date.prototype), /args\[0\] \(a Date\) cannot cross threads: only plain objects/],
    [Object.create(Map.prototype), /args\[0\] \(a Map\) cannot cross threads/],
    [new Proxy(new Map([[1, 2]]), {}), /args\[0\] \(a Map\) cannot cross threads/],
    [new Proxy(new Set([1]), {}), /args\[0\] \(a Set\) cannot cross threads/],
    [Object.create(RegExp.prototype), /args\[0\] \(a RegExp\) cannot cross threads/],
    [Object.create(ArrayBuffer.prototype), /args\[0\] \(an ArrayBuffer\) cannot cross threads/],
    [Object.create(Number.prototype), /args\[0\] \(a Number\) cannot cross threads/],
    [Object.create(String.prototype), /args\[0\] \(a String\) cannot cross threads/],
    [new Proxy(new Date(0), {}), /args\[0\] \(a Date\) cannot cross threads/],
    // Used to cross as an empty array, its properties lost.
    [Object.create(Array.prototype, { a: { value: 1, enumerable: true } }), /args\[0\] \(an Array\) cannot cross/],
  ];
  for (const [impostor, message] of impostors) assert.match(rejection([impostor]).message, message);
});

test("a revoked Proxy is refused with the path to it and the engine's error as cause", () => {
  const { proxy, revoke } = Proxy.revocable([1], {});
  revoke();
  const error = rejection({ items: [proxy] });
  assert.match(error.message, /^job "fib": args\.items\[0\] \(an object\) cannot be read/);
  assert.equal(error.path, "args.items[0]");
  assert.ok(error.cause instanceof TypeError);
});

test("a value nested deeper than the stack is refused with an UncloneableValueError, not a stack overflow", () => {
  for (const make of [() => ({}), () => [] as unknown[]]) {
    const root = make();
    let inner: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < 1_000_000; i++) {
      const next = make();
      if (Array.isArray(inner)) inner.push(next);
      else inner.a = next;
      inner = next;
    }
    const error = rejection(root);
    assert.match(error.message, /^job "fib": args \((an object|an Array)\) is nested too deeply to encode/);
    assert.ok(error.cause instanceof RangeError, "the engine's stack overflow is the cause");
    assert.deepEqual(roundTrip({ still: ["usable"] }), { still: ["usable"] }, "the encoder is usable afterwards");
  }
});

test("a view or buffer whose own getters lie is copied by what its internal slots say", () => {
  const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  Object.defineProperty(bytes, "byteLength", { get: () => 3 });
  Object.defineProperty(bytes, "byteOffset", { get: () => 4 });
  const floats = new Float64Array([1.5, 2.5]);
  Object.defineProperty(floats, "byteLength", { get: () => 3 });
  Object.defineProperty(floats, "buffer", { get: () => new ArrayBuffer(3) });
  const view = new DataView(new Uint8Array([7, 8, 9]).buffer, 1);
  Object.defineProperty(view, "byteLength", { get: () => 100 });
  const buffer = new Uint8Array([5, 6]).buffer;
  Object.defineProperty(buffer, "byteLength", { get: () => 1 << 30 });
  const regexp = /x/g;
  Object.defineProperty(regexp, "source", { get: () => "(" });
  Object.defineProperty(regexp, "flags", { get: () => "zz" });
  const [b, f, v, a, r] = roundTrip([bytes, floats, view, buffer, regexp]);
  assert.deepEqual([...(b as Uint8Array)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...(f as Float64Array)], [1.5, 2.5]);
  assert.deepEqual([...new Uint8Array((v as DataView).buffer)], [8, 9]);
  assert.deepEqual([...new Uint8Array(a as ArrayBuffer)], [5, 6]);
  assert.equal(String(r), "/x/g");
});

test("views over a resizable buffer that shrank below them: a typed array is empty, a DataView is refused", () => {
  // As they read in JavaScript: an out-of-bounds typed array has length 0, a DataView throws.
  const resizable = new ArrayBuffer(16, { maxByteLength: 32 });
  const bytes = new Uint8Array(resizable, 8, 8);
  const view = new DataView(resizable, 8, 8);
  resizable.resize(4);
  assert.deepEqual(roundTrip(bytes), new Uint8Array(0));
  assert.match(rejection({ view }).message, /args\.view \(a DataView\) is out of bounds of its resized ArrayBuffer/);
});

test("a large value grows the scratch buffer by doubling and round trips", () => {
  const small = new ValueEncoder(16);
  const big = {
    numbers: Array.from({ length: 100_000 }, (_, i) => (i % 2 === 0 ? i : i + 0.5)),
    text: "z".repeat(1 << 20),
    unicode: "€".repeat(100_000),
    bytes: new Uint8Array(1 << 20).map((_, i) => i & 0xff),
  };
  const length = small.encode(big, "big", "args");
  assert.ok(length > (1 << 20) * 2 + 300_000);
  assert.ok(small.bytes.buffer.byteLength >= length);
  assert.equal(Math.log2(small.bytes.buffer.byteLength) % 1, 0, "capacity stays a power of two");
  assert.deepEqual(decodeValue(small.bytes), big);
  assert.deepEqual(roundTrip([3, 4], small), [3, 4]);
  // A long non-ASCII string that overflows the first guess of one byte per character.
  for (const text of ["€".repeat(1_000), `${"a".repeat(900)}${"😀".repeat(400)}`]) {
    assert.equal(roundTrip(text, new ValueEncoder(16)), text);
  }
});

test("bytes is the last encoding, exactly", () => {
  const length = encoder.encode([3, 4], "test", "args");
  const bytes = encoder.bytes;
  assert.equal(bytes.length, length);
  assert.equal(encoder.bytes, bytes, "reading bytes twice gives the same view");
  assert.equal(bytes.byteOffset, 0);
  encoder.encode("next", "test", "args");
  assert.equal(decodeValue(encoder.bytes), "next");
});

test("bytes that are not an encoding are refused with a RangeError", () => {
  assert.throws(() => decodeValue(new Uint8Array(0)), RangeError);
  assert.throws(() => decodeValue(new Uint8Array([0, 200])), /unknown tag 200/);
  encoder.encode([1, 2, 3], "test", "args");
  const truncated = encoder.bytes.slice(0, encoder.bytes.length - 2);
  assert.throws(() => decodeValue(truncated), RangeError);
  assert.throws(() => decodeValue(new Uint8Array([0, 25, 0, 0, 0, 0])), /back-reference/);
});

test("bytes after the value are ignored", () => {
  const length = encoder.encode({ a: "b" }, "test", "args");
  const padded = new Uint8Array(length + 10).fill(0xff);
  padded.set(encoder.bytes);
  assert.deepEqual(decodeValue(padded), { a: "b" });
});

test("new ValueEncoder(capacity) refuses what is not an integer from 0 to 2^30, naming it; the smallest one grows", () => {
  // Before: NaN made a 0-byte scratch buffer that the next growing encode doubled forever.
  for (const bad of [Number.NaN, Infinity, 2 ** 40, -1, 1.5, "8"]) {
    assert.throws(
      () => new ValueEncoder(bad as number),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(String(bad)),
      String(bad),
    );
  }
  const small = new ValueEncoder(0);
  assert.deepEqual(roundTrip({ a: "x".repeat(1000) }, small), { a: "x".repeat(1000) });
});

test("decodeValue of something that is not a Uint8Array is INVALID_ARGUMENT naming it", () => {
  for (const bad of [5, null, "ab", [1, 2]]) {
    assert.throws(
      () => decodeValue(bad as never),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && !/NaN/.test(e.message),
      String(bad),
    );
  }
});

test("an UncloneableValueError moved with at() names the new path, the same value and reason, and keeps its cause", () => {
  const cause = new Error("trap");
  const error = new UncloneableValueError('job "echo"', "args[0][7].f", () => 1, "cannot be read", { cause });
  const moved = error.at("items[77].f");
  assert.ok(moved instanceof UncloneableValueError);
  assert.equal(moved.path, "items[77].f");
  assert.equal(moved.message, error.message.replace("args[0][7].f", "items[77].f"));
  assert.equal(moved.cause, cause);
  assert.equal("cause" in new UncloneableValueError("v", "args", 1).at("items"), false);
});
