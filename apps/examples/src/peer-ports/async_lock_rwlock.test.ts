// Port of smol-rs/async-lock tests/rwlock.rs (smol-rs/async-lock
// 23e181d5cfb91a59382e5719c682caa58ff43ace) onto @spindle/sync's RwLock, written from the sync
// README. `future::block_on` and `*_blocking` are blockOn; the upstream threads are tasks of one
// LocalExecutor (the RwLock is single-threaded); flume is an mpsc.unbounded channel; fastrand a
// seeded generator. Upgradable reads are `upgradableRead()` / `tryUpgradableRead()`, and the
// guard's `upgrade()` / `tryUpgrade()` (async-lock's `RwLockUpgradableReadGuard::upgrade(guard)`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, select, yieldNow } from "@spindle/core";
import { mpsc, RwLock } from "@spindle/sync";
import { checkYieldsWhenContended, seeded } from "./async_lock_support.ts";

test("smoke", () => {
  const lock = new RwLock(null);
  blockOn(lock.read()).release();
  blockOn(lock.write()).release();
  const r1 = blockOn(lock.read());
  const r2 = blockOn(lock.read());
  r1.release();
  r2.release();
  blockOn(lock.write()).release();
});

test("smoke_blocking", () => {
  const lock = new RwLock(null);
  blockOn(lock.read()).release();
  blockOn(lock.write()).release();
  const r1 = blockOn(lock.read());
  const r2 = blockOn(lock.read());
  r1.release();
  r2.release();
  const read = blockOn(lock.read());
  const upgradable = blockOn(lock.upgradableRead());
  read.release();
  blockOn(upgradable.upgrade()).release();
  blockOn(lock.write()).release();
});

test("try_write", () => {
  const lock = new RwLock(0);
  const readGuard = blockOn(lock.read());
  assert.equal(lock.tryWrite(), null);
  readGuard.release();
});

test("contention", async () => {
  const N = 10;
  const M = 1000;
  const random = seeded(0x5eed);
  const [tx, rx] = mpsc.unbounded<null>();
  const rw = new RwLock(null);
  const executor = new LocalExecutor();
  for (let t = 0; t < N; t++) {
    const sender = tx.clone();
    executor.spawn(function* (): Coroutine<void> {
      for (let i = 0; i < M; i++) {
        const guard = random(N) === 0 ? yield* rw.write() : yield* rw.read();
        guard.release();
      }
      sender.send(null);
    }());
  }
  const all = executor.spawn(function* (): Coroutine<number> {
    let done = 0;
    for (let i = 0; i < N; i++) if ((yield* rx.recv()) === null) done++;
    return done;
  }());
  await executor.run();
  assert.equal(await all, N);
});

test("writer_and_readers", async () => {
  const lock = new RwLock(0);
  const [tx, rx] = mpsc.unbounded<null>();
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    const guard = yield* lock.write();
    for (let i = 0; i < 1000; i++) {
      const tmp = guard.value;
      guard.value = -1;
      yield* yieldNow();
      guard.value = tmp + 1;
    }
    guard.release();
    tx.send(null);
  }());
  const readers = Array.from({ length: 5 }, () =>
    executor.spawn(function* (): Coroutine<void> {
      for (let i = 0; i < 1000; i++) {
        const guard = yield* lock.read();
        assert.ok(guard.value >= 0);
        guard.release();
      }
    }()));
  const final = executor.spawn(function* (): Coroutine<number> {
    for (const r of readers) yield* r;
    yield* rx.recv();
    const guard = yield* lock.read();
    const value = guard.value;
    guard.release();
    return value;
  }());
  await executor.run();
  assert.equal(await final, 1000);
});

test("upgrade", () => {
  const lock = new RwLock(0);
  const readGuard = blockOn(lock.read());
  const readGuard2 = blockOn(lock.read());
  const upgradableGuard = blockOn(lock.upgradableRead()); // beside the readers
  const readGuard3 = blockOn(lock.read()); // readers still get in
  assert.equal(readGuard3.value, 0);
  readGuard.release();
  readGuard2.release();
  readGuard3.release();
  assert.equal(lock.tryWrite(), null, "writers should not pass");
  const writeGuard = upgradableGuard.tryUpgrade();
  assert.notEqual(writeGuard, null, "no more readers: the upgrade succeeds");
  writeGuard!.value += 1;
  writeGuard!.release();
  assert.equal(blockOn(lock.read()).value, 1);
});

test("not_upgrade", () => {
  const lock = new RwLock(0);
  const readGuard = blockOn(lock.read());
  const readGuard2 = blockOn(lock.read());
  const upgradableGuard = blockOn(lock.upgradableRead());
  const readGuard3 = blockOn(lock.read());
  assert.equal(readGuard3.value, 0);
  readGuard.release();
  readGuard2.release();
  readGuard3.release();
  upgradableGuard.release();
  const read = blockOn(lock.read());
  assert.equal(read.value, 0);
  read.release();
  const writeGuard = blockOn(lock.write()); // no readers left
  writeGuard.value += 1;
  writeGuard.release();
  assert.equal(blockOn(lock.read()).value, 1);
});

test("upgradable_with_concurrent_writer", () => {
  const lock = new RwLock(0);
  const upgradableGuard = blockOn(lock.upgradableRead());
  // future::or: the writer is polled first and waits; the upgrade goes ahead of it and wins.
  const first = blockOn(select(
    function* (): Coroutine<void> {
      const writeGuard = yield* lock.write();
      writeGuard.value = 1;
      writeGuard.release();
    }(),
    function* (): Coroutine<void> {
      const writeGuard = yield* upgradableGuard.upgrade();
      assert.equal(writeGuard.value, 0);
      writeGuard.value = 2;
      writeGuard.release();
    }(),
  ));
  assert.equal(first.index, 1);
  first.rest[Symbol.dispose](); // future::or drops the writer
  const write = blockOn(lock.write());
  assert.equal(write.value, 2);
  write.release();
  assert.equal(blockOn(lock.read()).value, 2);
});

test("yields_when_contended", () => {
  const rw = new RwLock(null);
  checkYieldsWhenContended(rw.tryWrite()!, rw.read());
  checkYieldsWhenContended(rw.tryWrite()!, rw.upgradableRead());
  checkYieldsWhenContended(rw.tryWrite()!, rw.write());
  checkYieldsWhenContended(rw.tryRead()!, rw.write());
  checkYieldsWhenContended(rw.tryUpgradableRead()!, rw.write());
  checkYieldsWhenContended(rw.tryUpgradableRead()!, rw.upgradableRead());
  const upgradable = rw.tryUpgradableRead()!;
  checkYieldsWhenContended(rw.tryRead()!, upgradable.upgrade());
  assert.notEqual(rw.tryWrite(), null, "every guard was released");
});

test("cancellation", () => {
  const rw = new RwLock(null);
  rw.read()[Symbol.dispose](); // futures dropped before their first poll
  rw.upgradableRead()[Symbol.dispose]();
  rw.write()[Symbol.dispose]();
  blockOn(rw.read()).release();
  blockOn(rw.upgradableRead()).release();
  blockOn(rw.write()).release();
  blockOn(rw.upgradableRead()).upgrade()[Symbol.dispose](); // a dropped upgrade releases the lock
  blockOn(blockOn(rw.upgradableRead()).upgrade()).release();
  const upgradable = rw.tryUpgradableRead();
  assert.notEqual(upgradable, null, "the upgradable slot is free");
  upgradable!.release();
  assert.notEqual(rw.tryWrite(), null);
});
