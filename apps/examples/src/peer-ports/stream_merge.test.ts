// Port of tokio-stream/tests/stream_merge.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's merge, written from the core README; tokio-stream's mpsc stream wrappers are
// @spindle/sync receivers, which are core streams themselves.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, fromIterable, merge, next, STREAM_END } from "@spindle/core";
import { mpsc } from "@spindle/sync";
import { pending, ready, spawnForStream } from "./support.ts";

// size_overflow, and the size_hint checks of merge_sync_streams: core streams have no size hint.

test("merge_sync_streams", () => {
  const s = merge(fromIterable([0, 2, 4, 6]), fromIterable([1, 3, 5]));
  for (let i = 0; i < 7; i++) assert.equal(blockOn(next(s)), i);
  assert.equal(blockOn(next(s)), STREAM_END);
});

test("merge_async_streams", () => {
  const [tx1, rx1] = mpsc.unbounded<number>();
  const [tx2, rx2] = mpsc.unbounded<number>();
  const merged = merge(rx1, rx2);
  const rx = spawnForStream();
  const poll = () => rx.pollNext(merged);
  pending(poll());
  tx1.send(1);
  assert.ok(rx.isWoken());
  assert.equal(ready(poll()), 1);
  pending(poll());
  tx2.send(2);
  assert.ok(rx.isWoken());
  assert.equal(ready(poll()), 2);
  pending(poll());
  tx1.drop();
  assert.ok(rx.isWoken());
  pending(poll());
  tx2.send(3);
  assert.ok(rx.isWoken());
  assert.equal(ready(poll()), 3);
  pending(poll());
  tx2.drop();
  assert.ok(rx.isWoken());
  assert.equal(ready(poll()), STREAM_END);
});
