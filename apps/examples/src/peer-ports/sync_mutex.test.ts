// Port of tokio/tests/sync_mutex.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's Mutex, written from the package README.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Coroutine,
  LocalExecutor,
  pending as pendingFuture,
  race,
  ready as readyFuture,
} from "@spindle/core";
import { Mutex, type MutexGuard } from "@spindle/sync";
import { pending, ready, spawn } from "./support.ts";

test("straight_execution", () => {
  const l = new Mutex(100);
  for (const [seen, next] of [[100, 99], [99, 98], [98, 98]] as const) {
    const t = spawn(l.lock());
    const g = ready(t.poll());
    assert.equal(g.value, seen);
    g.value = next;
    g.release();
  }
});

test("readiness", () => {
  const l = new Mutex(100);
  const t1 = spawn(l.lock());
  const t2 = spawn(l.lock());
  const g = ready(t1.poll());
  pending(t2.poll());
  g.release();
  assert.ok(t2.isWoken());
  ready(t2.poll()).release();
});

// tokio's timeout(1 ms, ...) is the drop of a future that did not finish; here the task holding
// the guard is aborted (its finally releases it), then the lock must be free at once.
test("aborted_future_1", async () => {
  const m = new Mutex(0);
  const executor = new LocalExecutor();
  const holder = executor.spawn(function* (): Coroutine<void> {
    const g = yield* m.lock();
    try {
      yield* pendingFuture(); // stands for the interval ticks that never come in time
    } finally {
      g.release();
    }
  }());
  executor.spawn(function* (): Coroutine<void> {
    holder.abort();
  }());
  await executor.run().catch(() => {});
  const g = blockOn(race<MutexGuard<number> | "timed out">([m.lock(), readyFuture("timed out")]));
  assert.notEqual(g, "timed out", "Mutex is locked");
});

test("aborted_future_2", () => {
  const m = new Mutex(0);
  const held = ready(spawn(m.lock()).poll());
  // A lock future that waits, then is dropped (the timeout elapsing).
  const waiter = spawn(m.lock());
  pending(waiter.poll());
  waiter.drop();
  held.release();
  const g = ready(spawn(m.lock()).poll());
  g.release();
});

test("try_lock", () => {
  const m = new Mutex(0);
  const g1 = m.tryLock();
  assert.notEqual(g1, null);
  assert.equal(m.tryLock(), null);
  g1!.release();
  assert.notEqual(m.tryLock(), null);
});

// debug_format, mutex_debug: Rust's Debug formatting, which the README does not define (not portable).
