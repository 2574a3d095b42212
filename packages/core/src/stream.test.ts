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
  type Poll,
  SpindleError,
  Stream,
  STREAM_END,
  type StreamEnd,
} from "./mod.ts";

/** Yields 0..count-1, pending before each item, and counts what it handed out. */
class Counter extends Stream<number> {
  taken = 0;
  readonly count: number;
  #ready = false;
  constructor(count: number) {
    super();
    this.count = count;
  }
  pollNext(cx: Context): Poll<number | StreamEnd> {
    if (this.taken === this.count) return STREAM_END;
    if (!this.#ready) {
      this.#ready = true;
      cx.waker.wakeByRef();
      return PENDING;
    }
    this.#ready = false;
    return this.taken++;
  }
}

test("next(stream) yields every item in order, then STREAM_END on every later call", () => {
  const counter = new Counter(5);
  function* collect(): Coroutine<number[]> {
    const items: number[] = [];
    for (let item; (item = yield* next(counter)) !== STREAM_END;) items.push(item);
    assert.equal(yield* next(counter), STREAM_END);
    return items;
  }
  assert.deepEqual(blockOn(collect()), [0, 1, 2, 3, 4]);
});

test("a next(stream) future dropped while pending takes no item from the stream", () => {
  const counter = new Counter(2);
  const first = next(counter);
  const cx = { waker: { wakeByRef() {} } } as unknown as Context;
  assert.equal(first.poll(cx), PENDING);
  drop(first);
  assert.equal(counter.taken, 0);
  assert.equal(blockOn(next(counter)), 0);
});

test("polling a next(stream) future after it was ready is a typed error", () => {
  const future = next(new Counter(0));
  const cx = { waker: { wakeByRef() {} } } as unknown as Context;
  assert.equal(future.poll(cx), STREAM_END);
  assert.throws(() => future.poll(cx), SpindleError);
});

test("isStream tells streams from futures and plain values", () => {
  assert.equal(isStream(new Counter(1)), true);
  assert.equal(isStream(next(new Counter(1))), false);
  assert.equal(isStream(null), false);
  assert.equal(isStream({ pollNext: 1 }), false);
});
