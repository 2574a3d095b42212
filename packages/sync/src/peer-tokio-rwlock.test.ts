// tokio's tests/sync_rwlock.rs, ported onto the public API (PEER-TESTS-LOCKS.md maps each test).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, PENDING, SpindleError, yieldNow } from "@spindle/core";
import { Barrier, RwLock } from "@spindle/sync";
import { spawn } from "./test-support/peer-task.ts";

test("tokio sync_rwlock read_shared: multiple reads are ready", () => {
  const rwlock = new RwLock(100);
  const g1 = spawn(rwlock.read()).ready();
  const g2 = spawn(rwlock.read()).ready();
  assert.equal(g1.value + g2.value, 200);
});

test("tokio sync_rwlock write_shared_pending: no write while a reader holds the lock", () => {
  const rwlock = new RwLock(100);
  spawn(rwlock.read()).ready();
  spawn(rwlock.write()).pending();
});

test("tokio sync_rwlock read_exclusive_pending: no read while a writer holds the lock", () => {
  const rwlock = new RwLock(100);
  spawn(rwlock.write()).ready();
  spawn(rwlock.read()).pending();
});

test("tokio sync_rwlock exhaust_reading: the read past maxReaders waits until a reader leaves", () => {
  const rwlock = new RwLock(100, { maxReaders: 1024 });
  const reads = [];
  for (;;) {
    const t = spawn(rwlock.read());
    const guard = t.poll();
    if (guard === PENDING) {
      t.drop();
      break;
    }
    reads.push(guard);
  }
  assert.equal(reads.length, 1024);
  const t1 = spawn(rwlock.read());
  t1.pending();
  reads.pop()!.release();
  assert.ok(t1.isWoken());
  t1.ready();
});

test("tokio sync_rwlock zero_max_readers (and zero_max_readers_const): INVALID_ARGUMENT naming 0 (tokio panics)", () => {
  assert.throws(
    () => new RwLock(100, { maxReaders: 0 }),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /got 0/.test(e.message),
  );
});

test("tokio sync_rwlock write_exclusive_pending", () => {
  const rwlock = new RwLock(100);
  spawn(rwlock.write()).ready();
  spawn(rwlock.write()).pending();
});

test("tokio sync_rwlock write_shared_drop: the write gets in once the reader leaves", () => {
  const rwlock = new RwLock(100);
  const g1 = spawn(rwlock.read()).ready();
  const t2 = spawn(rwlock.write());
  t2.pending();
  g1.release();
  assert.ok(t2.isWoken());
  t2.ready();
});

test("tokio sync_rwlock write_read_shared_pending: a waiting writer holds back later readers", () => {
  const rwlock = new RwLock(100);
  spawn(rwlock.read()).ready();
  spawn(rwlock.read()).ready();
  spawn(rwlock.write()).pending();
  spawn(rwlock.read()).pending();
});

test("tokio sync_rwlock write_read_shared_drop_pending: dropping the waiting writer lets the reader in", () => {
  const rwlock = new RwLock(100);
  spawn(rwlock.read()).ready();
  const t2 = spawn(rwlock.write());
  t2.pending();
  const t3 = spawn(rwlock.read());
  t3.pending();
  t2.drop();
  assert.ok(t3.isWoken());
  t3.ready();
});

test("tokio sync_rwlock read_uncontested", () => {
  const rwlock = new RwLock(100);
  assert.equal(blockOn(rwlock.read()).value, 100);
});

test("tokio sync_rwlock write_uncontested", () => {
  const rwlock = new RwLock(100);
  const result = blockOn(rwlock.write());
  result.value += 50;
  assert.equal(result.value, 150);
});

test("tokio sync_rwlock write_order: writes are taken in the order their futures are awaited", () => {
  const rwlock = new RwLock<number[]>([]);
  const fut2 = rwlock.write();
  const fut1 = rwlock.write();
  for (const [future, item] of [[fut1, 1], [fut2, 2]] as const) {
    using guard = blockOn(future); // tokio's map drops the guard once it pushed
    guard.value.push(item);
  }
  assert.deepEqual(blockOn(rwlock.read()).value, [1, 2]);
});

test("tokio sync_rwlock multithreaded (on one thread): 4 tasks x 1000 writes, then a Barrier of 5", async () => {
  const barrier = new Barrier(5);
  const rwlock = new RwLock(0);
  const executor = new LocalExecutor();
  for (const add of [2, 3, 5, 7]) {
    executor.spawn(function* (): Coroutine<void> {
      for (let i = 0; i < 1000; i++) {
        using guard = yield* rwlock.write();
        guard.value += add;
        if (i % 100 === 0) yield* yieldNow();
      }
      yield* barrier.wait();
    }());
  }
  const main = executor.spawn(function* (): Coroutine<number> {
    yield* barrier.wait();
    using g = yield* rwlock.read();
    return g.value;
  }());
  await executor.run();
  assert.equal(await main, 17_000);
});

test("tokio sync_rwlock try_write: fails while a reader holds the lock", () => {
  const lock = new RwLock(0);
  const readGuard = blockOn(lock.read());
  assert.equal(lock.tryWrite(), null);
  readGuard.release();
  assert.notEqual(lock.tryWrite(), null);
});

test("tokio sync_rwlock try_read_try_write", () => {
  const lock = new RwLock(15);
  {
    using rg1 = lock.tryRead()!;
    assert.equal(rg1.value, 15);
    assert.equal(lock.tryWrite(), null);
    using rg2 = lock.tryRead()!;
    assert.equal(rg2.value, 15);
  }
  {
    using wg = lock.tryWrite()!;
    wg.value = 1515;
    assert.equal(lock.tryRead(), null);
  }
  assert.equal(lock.tryRead()!.value, 1515);
});

test("tokio sync_rwlock downgrade_map: the waiting reader gets in only once map returned", () => {
  const lock = new RwLock({ n: 0 });
  const writeGuard = blockOn(lock.write());
  const readT = spawn(lock.read());
  readT.pending();
  const readGuard1 = writeGuard.downgradeMap((v) => {
    readT.pending();
    return v;
  });
  const readGuard2 = readT.ready();
  assert.equal(readGuard1.value, readGuard2.value, "the same object");
});

test("tokio sync_rwlock try_downgrade_map: null keeps the write, a value downgrades", () => {
  const lock = new RwLock({ n: 0 });
  const writeGuard = blockOn(lock.write());
  const readT = spawn(lock.read());
  readT.pending();
  const failed = writeGuard.tryDowngradeMap(() => {
    readT.pending();
    return null;
  });
  assert.equal(failed, null, "downgrade didn't fail");
  readT.pending();
  const readGuard1 = writeGuard.tryDowngradeMap((v) => v)!;
  const readGuard2 = readT.ready();
  assert.equal(readGuard1.value, readGuard2.value, "the same object");
});
