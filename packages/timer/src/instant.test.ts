import assert from "node:assert/strict";
import { test } from "node:test";
import { Instant, MAX_DURATION_MS } from "./mod.ts";

test("Instant is monotonic, sub-millisecond, and adds and compares", () => {
  // Sub-millisecond: the smallest step between two differing reads, over 100 pairs (a single pair
  // can straddle a preemption of the thread, seen at 4 ms on a loaded machine).
  let a = Instant.now();
  let b = a;
  let smallest = Infinity;
  for (let pair = 0; pair < 100; pair++) {
    const first = Instant.now();
    let second = Instant.now();
    while (second.compare(first) === 0) second = Instant.now();
    assert.equal(second.compare(first), 1, "monotonic");
    if (second.since(first) < smallest) [a, b, smallest] = [first, second, second.since(first)];
  }
  assert.ok(smallest > 0 && smallest < 1, `two reads at least ${smallest} ms apart`);
  assert.equal(a.since(b), 0);
  const later = a.add(1.25);
  assert.equal(later.since(a), 1.25);
  assert.equal(later.subtract(1.25).compare(a), 0);
  assert.equal(Instant.fromMillis(a.millis).compare(a), 0);
  assert.ok(a.elapsed() >= 0);
  assert.equal(later.add(10_000).elapsed(), 0);
  assert.match(String(a), /^Instant\(\d+\.\d{3} ms\)$/);
});

test("bad durations and instants get a RangeError naming the value", () => {
  const now = Instant.now();
  for (const bad of [-1, Number.NaN, Infinity, -Infinity, "5", null, MAX_DURATION_MS * 2]) {
    assert.throws(
      () => now.add(bad as number),
      (e: unknown) => e instanceof RangeError && e.message.includes(String(bad === "5" ? '"5"' : bad)),
    );
  }
  assert.throws(() => Instant.fromMillis(Number.NaN), /finite number of milliseconds, got NaN/);
  assert.throws(() => now.compare(5 as unknown as Instant), /expected an Instant, got 5/);
  assert.throws(() => now.since({} as Instant), /expected an Instant, got an object/);
});
