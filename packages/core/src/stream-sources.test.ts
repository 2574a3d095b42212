import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, collect, Context, empty, merge, never, next, once, PENDING, STREAM_END, take } from "./mod.ts";
import { countingWaker } from "@spindle/test-support";

test("empty has ended at its first poll and every one after", () => {
  const stream = empty<number>();
  for (let i = 0; i < 2; i++) assert.equal(blockOn(next(stream)), STREAM_END);
});

test("once gives its one item, then ends; dropped before its poll, it has ended", () => {
  const stream = once({ n: 1 });
  const item = blockOn(next(stream));
  assert.deepEqual(item, { n: 1 });
  assert.equal(blockOn(next(stream)), STREAM_END);
  assert.deepEqual(blockOn(collect(once(undefined))), [undefined], "undefined is an item like any other");
  const dropped = once("x");
  dropped[Symbol.dispose]();
  assert.equal(blockOn(next(dropped)), STREAM_END);
});

test("never is pending on every poll and wakes nobody; dropped, it has ended", () => {
  const stream = never<number>();
  const { cx, woken } = countingWaker();
  for (let i = 0; i < 3; i++) assert.equal(stream.pollNext(cx), PENDING);
  assert.equal(woken(), 0);
  stream[Symbol.dispose]();
  assert.equal(stream.pollNext(Context.noop()), STREAM_END);
});

test("merged with never, a finite stream's items all come and the merge stays open", () => {
  const merged = merge(once(1), never<number>());
  assert.deepEqual(blockOn(collect(take(merged, 1))), [1]);
  const open = merge(once(1), never<number>());
  assert.equal(open.pollNext(Context.noop()), 1);
  assert.equal(open.pollNext(Context.noop()), PENDING, "never keeps the merge from ending");
});
