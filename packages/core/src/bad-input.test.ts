import assert from "node:assert/strict";
import { test } from "node:test";
import {
  asCompleted,
  checkOptions,
  chunks,
  Context,
  describe,
  filter,
  fold,
  forEach,
  fromIterable,
  joinAll,
  LocalExecutor,
  map,
  merge,
  next,
  pollChunk,
  race,
  ready,
  SpindleError,
  take,
  takeUntil,
  TaskScope,
  toAsyncIterable,
  toPromise,
  zip,
} from "./mod.ts";

const NOT_STREAMS: [unknown, string][] = [
  [null, "null"],
  [undefined, "undefined"],
  [5, "5"],
  [{}, "an object"],
  [[1], "an Array"],
  [Symbol("s"), "Symbol(s)"],
  [3n, "3n"],
];

function invalid(what: string, shown: string) {
  return (error: unknown) =>
    error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && error.message.includes(what) &&
    error.message.endsWith(`got ${shown}`);
}

test("every function that takes a stream names itself and the bad value in an INVALID_ARGUMENT error", () => {
  // pollChunk(null) threw a plain TypeError from inside, and next(null) claimed FUTURE_COMPLETED.
  const cx = Context.noop();
  const takers: [string, (stream: never) => unknown][] = [
    ["pollChunk()", (s) => pollChunk(s, cx, 1)],
    ["next()", (s) => next(s)],
    ["fold()", (s) => fold(s, 0, (a: number) => a)],
    ["forEach()", (s) => forEach(s, () => {})],
    ["toAsyncIterable()", (s) => toAsyncIterable(s)],
    ["map()", (s) => map(s, (n) => n)],
    ["filter()", (s) => filter(s, () => true)],
    ["take()", (s) => take(s, 1)],
    ["takeUntil()", (s) => takeUntil(s, fromIterable([]) as never)],
    ["chunks()", (s) => chunks(s, 2)],
    ["merge()", (s) => merge(s)],
    ["zip()", (s) => zip(s, fromIterable([1]))],
  ];
  for (const [what, call] of takers) {
    for (const [bad, shown] of NOT_STREAMS) {
      assert.throws(() => call(bad as never), invalid(what, shown), `${what} with ${shown}`);
    }
  }
});

test("every function that takes an iterable of futures names itself and a non-iterable in an INVALID_ARGUMENT error", () => {
  // joinAll(5) and race(null) threw the engine's "is not iterable" TypeError.
  const takers: [string, (futures: never) => unknown][] = [
    ["joinAll()", (f) => joinAll(f)],
    ["race()", (f) => race(f)],
    ["asCompleted()", (f) => asCompleted(f)],
  ];
  for (const [what, call] of takers) {
    for (const [bad, shown] of NOT_STREAMS.slice(0, 4)) {
      assert.throws(() => call(bad as never), invalid(what, shown), `${what} with ${shown}`);
    }
  }
});

test("an options argument that is not an object is INVALID_ARGUMENT naming it, undefined is no options", () => {
  // new LocalExecutor(null) threw "Cannot read properties of null (reading 'timeSliceMs')".
  for (const [bad, shown] of [[null, "null"], [5, "5"], ["fast", '"fast"']] as const) {
    assert.throws(() => new LocalExecutor(bad as never), invalid("new LocalExecutor()'s options", shown));
    assert.throws(() => new TaskScope(bad as never), invalid("new TaskScope()'s options", shown));
    assert.throws(() => TaskScope.from([], bad as never), invalid("new TaskScope()'s options", shown));
    assert.throws(() => toPromise(ready(1), bad as never), invalid("toPromise()'s options", shown));
    assert.throws(() => checkOptions(bad as never, "f()"), invalid("f()'s options must be an object", shown));
  }
  assert.deepEqual(checkOptions(undefined, "f()"), {});
  const options = { a: 1 };
  assert.equal(checkOptions(options, "f()"), options);
  new LocalExecutor(undefined).close();
  new TaskScope(undefined)[Symbol.dispose]();
});

test("describe names a value with its article, keeps bigint and -0 apart from numbers, and survives throwing traps", () => {
  class Unit {}
  class Item {}
  const cases: [unknown, string][] = [
    [{}, "an object"],
    [Object.create(null), "an object"],
    [[], "an Array"],
    [new Map(), "a Map"],
    [new ArrayBuffer(1), "an ArrayBuffer"],
    [new Int32Array(1), "an Int32Array"],
    [new Uint8Array(1), "a Uint8Array"],
    [new Error("x"), "an Error"],
    [new Unit(), "a Unit"],
    [new Item(), "an Item"],
    [10n, "10n"],
    [-0, "-0"],
    [0, "0"],
    [NaN, "NaN"],
    ["10", '"10"'],
    [Symbol("s"), "Symbol(s)"],
    [function named() {}, "function named"],
    [new Proxy({}, { get: () => assert.fail("trap") }), "an object"],
  ];
  for (const [value, shown] of cases) assert.equal(describe(value), shown);
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.equal(describe(proxy), "an object");
});
