// Port of tokio-stream/tests/stream_collect.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's collect, written from the core README; tokio-stream's mpsc stream wrappers are
// @spindle/sync receivers, which are core streams themselves. `collect` gathers into an array: the
// tests that collect into another Rust collection (a `VecDeque`, a set, a map, a heap, a `String`)
// are the same JS call as `collect_vec_items`, and a `Result` collection, which stops at the first
// `Err`, has no JS counterpart (an error is thrown, not an item).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, collect, fromIterable } from "@spindle/core";
import { mpsc } from "@spindle/sync";
import { pending, ready, spawn } from "./support.ts";

test("empty_unit", () => {
  // Drains the stream.
  const iterator = [undefined, undefined, undefined][Symbol.iterator]();
  blockOn(collect(fromIterable({ [Symbol.iterator]: () => iterator })));
  assert.equal(iterator.next().done, true);
});

test("empty_vec", () => {
  assert.deepEqual(blockOn(collect(fromIterable<number>([]))), []);
});

test("collect_vec_items", () => {
  const [tx, rx] = mpsc.unbounded<number>();
  const future = spawn(collect(rx));
  pending(future.poll());
  tx.send(1);
  assert.ok(future.isWoken());
  pending(future.poll());
  tx.send(2);
  assert.ok(future.isWoken());
  pending(future.poll());
  tx.drop();
  assert.ok(future.isWoken());
  assert.deepEqual(ready(future.poll()), [1, 2]);
});
