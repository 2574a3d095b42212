// Port of tokio-stream/tests/stream_map_while.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's mapWhile, written from the core README: Rust's None is undefined here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, fromIterable, mapWhile, next, STREAM_END } from "@spindle/core";

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

test("map_while_yields_until_closure_returns_none", () => {
  const stream = mapWhile(fromIterable(range(1, 10)), (x) => x < 4 ? x + 3 : undefined);
  assert.equal(blockOn(next(stream)), 4);
  assert.equal(blockOn(next(stream)), 5);
  assert.equal(blockOn(next(stream)), 6);
  assert.equal(blockOn(next(stream)), STREAM_END);
});

test("map_while_does_not_poll_after_closure_returns_none", () => {
  // Once fn returns undefined the source is not polled again: the trailing 2 never comes.
  const stream = mapWhile(fromIterable([1, 5, 2]), (x) => x < 3 ? x : undefined);
  assert.equal(blockOn(next(stream)), 1);
  assert.equal(blockOn(next(stream)), STREAM_END);
  assert.equal(blockOn(next(stream)), STREAM_END);
});
