import assert from "node:assert/strict";
import { test } from "node:test";
import { Instant, MAX_DURATION_MS } from "./mod.ts";

test("Instant is monotonic, sub-millisecond, and adds and compares", () => {
  const a = Instant.now();
  let b = Instant.now();
  while (b.compare(a) === 0) b = Instant.now();
  assert.equal(b.compare(a), 1);
  assert.ok(b.since(a) > 0 && b.since(a) < 1, `two reads ${b.since(a)} ms apart`);
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
  assert.throws(() => now.since({} as Instant), /expected an Instant, got a Object/);
});
