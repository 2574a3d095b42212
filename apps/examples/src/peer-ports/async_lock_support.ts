// Helpers of the smol-rs async-lock ports: async-lock's tests/common check, and a seeded random
// source standing in for fastrand.
import assert from "node:assert/strict";
import { type Future, PENDING } from "@spindle/core";
import { MockTask } from "./support.ts";

/**
 * async-lock's `check_yields_when_contended`: the acquire future waits while `guard` is held, the
 * guard's release wakes it, and it is then ready.
 */
export function checkYieldsWhenContended(guard: { release(): void }, acquire: Future<{ release(): void }>): void {
  const task = new MockTask(acquire);
  assert.equal(task.poll(), PENDING);
  guard.release();
  assert.ok(task.isWoken(), "releasing the contending guard woke the waiter");
  const acquired = task.poll();
  assert.notEqual(acquired, PENDING);
  (acquired as { release(): void }).release();
}

/** A small seeded generator (xorshift32): integers in [0, n). */
export function seeded(seed: number): (n: number) => number {
  let x = seed | 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}
