import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  CancellationToken,
  chunks,
  Context,
  type Coroutine,
  describe,
  filter,
  filterMap,
  fold,
  forEach,
  fromIterable,
  LocalExecutor,
  map,
  merge,
  next,
  PENDING,
  pending,
  type Poll,
  pollChunk,
  pollFn,
  ready,
  SpindleError,
  Stream,
  STREAM_END,
  type StreamEnd,
  take,
  takeUntil,
  toAsyncIterable,
  zip,
} from "./mod.ts";
import { CountingStream } from "@spindle/test-support";

function* collect<T>(stream: Stream<T>, limit = Infinity): Coroutine<T[]> {
  const items: T[] = [];
  for (let item; items.length < limit && (item = yield* next(stream)) !== STREAM_END;) items.push(item);
  return items;
}

test("map, filter and take compose lazily; take drops its source after the last item", () => {
  const source = new CountingStream(100);
  const pipeline = take(filter(map(source, (n) => n * 3), (n) => n % 2 === 0), 4);
  assert.equal(source.polls, 0, "nothing is polled before the pipeline is");
  assert.deepEqual(blockOn(collect(pipeline)), [0, 6, 12, 18]);
  assert.equal(source.taken, 7);
  assert.equal(source.dropped, 1);
  assert.equal(blockOn(next(pipeline)), STREAM_END);
});

test("dropping a pipeline mid-way loses no item taken from its source", () => {
  const source = new CountingStream(50);
  const pipeline = map(source, (n) => n);
  const got = blockOn(collect(pipeline, 5));
  pipeline[Symbol.dispose]();
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.equal(source.taken, 5, "every item the source handed out reached the consumer");
  assert.equal(source.dropped, 1);
});

test("takeUntil ends once its future completes, checked before each item, and drops both", async () => {
  const token = new CancellationToken();
  const source = new CountingStream(10);
  const seen: number[] = [];
  for await (const n of toAsyncIterable(takeUntil(source, token.cancelled()))) {
    seen.push(n);
    if (n === 3) token.cancel();
  }
  assert.deepEqual(seen, [0, 1, 2, 3]);
  assert.equal(source.taken, 4);
  assert.equal(source.dropped, 1);
  assert.deepEqual(blockOn(collect(takeUntil(fromIterable([1, 2]), pending()))), [1, 2]);
  assert.deepEqual(blockOn(collect(takeUntil(fromIterable([1, 2]), ready(0)))), []);
});

test("merge interleaves fairly and ends when all sources end; zip pairs until either ends", () => {
  const a = new CountingStream(3);
  const b = new CountingStream(1);
  assert.deepEqual(blockOn(collect(merge(a, b, fromIterable([100, 101])))).sort((x, y) => x - y), [
    0,
    0,
    1,
    2,
    100,
    101,
  ]);
  assert.deepEqual(blockOn(collect(merge(fromIterable(["a1", "a2"]), fromIterable(["b1", "b2"])))), [
    "a1",
    "b1",
    "a2",
    "b2",
  ]);
  assert.equal(a.dropped + b.dropped, 2);
  assert.deepEqual(blockOn(collect(merge<number>())), []);
  const letters = new CountingStream(5);
  assert.deepEqual(blockOn(collect(zip(fromIterable(["x", "y"]), letters))), [["x", 0], ["y", 1]]);
  assert.equal(letters.dropped, 1);
});

test("chunks groups items, with a short last chunk", () => {
  assert.deepEqual(blockOn(collect(chunks(new CountingStream(7), 3))), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.deepEqual(blockOn(collect(chunks(new CountingStream(0), 3))), []);
});

test("bad input: negative, NaN or fractional sizes are RangeErrors naming the value; non-streams and non-functions typed errors", () => {
  const s = fromIterable([1]);
  assert.throws(() => take(s, -1), (e) => e instanceof RangeError && /got -1/.test(e.message));
  assert.throws(() => take(s, NaN), (e) => e instanceof RangeError && /got NaN/.test(e.message));
  assert.throws(() => chunks(s, 0), (e) => e instanceof RangeError && /got 0/.test(e.message));
  assert.throws(() => chunks(s, 1.5), (e) => e instanceof RangeError && /got 1.5/.test(e.message));
  assert.throws(() => chunks(s, "2" as never), (e) => e instanceof RangeError && /got "2"/.test(e.message));
  const invalid = (pattern: RegExp) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && pattern.test(e.message);
  assert.throws(() => map([1] as never, (n) => n), invalid(/got an Array/));
  assert.throws(() => filter(s, "yes" as never), invalid(/got "yes"/));
  assert.throws(() => merge(s, 5 as never), invalid(/got 5/));
  assert.throws(() => zip(s, undefined as never), invalid(/got undefined/));
  assert.throws(() => takeUntil(s, 3 as never), (e) => e instanceof SpindleError && e.code === "NOT_A_FUTURE");
});

test("fold and forEach run a stream to its end (waiting where it is pending) and drop it; a failing reducer drops it too", () => {
  const source = new CountingStream(5);
  assert.equal(blockOn(fold(source, 0, (sum, n) => sum + n)), 10);
  assert.equal(source.dropped, 1);
  const seen: number[] = [];
  blockOn(forEach(new CountingStream(3), (n) => seen.push(n)));
  assert.deepEqual(seen, [0, 1, 2]);
  const failing = new CountingStream(5);
  assert.throws(
    () =>
      blockOn(fold(failing, 0, (_, n) => {
        if (n === 2) throw new Error("reducer failed");
        return n;
      })),
    /reducer failed/,
  );
  assert.equal(failing.dropped, 1);
  assert.equal(failing.taken, 3, "nothing taken after the failure");
  assert.throws(() => fold(s0(), 0, 5 as never), (e) => e instanceof SpindleError && /got 5/.test(e.message));
  assert.throws(() => fold(5 as never, 0, (a) => a), (e) => e instanceof SpindleError && /got 5/.test(e.message));
  assert.throws(() => forEach(s0(), null as never), (e) => e instanceof SpindleError && /got null/.test(e.message));
});

function s0(): Stream<number> {
  return fromIterable([]);
}

/** 0, 1, 2… up to `count`, counting how many items the stream's consumers took from it. */
function countingIterable(count: number): { iterable: Iterable<number>; read: () => number } {
  let read = 0;
  const iterable = {
    [Symbol.iterator]: () => ({
      next: (): IteratorResult<number> =>
        read < count ? { done: false, value: read++ } : { done: true, value: undefined },
    }),
  };
  return { iterable, read: () => read };
}

test("fold takes chunks through map, filter and take: the same result as item by item, and take reads its source no further than its count", () => {
  const { iterable, read } = countingIterable(1_000);
  const pipeline = take(filter(map(fromIterable(iterable), (n) => n * 3), (n) => n % 2 === 0), 5);
  const seen: number[] = [];
  blockOn(forEach(pipeline, (n) => seen.push(n)));
  assert.deepEqual(seen, [0, 6, 12, 18, 24]);
  assert.equal(read(), 9, "the 5th even multiple of 3 is the 9th item: nothing read past it");
  const { iterable: all } = countingIterable(10_000);
  let expected = 0;
  for (let n = 0; n < 10_000; n++) if ((n * 3) % 2 === 0) expected += n * 3;
  assert.equal(
    blockOn(fold(filter(map(fromIterable(all), (n) => n * 3), (n) => n % 2 === 0), 0, (a, n) => a + n)),
    expected,
  );
});

test("pollChunk: a stream without pollNextChunk gives one item per call; a chunking source gives up to max; a bad max is a RangeError naming it", () => {
  let taken = 0;
  class AlwaysReady extends Stream<number> {
    pollNext(): Poll<number | StreamEnd> {
      return taken < 5 ? taken++ : STREAM_END;
    }
  }
  const plain = new AlwaysReady();
  assert.deepEqual(blockOn(pollFn((cx) => pollChunk(plain, cx, 100))), [0]);
  assert.equal(taken, 1, "nothing taken ahead from a stream that does not hand over chunks");
  const chunked = fromIterable([1, 2, 3, 4, 5]);
  assert.deepEqual(blockOn(pollFn((cx) => pollChunk(chunked, cx, 3))), [1, 2, 3]);
  assert.deepEqual(blockOn(pollFn((cx) => pollChunk(chunked, cx, 3))), [4, 5]);
  assert.equal(blockOn(pollFn((cx) => pollChunk(chunked, cx, 3))), STREAM_END);
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => blockOn(pollFn((cx) => pollChunk(plain, cx, bad))),
      (e) => e instanceof RangeError && e.message.includes(String(bad)),
    );
    assert.throws(() => blockOn(pollFn((cx) => pollChunk(fromIterable([1]), cx, bad))), RangeError);
  }
});

test("pollChunk checks max before any stream's pollNextChunk: take's count left does not hide or change a bad max", () => {
  const cx = Context.noop();
  // take passed min(max, left) on: Infinity, "3" and an object were taken as valid, null was named 0.
  for (
    const [bad, shown] of [[Infinity, "Infinity"], ["3", '"3"'], [null, "null"], [undefined, "undefined"], [
      {},
      "an object",
    ]]
  ) {
    const source = fromIterable([1, 2, 3]);
    assert.throws(
      () => pollChunk(take(source, 2), cx, bad as number),
      (e) => e instanceof RangeError && e.message.endsWith(`got ${shown}`),
    );
  }
  assert.throws(() => pollChunk(take(fromIterable([1]), 1), cx, Symbol("s") as never), /got Symbol\(s\)/);
});

test("describe names any value without running into a throwing Proxy trap or constructor getter", () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const trapping = new Proxy({}, {
    get() {
      throw new Error("trap");
    },
  });
  const getter = Object.defineProperty({}, "constructor", {
    get() {
      throw new Error("getter");
    },
  });
  assert.equal(describe(proxy), "an object");
  assert.equal(describe(trapping), "an object");
  assert.equal(describe(getter), "an object");
  assert.equal(describe({ constructor: { name: 5 } }), "an object");
  assert.throws(() => pollChunk(fromIterable([1]), Context.noop(), trapping as never), /got an object/);
});

test("an iterator that throws after a chunk was gathered: the chunk's items are delivered, then the error", () => {
  function* failsAfterThree(): Generator<number> {
    yield 1;
    yield 2;
    yield 3;
    throw new Error("source failed");
  }
  const seen: number[] = [];
  assert.throws(
    () => blockOn(forEach(map(fromIterable(failsAfterThree()), (n) => n * 10), (n) => seen.push(n))),
    /source failed/,
  );
  assert.deepEqual(seen, [10, 20, 30]);
});

test("a fold over a long iterable in a task still lets other tasks run: each chunk takes from the task's budget", async () => {
  const executor = new LocalExecutor();
  const order: string[] = [];
  function* long(): Coroutine<void> {
    yield* fold(fromIterable(countingIterable(1_000_000).iterable), 0, (a, n) => a + n);
    order.push("fold done");
  }
  function* other(): Coroutine<void> {
    order.push("other");
    yield* ready(undefined);
  }
  executor.spawn(long());
  executor.spawn(other());
  await executor.run();
  assert.deepEqual(order, ["other", "fold done"]);
});

test("dropping a combinator twice drops its source once", () => {
  // map and filter dropped their source on every drop: a source whose drop releases something
  // released it twice.
  const combinators: [string, (source: Stream<number>) => Stream<unknown>][] = [
    ["map", (s) => map(s, (n) => n)],
    ["filter", (s) => filter(s, () => true)],
    ["take", (s) => take(s, 2)],
    ["takeUntil", (s) => takeUntil(s, pending())],
    ["chunks", (s) => chunks(s, 2)],
    ["merge", (s) => merge(s)],
    ["zip", (s) => zip(s, fromIterable([1]))],
  ];
  for (const [name, make] of combinators) {
    const source = new CountingStream(3);
    const stream = make(source);
    stream[Symbol.dispose]();
    stream[Symbol.dispose]();
    assert.equal(source.dropped, 1, name);
  }
});

test("map and filter whose callback throws partway through a chunk lose none of the items after it", () => {
  // Polled a chunk at a time, map and filter threw away the items before the throw and the items
  // they had taken after it; one at a time, the items after it stayed in the source.
  const cx = Context.noop();
  const boom = new Error("boom");
  const drain = (stream: Stream<number>) => {
    const seen: (number | string)[] = [];
    for (;;) {
      let chunk;
      try {
        chunk = pollChunk(stream, cx, 10);
      } catch (error) {
        assert.equal(error, boom);
        seen.push("error");
        continue;
      }
      if (chunk === STREAM_END) return seen;
      assert.notEqual(chunk, PENDING);
      seen.push(...(chunk as number[]));
    }
  };
  const mapped = map(fromIterable([1, 2, 3, 4, 5]), (n) => {
    if (n === 2 || n === 4) throw boom;
    return n * 10;
  });
  assert.deepEqual(drain(mapped), [10, "error", 30, "error", 50]);
  const first = map(fromIterable([1, 2]), (n) => {
    if (n === 1) throw boom;
    return n;
  });
  assert.deepEqual(drain(first), ["error", 2]);
  const filtered = filter(fromIterable([1, 2, 3, 4, 5, 6]), (n) => {
    if (n === 3) throw boom;
    return n % 2 === 0;
  });
  assert.deepEqual(drain(filtered), [2, "error", 4, 6]);
  // The kept items also come out one at a time.
  const oneByOne = map(fromIterable([1, 2, 3]), (n) => {
    if (n === 1) throw boom;
    return n;
  });
  assert.throws(() => pollChunk(oneByOne, cx, 10), (e) => e === boom);
  assert.equal(oneByOne.pollNext(cx), 2);
  assert.equal(oneByOne.pollNext(cx), 3);
  assert.equal(oneByOne.pollNext(cx), STREAM_END);
});

test("filterMap keeps what fn maps to a value and skips what it maps to undefined, one item or a chunk at a time", () => {
  const parse = (s: string) => /^\d+$/.test(s) ? Number(s) : undefined;
  const stream = filterMap(fromIterable(["1", "x", "3", "y"]), parse);
  assert.equal(blockOn(next(stream)), 1);
  assert.equal(blockOn(next(stream)), 3);
  assert.equal(blockOn(next(stream)), STREAM_END);
  assert.deepEqual(blockOn(fold(filterMap(fromIterable(["4", "z", "5"]), parse), 0, (a, n) => a + n)), 9);
  assert.deepEqual(
    blockOn(fold(filterMap(fromIterable([null, 0, false]), (v) => v), [] as unknown[], (a, v) => [...a, v])),
    [
      null,
      0,
      false,
    ],
    "only undefined is skipped",
  );
  assert.throws(() => filterMap(fromIterable([1]), null as never), /filterMap\(\) needs a function, got null/);
});
