// tokio's tests/sync_mutex.rs and tests/sync_mutex_owned.rs, ported onto the public API
// (PEER-TESTS-LOCKS.md maps each test). A Spindle guard is tokio's owned guard (it keeps the
// mutex alive), so each `_owned` test runs on the same calls as its plain twin.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, drop, LocalExecutor, pending, select, yieldNow } from "@spindle/core";
import { Mutex } from "@spindle/sync";
import { spawn } from "./test-support/peer-task.ts";

for (const owned of ["", "_owned"]) {
  test(`tokio sync_mutex${owned} straight_execution`, () => {
    const l = new Mutex(100);
    {
      using g = spawn(l.lock()).ready();
      assert.equal(g.value, 100);
      g.value = 99;
    }
    {
      using g = spawn(l.lock()).ready();
      assert.equal(g.value, 99);
      g.value = 98;
    }
    {
      using g = spawn(l.lock()).ready();
      assert.equal(g.value, 98);
    }
  });

  test(`tokio sync_mutex${owned} readiness`, () => {
    const l = new Mutex(100);
    const t1 = spawn(l.lock());
    const t2 = spawn(l.lock());
    const g = t1.ready();
    t2.pending();
    g.release();
    assert.ok(t2.isWoken());
    t2.ready().release();
    assert.equal(l.isLocked, false);
  });

  test(`tokio sync_mutex${owned} aborted_future_1: a task aborted while it holds the guard unlocks the mutex`, async () => {
    const m1 = new Mutex(0);
    const executor = new LocalExecutor();
    const holder = executor.spawn(function* (): Coroutine<void> {
      using _g = yield* m1.lock();
      yield* pending(); // tokio's interval ticks: work that the timeout cuts off
    }());
    executor.spawn(function* (): Coroutine<void> {
      yield* yieldNow();
      holder.abort(); // tokio's timeout
    }());
    await executor.run().catch(() => {});
    assert.equal(m1.isLocked, false, "Mutex is locked");
    blockOn(m1.lock()).release();
  });

  test(`tokio sync_mutex${owned} aborted_future_2: a waiting lock() dropped by a timeout leaves nothing locked`, () => {
    const m1 = new Mutex(0);
    {
      using _lock = blockOn(m1.lock());
      // The lock() loses to a future ready at its second poll (tokio: a 1 ms timeout).
      const outcome = blockOn(select(m1.lock(), yieldNow()));
      assert.equal(outcome.index, 1);
      drop(outcome.rest); // the timeout drops the lock() it cut off
    }
    assert.equal(m1.isLocked, false, "Mutex is locked");
    blockOn(m1.lock()).release();
  });

  test(`tokio sync_mutex${owned} try_lock${owned}`, () => {
    const m = new Mutex(0);
    const g1 = m.tryLock();
    assert.notEqual(g1, null);
    assert.equal(m.tryLock(), null);
    g1!.release();
    assert.notEqual(m.tryLock(), null);
  });
}
