import assert from "node:assert/strict";
import { test } from "node:test";
import { RecentArgs } from "./recent-args.ts";

/** Record ids are word indexes of 128-byte blocks: multiples of 32. */
const id = (block: number): number => block * 32;

test("keeps all-primitive arguments for one take", () => {
  const recent = new RecentArgs();
  const args = [30, "x", -0, null, undefined, true, 2n];
  recent.remember(id(1), args);
  assert.equal(recent.take(id(1)), args);
  assert.equal(recent.take(id(1)), undefined);
});

test("keeps nothing when an argument is an object or a function", () => {
  const recent = new RecentArgs();
  recent.remember(id(2), [1, { n: 1 }]);
  recent.remember(id(3), [() => 1]);
  recent.remember(id(4), [new Float64Array(1)]);
  assert.equal(recent.take(id(2)), undefined);
  assert.equal(recent.take(id(3)), undefined);
  assert.equal(recent.take(id(4)), undefined);
});

test("a job sharing an entry replaces it, and one with objects clears it", () => {
  const recent = new RecentArgs();
  recent.remember(id(5), [1]);
  recent.remember(id(5 + 64), [2]); // same entry (64 entries)
  assert.equal(recent.take(id(5)), undefined);
  assert.deepEqual(recent.take(id(5 + 64)), [2]);
  // A recycled id whose new job has object arguments must not find the old job's arguments.
  recent.remember(id(6), [1]);
  recent.remember(id(6), [{ n: 2 }]);
  assert.equal(recent.take(id(6)), undefined);
});
