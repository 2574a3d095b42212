import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, collect, drop, fromIterable, next, peekable, PENDING, SpindleError, STREAM_END } from "./mod.ts";
import { CountingStream, countingWaker } from "@spindle/test-support";

test("peek gives the next item without taking it: peek again and next give the same item", () => {
  const stream = peekable(fromIterable([10, 20]));
  assert.equal(blockOn(stream.peek()), 10);
  assert.equal(blockOn(stream.peek()), 10);
  assert.equal(blockOn(next(stream)), 10);
  assert.equal(blockOn(next(stream)), 20);
  assert.equal(blockOn(stream.peek()), STREAM_END);
  assert.equal(blockOn(next(stream)), STREAM_END);
});

test("a peeked object is the object next gives: a change made through peek shows", () => {
  const stream = peekable(fromIterable([{ n: 1 }, { n: 2 }]));
  const peeked = blockOn(stream.peek());
  if (peeked === STREAM_END) assert.fail("an item was expected");
  peeked.n += 10;
  assert.deepEqual(blockOn(collect(stream)), [{ n: 11 }, { n: 2 }]);
});

test("pollPeek is pending while the source is, with the waker arranged; the item then waits for pollNext", () => {
  const source = new CountingStream(2);
  const stream = peekable(source);
  const { cx, woken } = countingWaker();
  assert.equal(stream.pollPeek(cx), PENDING);
  assert.equal(woken(), 1, "the source's wake reaches the peeker");
  assert.equal(stream.pollPeek(cx), 0);
  assert.equal(stream.pollPeek(cx), 0, "a second peek does not poll the source");
  assert.equal(source.taken, 1);
  assert.equal(stream.pollNext(cx), 0);
  assert.deepEqual(blockOn(collect(stream)), [1]);
  assert.equal(source.dropped, 1, "dropped at its end");
});

test("dropping a peek future takes nothing; dropping the peekable drops its source once", () => {
  const source = new CountingStream(3);
  const stream = peekable(source);
  drop(stream.peek());
  assert.equal(source.taken, 0);
  assert.equal(blockOn(stream.peek()), 0);
  stream[Symbol.dispose]();
  stream[Symbol.dispose]();
  assert.equal(source.dropped, 1);
  assert.equal(blockOn(next(stream)), STREAM_END, "a dropped peekable has ended, its held item with it");
});

test("collect takes a peeked item first, then the source's chunks", () => {
  const stream = peekable(fromIterable([1, 2, 3, 4]));
  assert.equal(blockOn(stream.peek()), 1);
  assert.deepEqual(blockOn(collect(stream)), [1, 2, 3, 4]);
});

test("bad input: peekable of a non-stream is INVALID_ARGUMENT naming it", () => {
  assert.throws(
    () => peekable({} as never),
    (e) =>
      e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /peekable\(\) needs a stream, got/.test(e.message),
  );
});
