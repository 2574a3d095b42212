import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  chain,
  collect,
  type Context,
  fromIterable,
  fuse,
  mapWhile,
  next,
  PENDING,
  type Poll,
  skip,
  skipWhile,
  SpindleError,
  Stream,
  STREAM_END,
  type StreamEnd,
  takeWhile,
  type Waker,
} from "./mod.ts";
import { CountingStream, countingWaker } from "@spindle/test-support";

test("chain gives each stream's items in turn, polls a stream only once those before it ended, and drops each as it ends", () => {
  const first = new CountingStream(2);
  const second = new CountingStream(3);
  const stream = chain<number>(first, fromIterable([10]), second);
  assert.equal(first.polls + second.polls, 0, "nothing is polled before the chain is");
  assert.equal(blockOn(next(stream)), 0);
  assert.equal(second.polls, 0, "the second stream waits for the first to end");
  assert.deepEqual(blockOn(collect(stream)), [1, 10, 0, 1, 2]);
  assert.equal(first.dropped, 1, "dropped as it ended");
  assert.equal(second.dropped, 1);
  assert.equal(blockOn(next(stream)), STREAM_END, "ended for good");
  assert.deepEqual(blockOn(collect(chain<number>())), []);
});

/** A stream of the items pushed into it, pending while it has none; ended by `end()`. */
class Pushed extends Stream<number> {
  readonly items: number[] = [];
  #ended = false;
  #waker: Waker | null = null;
  push(item: number): void {
    this.items.push(item);
    this.#waker?.wakeByRef();
  }
  end(): void {
    this.#ended = true;
    this.#waker?.wakeByRef();
  }
  pollNext(cx: Context): Poll<number | StreamEnd> {
    if (this.items.length > 0) return this.items.shift()!;
    if (this.#ended) return STREAM_END;
    this.#waker = cx.waker;
    return PENDING;
  }
}

test("chain waits on the current stream only: an item ready on a later one is not taken before the current one ends", () => {
  const [first, second] = [new Pushed(), new Pushed()];
  const stream = chain(first, second);
  const { cx, woken } = countingWaker();
  assert.equal(stream.pollNext(cx), PENDING);
  second.push(2);
  assert.equal(woken(), 0, "the second stream was never polled: its item wakes nobody");
  assert.equal(stream.pollNext(cx), PENDING, "its item waits for the first stream to end");
  first.push(1);
  assert.equal(woken(), 1);
  assert.equal(stream.pollNext(cx), 1);
  first.end();
  assert.equal(woken(), 2);
  assert.equal(stream.pollNext(cx), 2, "the first ended: the second's item comes");
  assert.equal(stream.pollNext(cx), PENDING);
  second.end();
  assert.equal(woken(), 3);
  assert.equal(stream.pollNext(cx), STREAM_END);
});

test("skip discards the first items, skipWhile the items before the first that fails its predicate, which it then no longer calls", () => {
  const source = new CountingStream(5);
  assert.deepEqual(blockOn(collect(skip(source, 3))), [3, 4]);
  assert.equal(source.dropped, 1);
  assert.deepEqual(blockOn(collect(skip(fromIterable([1, 2]), 5))), []);
  assert.deepEqual(blockOn(collect(skip(fromIterable([1, 2]), 0))), [1, 2]);

  const asked: number[] = [];
  const rest = skipWhile(fromIterable([1, 2, 7, 1, 9]), (n) => {
    asked.push(n);
    return n < 5;
  });
  assert.deepEqual(blockOn(collect(rest)), [7, 1, 9]);
  assert.deepEqual(asked, [1, 2, 7], "the predicate is not called after it returned false");
});

test("takeWhile ends at the first item that fails its predicate, discards it, and drops its source; its source is read no further", () => {
  const source = new CountingStream(10);
  assert.deepEqual(blockOn(collect(takeWhile(source, (n) => n < 3))), [0, 1, 2]);
  assert.equal(source.taken, 4, "the item that ended it was taken and discarded, none after it");
  assert.equal(source.dropped, 1);
  assert.deepEqual(blockOn(collect(takeWhile(fromIterable([1, 2]), () => true))), [1, 2]);
});

test("a predicate that throws fails that poll with its error; the stream goes on from the next item", () => {
  const failing = takeWhile(fromIterable([1, 2, 3]), (n) => {
    if (n === 2) throw new Error("two");
    return true;
  });
  assert.equal(blockOn(next(failing)), 1);
  assert.throws(() => blockOn(next(failing)), /two/);
  assert.equal(blockOn(next(failing)), 3);
});

test("collect gathers every item in order, waiting where the stream is pending, and drops the stream", () => {
  const source = new CountingStream(4);
  assert.deepEqual(blockOn(collect(skip(source, 1))), [1, 2, 3]);
  assert.equal(source.dropped, 1);
  assert.deepEqual(blockOn(collect(fromIterable([]))), []);
  assert.throws(
    () => collect([1] as never),
    (e) =>
      e instanceof SpindleError && e.code === "INVALID_ARGUMENT" &&
      /collect\(\) needs a stream, got an Array/.test(e.message),
  );
});

test("bad input: non-streams and non-functions are INVALID_ARGUMENT naming the value, a bad count a RangeError naming it", () => {
  const s = fromIterable([1]);
  const invalid = (pattern: RegExp) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && pattern.test(e.message);
  assert.throws(() => chain(s, 5 as never), invalid(/chain\(\) needs a stream, got 5/));
  assert.throws(() => skip(null as never, 1), invalid(/skip\(\) needs a stream, got null/));
  assert.throws(() => skipWhile(s, "no" as never), invalid(/skipWhile\(\) needs a function, got "no"/));
  assert.throws(() => takeWhile(s, undefined as never), invalid(/takeWhile\(\) needs a function, got undefined/));
  for (const bad of [-1, 1.5, NaN, "2"]) {
    assert.throws(() => skip(s, bad as never), (e) => e instanceof RangeError && /skip\(\)'s count/.test(e.message));
  }
});

test("dropping chain, skip, skipWhile or takeWhile twice drops each source it still holds once", () => {
  const make: [string, (source: Stream<number>) => Stream<number>][] = [
    ["chain", (s) => chain(s, fromIterable([1]))],
    ["skip", (s) => skip(s, 1)],
    ["skipWhile", (s) => skipWhile(s, () => true)],
    ["takeWhile", (s) => takeWhile(s, () => true)],
  ];
  for (const [name, combinator] of make) {
    const source = new CountingStream(3);
    const stream = combinator(source);
    stream[Symbol.dispose]();
    stream[Symbol.dispose]();
    assert.equal(source.dropped, 1, name);
    assert.equal(blockOn(next(stream)), STREAM_END, `${name}: a dropped stream has ended`);
  }
  // A chain drops only the streams it has not dropped already.
  const first = new CountingStream(1);
  const second = new CountingStream(1);
  const chained = chain(first, second);
  assert.equal(blockOn(next(chained)), 0);
  assert.equal(blockOn(next(chained)), 0);
  chained[Symbol.dispose]();
  assert.equal(first.dropped, 1);
  assert.equal(second.dropped, 1);
});

test("mapWhile maps until fn returns undefined: that item is discarded, the source dropped and not polled again", () => {
  const source = new CountingStream(10);
  const mapped = mapWhile(source, (n) => n < 3 ? n * 10 : undefined);
  assert.deepEqual(blockOn(collect(mapped)), [0, 10, 20]);
  assert.equal(source.taken, 4, "the item that ended it was taken, none after it");
  assert.equal(source.dropped, 1);
  assert.equal(blockOn(next(mapped)), STREAM_END);
  assert.throws(() => mapWhile(fromIterable([1]), 3 as never), /mapWhile\(\) needs a function, got 3/);
});

/** A stream that breaks the protocol: it ends on every second poll, then gives items again. */
class Alternating extends Stream<number> {
  state = 0;
  dropped = 0;
  pollNext(): Poll<number | StreamEnd> {
    const value = this.state++;
    return value % 2 === 0 ? value : STREAM_END;
  }
  override [Symbol.dispose](): void {
    this.dropped++;
  }
}

test("fuse ends for good at its source's first end, drops the source then, and says so in isTerminated", () => {
  const source = new Alternating();
  const stream = fuse(source);
  assert.equal(stream.isTerminated, false);
  assert.equal(blockOn(next(stream)), 0);
  assert.equal(stream.isTerminated, false);
  assert.equal(blockOn(next(stream)), STREAM_END);
  assert.equal(stream.isTerminated, true);
  assert.equal(blockOn(next(stream)), STREAM_END, "the source's next item never comes");
  assert.equal(source.state, 2, "not polled after its end");
  assert.equal(source.dropped, 1);
  const chunked = fuse(fromIterable([1, 2, 3]));
  assert.deepEqual(blockOn(collect(chunked)), [1, 2, 3]);
  assert.equal(chunked.isTerminated, true);
  assert.throws(() => fuse("s" as never), /fuse\(\) needs a stream, got "s"/);
});
