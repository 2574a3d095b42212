// Port of tokio-stream/tests/stream_chain.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's chain, written from the core README; tokio-stream's mpsc stream wrappers are
// @spindle/sync receivers, which are core streams themselves.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, chain, fromIterable, next, STREAM_END } from "@spindle/core";
import { mpsc } from "@spindle/sync";
import { pending, ready, spawnForStream } from "./support.ts";

// size_overflow, and the size_hint checks of basic_usage and pending_first: core streams have no
// size hint.

test("basic_usage", () => {
  const stream = chain(fromIterable([1, 2, 3]), fromIterable([4, 5, 6]));
  for (let i = 1; i <= 6; i++) assert.equal(blockOn(next(stream)), i);
  assert.equal(blockOn(next(stream)), STREAM_END);
  assert.equal(blockOn(next(stream)), STREAM_END);
});

test("pending_first", () => {
  const [tx1, rx1] = mpsc.unbounded<number>();
  const [tx2, rx2] = mpsc.unbounded<number>();
  const stream = chain(rx1, rx2);
  const task = spawnForStream();
  const poll = () => task.pollNext(stream);
  pending(poll());
  tx2.send(2);
  assert.ok(!task.isWoken());
  pending(poll());
  tx1.send(1);
  assert.ok(task.isWoken());
  assert.equal(ready(poll()), 1);
  pending(poll());
  tx1.drop();
  assert.ok(task.isWoken());
  assert.equal(ready(poll()), 2);
  tx2.drop();
  assert.equal(ready(poll()), STREAM_END);
});
