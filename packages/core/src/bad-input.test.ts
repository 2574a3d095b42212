import { assertUnreadableRefused, isUnreadableError, microtaskErrorsOf, type Taker } from "@spindle/test-support";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  abortable,
  asCompleted,
  blockOn,
  checkOptions,
  chunks,
  Condvar,
  Context,
  type Coroutine,
  describe,
  drop,
  dropRawWaker,
  filter,
  fold,
  forEach,
  fromAsyncIterable,
  fromGenerator,
  fromIterable,
  fromPromise,
  intoFuture,
  isInstance,
  isStream,
  joinAll,
  LocalExecutor,
  map,
  merge,
  Mutex,
  next,
  Parker,
  pending,
  pollChunk,
  pollUnconstrained,
  race,
  type RawWaker,
  ready,
  replaceRawWaker,
  replaceWaker,
  sharedWaker,
  SpindleError,
  take,
  takeUntil,
  TaskScope,
  toAsyncIterable,
  toPromise,
  Unparker,
  Waker,
  wakeRawWaker,
  WakerSlot,
  wakeShared,
  WakeTable,
  whenAborted,
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
  // An option given as null was taken as "not given" (`??`) by these, refused by every other one.
  assert.throws(() => new LocalExecutor({ timeSliceMs: null as never }), invalid("timeSliceMs", "null"));
  assert.throws(() => new TaskScope({ onError: null as never }), invalid("onError", "null"));
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

test("a value that throws when read (a revoked or throwing Proxy) is INVALID_ARGUMENT naming what it was for, its error as cause", () => {
  // Each threw the engine's TypeError ("Cannot perform 'get' on a proxy that has been revoked") or
  // the trap's own error, naming neither the function nor the value.
  const cx = Context.noop();
  const takers: Taker[] = [
    ["a future or a generator is needed", (v) => intoFuture(v)],
    ["a future or a generator is needed", (v) => blockOn(v)],
    ["a future or a generator is needed", (v) => new LocalExecutor().spawn(v)],
    ["a future or a generator is needed", (v) => joinAll([v])],
    ["joinAll() needs an iterable of futures", (v) => joinAll(v)],
    ["race() needs an iterable of futures", (v) => race(v)],
    ["asCompleted() needs an iterable of futures", (v) => asCompleted(v)],
    ["TaskScope.spawnAll() needs an iterable", (v) => TaskScope.from(v)],
    ["fromIterable() needs an iterable", (v) => fromIterable(v)],
    ["fromAsyncIterable() needs an async or sync iterable", (v) => fromAsyncIterable(v)],
    ["fromPromise() needs a promise", (v) => fromPromise(v)],
    ["map() needs a stream", (v) => map(v, (n) => n)],
    ["pollChunk() needs a stream", (v) => pollChunk(v, cx, 1)],
    ["a stream is needed", (v) => isStream(v)],
    ["abortable() needs an AbortSignal or a CancellationToken", (v) => abortable(pending(), v)],
    ["whenAborted() needs an AbortSignal or a CancellationToken", (v) => whenAborted(v)],
    ["new LocalExecutor() needs options it can read", (v) => new LocalExecutor(v)],
    ["new TaskScope() needs options it can read", (v) => new TaskScope(v)],
    ["toPromise() needs options it can read", (v) => toPromise(ready(1), v)],
    ["executor must have a spawn() method", (v) => new TaskScope({ executor: v })],
    ["token must be a CancellationToken", (v) => new TaskScope({ token: v })],
  ];
  assertUnreadableRefused(takers, (error) => error instanceof SpindleError);
});

test("a coroutine that yields a revoked Proxy gets INVALID_ARGUMENT thrown back in, as for any non-future", () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  function* yieldsRevoked(): Coroutine<string> {
    try {
      yield proxy as never;
    } catch (error) {
      return (error as SpindleError).code;
    }
    return "resumed";
  }
  assert.equal(blockOn(yieldsRevoked()), "INVALID_ARGUMENT");
  const executor = new LocalExecutor();
  const handle = executor.spawn(yieldsRevoked());
  return executor.run().then(async () => assert.equal(await handle, "INVALID_ARGUMENT"));
});

test("checkOptions with names reads each option once into a plain object", () => {
  let reads = 0;
  const options = {
    get signal() {
      reads++;
      return undefined;
    },
    other: 1,
  };
  assert.deepEqual(checkOptions<typeof options>(options, "f()", ["signal"]), { signal: undefined });
  assert.equal(reads, 1);
  assert.equal(isInstance(new Uint8Array(1), Uint8Array, "x"), true);
  assert.equal(isInstance({}, Uint8Array, "x"), false);
});

test("handles and shared words that throw when read are INVALID_ARGUMENT, drop() of a non-future NOT_A_FUTURE", () => {
  // Each threw the engine's TypeError or the getter's own error; drop(5) threw "future[Symbol.dispose]
  // is not a function".
  const takers: Taker[] = [
    ["a parker needs a handle it can read", (v) => new Parker(v)],
    ["a parker needs a handle it can read", (v) => new Unparker(v)],
    ["a shared waker needs a handle it can read", (v) => wakeShared(v)],
    ["a shared waker needs a handle it can read", (v) => sharedWaker(v)],
    ["a shared waker needs a handle it can read", (v) => WakeTable.forThisThread().unregister(v)],
    ["new Mutex() needs an Int32Array over a SharedArrayBuffer", (v) => new Mutex(v, 0)],
    ["new Condvar() needs an Int32Array over a SharedArrayBuffer", (v) => new Condvar(v, 0)],
    ["drop() needs a future", (v) => drop(v)],
  ];
  assertUnreadableRefused(takers, (error) => error instanceof SpindleError);
  const { proxy: revokedBuffer, revoke } = Proxy.revocable(new SharedArrayBuffer(4), {});
  revoke();
  assert.throws(() => new Unparker({ buffer: revokedBuffer, index: 0 }), isUnreadableError("a parker handle's buffer"));
  assert.throws(() => wakeShared({ buffer: revokedBuffer, slot: 0 }), isUnreadableError("a shared waker's buffer"));
  const wordProxy = new Proxy(new Int32Array(new SharedArrayBuffer(4)), {});
  assert.throws(() => new Mutex(wordProxy, 0), isUnreadableError("new Mutex() needs an Int32Array"));
  for (const notFuture of [5, null, undefined, {}]) {
    assert.throws(
      () => drop(notFuture as never),
      (e) => e instanceof SpindleError && e.code === "NOT_A_FUTURE" && e.message.startsWith("drop() needs a future"),
    );
  }
});

test("a parker or wake handle is read once: a getter cannot pass the check and answer otherwise at the use", () => {
  const answers = (first: unknown, then: unknown) => {
    let reads = 0;
    return () => reads++ === 0 ? first : then;
  };
  const parker = new Parker();
  const index = answers(0, 1.5);
  const unparker = new Unparker({
    buffer: parker.handle.buffer,
    get index() {
      return index() as number;
    },
  });
  unparker.unpark();
  assert.equal(parker.park(0), true, "the unpark went to the word checked, index 0");
  const table = WakeTable.forThisThread();
  const handle = table.register(Waker.noop());
  try {
    const slot = answers(handle.slot, 2 ** 40);
    const waker = sharedWaker({
      buffer: handle.buffer,
      get slot() {
        return slot() as number;
      },
    });
    waker.wakeByRef(); // woke slot 2^40 (INVALID_ARGUMENT) when the waker kept the getter
    waker.wake();
    assert.ok(table.drain() >= 1);
  } finally {
    table.unregister(handle);
  }
});

test("the raw-waker helpers name a value that is not a waker in INVALID_ARGUMENT, at the call", () => {
  // wakeRawWaker(undefined) threw the engine's TypeError from a microtask, as if a waker had
  // failed; dropRawWaker({}), replaceRawWaker(undefined, waker), replaceWaker(5, waker),
  // WakerSlot.register(null) and Waker.fromRaw({}) threw (or later caused) plain TypeErrors.
  const waker = Context.noop().waker;
  const notRaw: [unknown, string][] = [[undefined, "undefined"], [5, "5"], [{}, "an object"], [
    { vtable: {} },
    "an object",
  ]];
  for (const [bad, shown] of notRaw) {
    const raw = bad as RawWaker;
    assert.throws(() => wakeRawWaker(raw), invalid("wakeRawWaker() needs a raw waker or null", shown));
    assert.throws(() => dropRawWaker(raw), invalid("dropRawWaker() needs a raw waker or null", shown));
    assert.throws(() => replaceRawWaker(raw, waker), invalid("replaceRawWaker() needs a raw waker or null", shown));
    assert.throws(() => Waker.fromRaw(raw), invalid("Waker.fromRaw() needs a raw waker", shown));
  }
  // An object on Waker's prototype that Waker did not make is refused as well (it passed
  // `instanceof` and then failed on its private field with the engine's TypeError); and so is a
  // context around what is not a waker (accepted before: its first wake threw a TypeError).
  const notWaker: [unknown, string][] = [[undefined, "undefined"], [5, "5"], [{}, "an object"], [
    Object.create(Waker.prototype),
    "a Waker",
  ]];
  for (const [bad, shown] of notWaker) {
    assert.throws(() => new Context(bad as Waker), invalid("new Context() needs a Waker", shown));
    assert.throws(
      () => replaceRawWaker(null, bad as Waker),
      invalid("replaceRawWaker() needs the current Waker", shown),
    );
    assert.throws(
      () => new WakerSlot().register(bad as Waker),
      invalid("WakerSlot.register() needs the current Waker", shown),
    );
    assert.throws(() => replaceWaker(null, bad as Waker), invalid("replaceWaker() needs the current Waker", shown));
    assert.throws(() => replaceWaker(bad as Waker, waker), invalid("replaceWaker() needs a Waker or null", shown));
  }
  // A real raw waker whose own wake throws is still the waker's fault: reported from a microtask,
  // and the call goes on.
  const failing: RawWaker<null> = {
    data: null,
    vtable: {
      clone: () => failing,
      wake: () => {
        throw new Error("own");
      },
      wakeByRef: () => {},
      drop: () => {},
    },
  };
  let result: unknown;
  const reported = microtaskErrorsOf(() => {
    result = wakeRawWaker(failing);
  });
  assert.equal(result, null);
  assert.deepEqual(reported.map((error) => (error as Error).message), ["own"]);
});

test("fromGenerator() and new CoroutineFuture() refuse what is not a generator with NOT_A_FUTURE naming it", () => {
  // fromGenerator(undefined) returned a future that failed with a TypeError only when polled or dropped.
  for (const [bad, shown] of NOT_STREAMS) {
    assert.throws(
      () => fromGenerator(bad as never),
      (error: unknown) =>
        error instanceof SpindleError && error.code === "NOT_A_FUTURE" &&
        error.message === `fromGenerator() needs a generator, got ${shown}`,
    );
  }
});

test("pollUnconstrained() names a non-future in NOT_A_FUTURE and passes a future's own error on", () => {
  const cx = Context.noop();
  assert.throws(
    () => pollUnconstrained(5 as never, cx),
    (error: unknown) =>
      error instanceof SpindleError && error.code === "NOT_A_FUTURE" && error.message.endsWith("got 5"),
  );
  const own = new Error("own");
  assert.throws(() =>
    pollUnconstrained(
      fromGenerator((function* (): Coroutine<never> {
        throw own;
      })()),
      cx,
    ), own);
});
