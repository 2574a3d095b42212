// Port of tokio/tests/sync_rwlock.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's RwLock, written from the package README.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, PENDING, SpindleError } from "@spindle/core";
import { Barrier, RwLock } from "@spindle/sync";
import { pending, ready, spawn } from "./support.ts";

test("read_shared", () => {
  const rwlock = new RwLock(100);
  ready(spawn(rwlock.read()).poll());
  ready(spawn(rwlock.read()).poll());
});

test("write_shared_pending", () => {
  const rwlock = new RwLock(100);
  ready(spawn(rwlock.read()).poll());
  pending(spawn(rwlock.write()).poll());
});

test("read_exclusive_pending", () => {
  const rwlock = new RwLock(100);
  ready(spawn(rwlock.write()).poll());
  pending(spawn(rwlock.read()).poll());
});

test("write_exclusive_pending", () => {
  const rwlock = new RwLock(100);
  ready(spawn(rwlock.write()).poll());
  pending(spawn(rwlock.write()).poll());
});

test("write_shared_drop", () => {
  const rwlock = new RwLock(100);
  const g1 = ready(spawn(rwlock.read()).poll());
  const t2 = spawn(rwlock.write());
  pending(t2.poll());
  g1.release();
  assert.ok(t2.isWoken());
  ready(t2.poll());
});

test("write_read_shared_pending", () => {
  const rwlock = new RwLock(100);
  ready(spawn(rwlock.read()).poll());
  ready(spawn(rwlock.read()).poll());
  pending(spawn(rwlock.write()).poll());
  pending(spawn(rwlock.read()).poll()); // a waiting writer holds back later readers
});

test("write_read_shared_drop_pending", () => {
  const rwlock = new RwLock(100);
  ready(spawn(rwlock.read()).poll());
  const t2 = spawn(rwlock.write());
  pending(t2.poll());
  const t3 = spawn(rwlock.read());
  pending(t3.poll());
  t2.drop();
  assert.ok(t3.isWoken());
  ready(t3.poll());
});

test("read_uncontested", () => {
  const rwlock = new RwLock(100);
  assert.equal(blockOn(rwlock.read()).value, 100);
});

test("write_uncontested", () => {
  const rwlock = new RwLock(100);
  const result = blockOn(rwlock.write());
  result.value += 50;
  assert.equal(result.value, 150);
});

test("write_order", () => {
  // A lock future queues when first polled: fut1, polled first, gets the lock first.
  const rwlock = new RwLock<number[]>([]);
  const fut2 = rwlock.write();
  const fut1 = rwlock.write();
  const g1 = blockOn(fut1);
  g1.value.push(1);
  g1.release();
  const g2 = blockOn(fut2);
  g2.value.push(2);
  g2.release();
  assert.deepEqual(blockOn(rwlock.read()).value, [1, 2]);
});

// Differs: tokio runs the four writers on 8 worker threads; RwLock is single-threaded (README),
// so they are four tasks on one LocalExecutor, interleaving at every wait.
test("multithreaded", async () => {
  const barrier = new Barrier(5);
  const rwlock = new RwLock(0);
  const executor = new LocalExecutor();
  for (const step of [2, 3, 5, 7]) {
    executor.spawn(function* (): Coroutine<void> {
      for (let i = 0; i < 1000; i++) {
        const guard = yield* rwlock.write();
        guard.value += step;
        guard.release();
      }
      yield* barrier.wait();
    }());
  }
  const total = executor.spawn(function* (): Coroutine<number> {
    yield* barrier.wait();
    const g = yield* rwlock.read();
    const value = g.value;
    g.release();
    return value;
  }());
  await executor.run();
  assert.equal(await total, 17_000);
});

test("try_write", () => {
  const lock = new RwLock(0);
  const readGuard = blockOn(lock.read());
  assert.equal(lock.tryWrite(), null);
  readGuard.release();
  assert.notEqual(lock.tryWrite(), null);
});

test("try_read_try_write", () => {
  const lock = new RwLock(15);
  const rg1 = lock.tryRead()!;
  assert.equal(rg1.value, 15);
  assert.equal(lock.tryWrite(), null);
  const rg2 = lock.tryRead()!;
  assert.equal(rg2.value, 15);
  rg1.release();
  rg2.release();
  const wg = lock.tryWrite()!;
  wg.value = 1515;
  assert.equal(lock.tryRead(), null);
  wg.release();
  assert.equal(lock.tryRead()!.value, 1515);
});

test("exhaust_reading", () => {
  const rwlock = new RwLock(100, { maxReaders: 1024 });
  const reads = [];
  for (;;) {
    const t = spawn(rwlock.read());
    const poll = t.poll();
    if (poll === PENDING) {
      t.drop(); // tokio drops it at the end of the loop body
      break;
    }
    reads.push(poll);
  }
  assert.equal(reads.length, 1024);
  const t1 = spawn(rwlock.read());
  pending(t1.poll());
  reads.pop()!.release();
  assert.ok(t1.isWoken());
  ready(t1.poll());
});

// tokio panics; here it is INVALID_ARGUMENT naming the value. `const_with_max_readers` is the same
// JavaScript call.
for (const name of ["zero_max_readers", "zero_max_readers_const"]) {
  test(name, () => {
    assert.throws(
      () => new RwLock(100, { maxReaders: 0 }),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /maxReaders.*got 0/.test(e.message),
    );
  });
}

// tokio compares the addresses of the two guards' referents; here the value is an object and the
// guards give the very same one.
test("downgrade_map", () => {
  const value = { n: 0 };
  const lock = new RwLock(value);
  const writeGuard = blockOn(lock.write());
  const readT = spawn(lock.read());
  pending(readT.poll());
  const readGuard1 = writeGuard.downgradeMap((v) => {
    pending(readT.poll()); // during `map`, the reader has no access yet
    return v;
  });
  const readGuard2 = ready(readT.poll());
  assert.equal(readGuard1.value, readGuard2.value);
  assert.equal(readGuard1.value, value);
});

test("try_downgrade_map", () => {
  const value = { n: 0 };
  const lock = new RwLock(value);
  const writeGuard = blockOn(lock.write());
  const readT = spawn(lock.read());
  pending(readT.poll());
  assert.equal(
    writeGuard.tryDowngradeMap(() => {
      pending(readT.poll());
      return null;
    }),
    null,
  );
  pending(readT.poll()); // `map` said no: still writing
  const readGuard1 = writeGuard.tryDowngradeMap((v) => v)!;
  const readGuard2 = ready(readT.poll());
  assert.equal(readGuard1.value, readGuard2.value);
  assert.equal(readGuard1.value, value);
});
