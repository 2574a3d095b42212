import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Context,
  type Coroutine,
  drop,
  isStream,
  next,
  PENDING,
  SpindleError,
  STREAM_END,
} from "./mod.ts";
import { CountingStream } from "@spindle/test-support";

test("next(stream) yields every item in order, then STREAM_END on every later call", () => {
  const counter = new CountingStream(5);
  function* collect(): Coroutine<number[]> {
    const items: number[] = [];
    for (let item; (item = yield* next(counter)) !== STREAM_END;) items.push(item);
    assert.equal(yield* next(counter), STREAM_END);
    return items;
  }
  assert.deepEqual(blockOn(collect()), [0, 1, 2, 3, 4]);
});

test("a next(stream) future dropped while pending takes no item from the stream", () => {
  const counter = new CountingStream(2);
  const first = next(counter);
  const cx = { waker: { wakeByRef() {} } } as unknown as Context;
  assert.equal(first.poll(cx), PENDING);
  drop(first);
  assert.equal(counter.taken, 0);
  assert.equal(blockOn(next(counter)), 0);
});

test("polling a next(stream) future after it was ready is a typed error", () => {
  const future = next(new CountingStream(0));
  const cx = { waker: { wakeByRef() {} } } as unknown as Context;
  assert.equal(future.poll(cx), STREAM_END);
  assert.throws(() => future.poll(cx), SpindleError);
});

test("isStream tells streams from futures and plain values", () => {
  assert.equal(isStream(new CountingStream(1)), true);
  assert.equal(isStream(next(new CountingStream(1))), false);
  assert.equal(isStream(null), false);
  assert.equal(isStream({ pollNext: 1 }), false);
});
