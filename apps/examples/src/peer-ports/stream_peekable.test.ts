// Port of tokio-stream/tests/stream_peekable.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's peekable, written from the core README. Rust's peek_mut hands out a mutable
// reference to the held item; here peek gives the held item itself, so the tests that change an
// i32 through peek_mut change an object's field through peek.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Context,
  fromIterable,
  next,
  peekable,
  PENDING,
  type Poll,
  Stream,
  STREAM_END,
  type StreamEnd,
} from "@spindle/core";
import { pending, ready, spawnForStream } from "./support.ts";

// size_hint_without_peek, size_hint_with_peek, size_hint_empty_stream, size_hint_overflow,
// size_hint_unbounded_upper: core streams have no size hint.

test("peek_returns_correct_item", () => {
  const s = peekable(fromIterable([10, 20, 30]));
  assert.equal(blockOn(s.peek()), 10);
  assert.equal(blockOn(s.peek()), 10); // second peek returns same item
  assert.equal(blockOn(next(s)), 10); // next gives same item
  assert.equal(blockOn(next(s)), 20);
  assert.equal(blockOn(next(s)), 30);
  assert.equal(blockOn(next(s)), STREAM_END);
});

test("peek_does_not_consume", () => {
  const stream = peekable(fromIterable([1, 2, 3]));
  assert.equal(blockOn(stream.peek()), 1);
  assert.equal(blockOn(stream.peek()), 1);
  assert.equal(blockOn(next(stream)), 1);
  assert.equal(blockOn(next(stream)), 2);
});

test("peek_mut_mutates_yielded_item", () => {
  const stream = peekable(fromIterable([{ n: 1 }, { n: 2 }, { n: 3 }]));
  const item = blockOn(stream.peek());
  if (item !== STREAM_END) item.n += 10;
  assert.deepEqual(blockOn(next(stream)), { n: 11 });
  assert.deepEqual(blockOn(next(stream)), { n: 2 });
});

test("peek_on_empty_stream", () => {
  const stream = peekable(fromIterable<number>([]));
  assert.equal(blockOn(stream.peek()), STREAM_END);
  assert.equal(blockOn(stream.peek()), STREAM_END); // peek_mut is peek here
  assert.equal(blockOn(next(stream)), STREAM_END);
});

test("poll_peek_does_not_advance_stream", () => {
  const stream = peekable(fromIterable([1, 2, 3]));
  const task = spawnForStream();
  assert.equal(ready(stream.pollPeek(task.cx)), 1);
  assert.equal(ready(stream.pollPeek(task.cx)), 1);
  assert.equal(ready(task.pollNext(stream)), 1);
  assert.equal(ready(task.pollNext(stream)), 2);
});

test("poll_peek_mutates_buffered_item", () => {
  const stream = peekable(fromIterable([{ n: 1 }, { n: 2 }, { n: 3 }]));
  const task = spawnForStream();
  const item = stream.pollPeek(task.cx);
  if (item !== PENDING && item !== STREAM_END) item.n += 100;
  assert.deepEqual(ready(task.pollNext(stream)), { n: 101 });
});

/** Pending on its first poll (waking its waker at once), then 7 on every poll. */
class PendingOnce extends Stream<number> {
  polled = false;
  pollNext(cx: Context): Poll<number | StreamEnd> {
    if (this.polled) return 7;
    this.polled = true;
    cx.waker.wakeByRef();
    return PENDING;
  }
}

test("poll_peek_propagates_pending", () => {
  const stream = peekable(new PendingOnce());
  const task = spawnForStream();
  pending(stream.pollPeek(task.cx));
  assert.equal(ready(stream.pollPeek(task.cx)), 7);
});
