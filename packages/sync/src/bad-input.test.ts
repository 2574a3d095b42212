import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, SpindleError } from "@spindle/core";
import { Barrier, broadcast, ClosedError, MAX_PERMITS, mpsc, Mutex, Semaphore } from "./mod.ts";

const NOT_CAPACITIES: unknown[] = [0, -1, 1.5, NaN, Infinity, "10", null, undefined, 2 ** 31, 10n];

/** Asserts `fn` throws INVALID_ARGUMENT whose message names `what` and renders `value`. */
function rejects(fn: () => unknown, what: string, value: unknown): void {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof SpindleError, `a SpindleError for ${String(value)}`);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.ok(error.message.includes(what), `"${error.message}" names ${what}`);
    const shown = typeof value === "string"
      ? JSON.stringify(value)
      : typeof value === "bigint"
      ? `${value}`
      : String(value);
    assert.ok(error.message.includes(shown), `"${error.message}" shows ${shown}`);
    return true;
  });
}

test("channel capacities that are not positive integers up to 2^31 - 1 are rejected, naming the value", () => {
  for (const bad of NOT_CAPACITIES) {
    rejects(() => mpsc.bounded(bad as number), "mpsc.bounded(capacity)", bad);
    rejects(() => broadcast(bad as number), "broadcast(capacity)", bad);
    rejects(() => new Barrier(bad as number), "Barrier parties", bad);
  }
  assert.equal(mpsc.bounded(MAX_PERMITS)[0].capacity, MAX_PERMITS);
});

test("permit counts that are not integers from 0 to MAX_PERMITS are rejected, naming the value", () => {
  const semaphore = new Semaphore(1);
  for (const bad of [-1, 0.5, NaN, Infinity, "2", null, MAX_PERMITS + 1]) {
    rejects(() => new Semaphore(bad as number), "Semaphore permits", bad);
    rejects(() => semaphore.acquire(bad as number), "Semaphore.acquire(n)", bad);
    rejects(() => semaphore.tryAcquire(bad as number), "Semaphore.tryAcquire(n)", bad);
    rejects(() => semaphore.addPermits(bad as number), "Semaphore.addPermits(n)", bad);
  }
  assert.equal(semaphore.availablePermits, 1, "a rejected call changed nothing");
});

test("addPermits beyond the maximum is rejected and changes nothing", () => {
  const semaphore = new Semaphore(MAX_PERMITS - 1);
  rejects(() => semaphore.addPermits(2), "more than the maximum", 2);
  assert.equal(semaphore.availablePermits, MAX_PERMITS - 1);
  semaphore.addPermits(1);
  assert.equal(semaphore.availablePermits, MAX_PERMITS);
});

test("use after close or drop fails with ClosedError naming what was closed", () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  tx.drop();
  rx[Symbol.dispose]();
  const semaphore = new Semaphore(1);
  semaphore.close();
  const guard = new Mutex(0).tryLock()!;
  guard.release();
  const cases: [() => unknown, string][] = [
    [() => tx.send(1), "sender"],
    [() => rx.tryRecv(), "receiver"],
    [() => blockOn(semaphore.acquire()), "semaphore"],
    [() => semaphore.tryAcquire(), "semaphore"],
    [() => guard.value, "guard"],
  ];
  for (const [fn, what] of cases) {
    assert.throws(fn, (e) => e instanceof ClosedError && e.what === what && e.message.includes(what));
  }
});
