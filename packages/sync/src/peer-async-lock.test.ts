// smol's async-lock tests (tests/mutex.rs, rwlock.rs, semaphore.rs, barrier.rs), ported onto the
// public API (PEER-TESTS-LOCKS.md maps each test). async-lock's threads become tasks of one
// executor (these locks are single-threaded); its `*_arc` and `*_blocking` twins run on the same
// calls (a JavaScript guard keeps its lock alive; `blockOn` is the blocking form).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, PENDING, select, STREAM_END, yieldNow } from "@spindle/core";
import { countingWaker } from "@spindle/test-support";
import { Barrier, mpsc, Mutex, RwLock, Semaphore } from "@spindle/sync";
import { random } from "./test-support/harness.ts";
import { checkYieldsWhenContended } from "./test-support/yields-when-contended.ts";

// --- tests/mutex.rs

test("async-lock mutex smoke (and smoke_blocking, smoke_arc_blocking)", () => {
  const m = new Mutex(null);
  blockOn(m.lock()).release();
  blockOn(m.lock()).release();
  assert.equal(m.isLocked, false);
});

test("async-lock mutex try_lock", () => {
  const m = new Mutex(0);
  const guard = m.tryLock()!;
  guard.value = 1;
  assert.equal(guard.value, 1);
});

test("async-lock mutex contention: 100 tasks each add 1 under the lock and report", async () => {
  const [tx, rx] = mpsc.unbounded<void>();
  const mutex = new Mutex(0);
  const numTasks = 100;
  const executor = new LocalExecutor();
  for (let i = 0; i < numTasks; i++) {
    const sender = tx.clone();
    executor.spawn(function* (): Coroutine<void> {
      using lock = yield* mutex.lock();
      lock.value += 1;
      yield* yieldNow(); // the others contend while this one holds the lock
      sender.send();
      sender.drop();
    }());
  }
  tx.drop();
  const total = executor.spawn(function* (): Coroutine<number> {
    for (let i = 0; i < numTasks; i++) assert.notEqual(yield* rx.recv(), STREAM_END);
    using lock = yield* mutex.lock();
    return lock.value;
  }());
  await executor.run();
  assert.equal(await total, numTasks);
});

test("async-lock mutex lifetime: a lock() future outlives the scope that made the mutex", () => {
  const fut = (() => new Mutex(7).lock())();
  assert.equal(blockOn(fut).value, 7);
});

test("async-lock mutex yields_when_contended (and the lock_arc twin)", () => {
  const m = new Mutex(null);
  checkYieldsWhenContended(m.tryLock()!, m.lock()).release();
});

// --- tests/rwlock.rs

test("async-lock rwlock smoke (and smoke_blocking, smoke_arc_blocking)", () => {
  const lock = new RwLock(null);
  blockOn(lock.read()).release();
  blockOn(lock.write()).release();
  const [a, b] = [blockOn(lock.read()), blockOn(lock.read())];
  a.release();
  b.release();
  blockOn(lock.write()).release();
  const read = blockOn(lock.read());
  const upgradable = blockOn(lock.upgradableRead());
  read.release();
  blockOn(upgradable.upgrade()).release();
  blockOn(lock.write()).release();
});

test("async-lock rwlock try_write", () => {
  const lock = new RwLock(0);
  const readGuard = blockOn(lock.read());
  assert.equal(lock.tryWrite(), null);
  readGuard.release();
});

for (const arc of ["", "_arc"]) {
  test(`async-lock rwlock contention${arc}: 10 tasks x 1000 random reads and writes`, async () => {
    const n = 10;
    const rw = new RwLock(null);
    const next = random(0x10c4 + arc.length);
    const [tx, rx] = mpsc.unbounded<void>();
    const executor = new LocalExecutor();
    for (let t = 0; t < n; t++) {
      const sender = tx.clone();
      executor.spawn(function* (): Coroutine<void> {
        for (let i = 0; i < 1000; i++) {
          const guard = Math.floor(next() * n) === 0 ? yield* rw.write() : yield* rw.read();
          if (i % 7 === 0) yield* yieldNow();
          guard.release();
        }
        sender.send();
        sender.drop();
      }());
    }
    tx.drop();
    const done = executor.spawn(function* (): Coroutine<number> {
      let count = 0;
      while ((yield* rx.recv()) !== STREAM_END) count++;
      return count;
    }());
    await executor.run();
    assert.equal(await done, n);
    assert.notEqual(rw.tryWrite(), null, "every guard was released");
  });

  test(`async-lock rwlock writer_and_readers${arc}: readers never see the writer's -1`, async () => {
    const lock = new RwLock(0);
    const executor = new LocalExecutor();
    const writer = executor.spawn(function* (): Coroutine<void> {
      using guard = yield* lock.write();
      for (let i = 0; i < 1000; i++) {
        const tmp = guard.value;
        guard.value = -1;
        yield* yieldNow();
        guard.value = tmp + 1;
      }
    }());
    const readers = [];
    for (let r = 0; r < 5; r++) {
      readers.push(executor.spawn(function* (): Coroutine<void> {
        for (let i = 0; i < 1000; i++) {
          using guard = yield* lock.read();
          assert.ok(guard.value >= 0);
        }
      }()));
    }
    await executor.run();
    for (const r of readers) await r;
    await writer;
    assert.equal(blockOn(lock.read()).value, 1000);
  });

  test(`async-lock rwlock upgrade${arc}: an upgradable read lets readers in, then upgrades once they left`, () => {
    const lock = new RwLock(0);
    const readGuard = blockOn(lock.read());
    const readGuard2 = blockOn(lock.read());
    const upgradableGuard = blockOn(lock.upgradableRead());
    const readGuard3 = blockOn(lock.read());
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

  test(`async-lock rwlock not_upgrade${arc}: a dropped upgradable read lets a writer in`, () => {
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
    const writeGuard = blockOn(lock.write());
    writeGuard.value += 1;
    writeGuard.release();
    assert.equal(blockOn(lock.read()).value, 1);
  });

  test(`async-lock rwlock upgradable_with_concurrent_writer${arc}: the upgrade goes before the writer waiting`, () => {
    const lock = new RwLock(0);
    const upgradableGuard = blockOn(lock.upgradableRead());
    const outcome = blockOn(select(
      function* (): Coroutine<void> {
        using writeGuard = yield* lock.write();
        writeGuard.value = 1;
      }(),
      function* (): Coroutine<void> {
        using writeGuard = yield* upgradableGuard.upgrade();
        assert.equal(writeGuard.value, 0);
        writeGuard.value = 2;
      }(),
    ));
    assert.equal(outcome.index, 1);
    outcome.rest[Symbol.dispose]();
    const write = blockOn(lock.write());
    assert.equal(write.value, 2);
    write.release();
    assert.equal(blockOn(lock.read()).value, 2);
  });

  test(`async-lock rwlock yields_when_contended${arc}`, () => {
    const rw = new RwLock(null);
    checkYieldsWhenContended(rw.tryWrite()!, rw.read()).release();
    checkYieldsWhenContended(rw.tryWrite()!, rw.upgradableRead()).release();
    checkYieldsWhenContended(rw.tryWrite()!, rw.write()).release();
    checkYieldsWhenContended(rw.tryRead()!, rw.write()).release();
    checkYieldsWhenContended(rw.tryUpgradableRead()!, rw.write()).release();
    checkYieldsWhenContended(rw.tryUpgradableRead()!, rw.upgradableRead()).release();
    const upgradable = rw.tryUpgradableRead()!;
    checkYieldsWhenContended(rw.tryRead()!, upgradable.upgrade()).release();
    assert.notEqual(rw.tryWrite(), null, "every guard was released");
  });
}

test("async-lock rwlock cancellation (and arc_rwlock_refcounts): dropped futures of every kind leave the lock free", () => {
  const rw = new RwLock(null);
  rw.read()[Symbol.dispose]();
  rw.upgradableRead()[Symbol.dispose]();
  rw.write()[Symbol.dispose]();
  blockOn(rw.read()).release();
  blockOn(rw.upgradableRead()).release();
  blockOn(rw.write()).release();
  blockOn(rw.upgradableRead()).upgrade()[Symbol.dispose]();
  const write = blockOn(blockOn(rw.upgradableRead()).upgrade());
  write.release();
  assert.notEqual(rw.tryUpgradableRead(), null, "the upgradable slot is free");
});

// --- tests/semaphore.rs

test("async-lock semaphore try_acquire", () => {
  const s = new Semaphore(2);
  const g1 = s.tryAcquire()!;
  s.tryAcquire()!;
  assert.equal(s.tryAcquire(), null);
  g1.release();
  assert.notEqual(s.tryAcquire(), null);
});

test("async-lock semaphore stress: 50 tasks x 10,000 acquisitions through 5 permits leave exactly 5", async () => {
  const s = new Semaphore(5);
  const executor = new LocalExecutor();
  for (let t = 0; t < 50; t++) {
    executor.spawn(function* (): Coroutine<void> {
      for (let i = 0; i < 10_000; i++) {
        const permit = yield* s.acquire();
        if (i % 1000 === 0) yield* yieldNow();
        permit.release();
      }
    }());
  }
  await executor.run();
  const held = [1, 2, 3, 4, 5].map(() => s.tryAcquire());
  assert.ok(held.every((p) => p !== null));
  assert.equal(s.tryAcquire(), null);
  held[1]!.release();
  assert.notEqual(s.tryAcquire(), null);
});

test("async-lock semaphore as_mutex (and multi_resource): two tasks share a semaphore", async () => {
  for (const permits of [1, 2]) {
    const s = new Semaphore(permits);
    const [tx1, rx1] = mpsc.unbounded<void>();
    const [tx2, rx2] = mpsc.unbounded<void>();
    const executor = new LocalExecutor();
    executor.spawn(function* (): Coroutine<void> {
      using _g = yield* s.acquire();
      if (permits === 2) yield* rx2.recv();
      tx1.send();
    }());
    executor.spawn(function* (): Coroutine<void> {
      using _g = yield* s.acquire();
      tx2.send();
      if (permits === 2) yield* rx1.recv();
    }());
    await executor.run();
    assert.equal(s.availablePermits, permits);
  }
});

test("async-lock semaphore lifetime: an acquire() future outlives the scope that made the semaphore", () => {
  const fut = (() => new Semaphore(2).acquire())();
  assert.equal(blockOn(fut).count, 1);
});

test("async-lock semaphore yields_when_contended (and the acquire_arc twin)", () => {
  const s = new Semaphore(1);
  checkYieldsWhenContended(s.tryAcquire()!, s.acquire()).release();
});

test("async-lock semaphore smoke_blocking (and smoke_arc_blocking)", () => {
  const s = new Semaphore(2);
  const g1 = blockOn(s.acquire());
  blockOn(s.acquire());
  assert.equal(s.tryAcquire(), null);
  g1.release();
  assert.notEqual(s.tryAcquire(), null);
});

test("async-lock semaphore available_permits", () => {
  const s = new Semaphore(2);
  assert.equal(s.availablePermits, 2);
  const guard = s.tryAcquire()!;
  assert.equal(s.availablePermits, 1);
  guard.release();
});

test("async-lock semaphore add_permits: 50 waiting tasks, each forgets its permit", async () => {
  let counter = 0;
  const s = new Semaphore(0);
  const executor = new LocalExecutor();
  for (let t = 0; t < 50; t++) {
    executor.spawn(function* (): Coroutine<void> {
      const perm = yield* s.acquire();
      perm.forget();
      counter++;
    }());
  }
  assert.equal(counter, 0);
  s.addPermits(50);
  await executor.run();
  assert.equal(counter, 50);
  assert.equal(s.availablePermits, 0);
});

test("async-lock semaphore add_permits_2: one permit added serves the first of two waiters", () => {
  const s = new Semaphore(0);
  const { cx } = countingWaker();
  const acq = s.acquire();
  const acq2 = s.acquire();
  assert.equal(acq.poll(cx), PENDING);
  assert.equal(acq2.poll(cx), PENDING);
  s.addPermits(1);
  assert.notEqual(acq.poll(cx), PENDING);
  assert.equal(acq2.poll(cx), PENDING);
  acq2[Symbol.dispose]();
});

// --- tests/barrier.rs

test("async-lock barrier smoke (and smoke_blocking): 10 rounds of 10 tasks, one leader each", async () => {
  const n = 10;
  const barrier = new Barrier(n);
  for (let round = 0; round < 10; round++) {
    const [tx, rx] = mpsc.unbounded<boolean>();
    const executor = new LocalExecutor();
    for (let i = 0; i < n - 1; i++) {
      const sender = tx.clone();
      executor.spawn(function* (): Coroutine<void> {
        const res = yield* barrier.wait();
        sender.send(res.isLeader);
        sender.drop();
      }());
    }
    tx.drop();
    const leaders = executor.spawn(function* (): Coroutine<number> {
      yield* yieldNow(); // the others arrive first
      assert.equal(rx.tryRecv(), PENDING, "nobody passed the barrier yet");
      let found = (yield* barrier.wait()).isLeader ? 1 : 0;
      for (let i = 0; i < n - 1; i++) if ((yield* rx.recv()) === true) found++;
      return found;
    }());
    await executor.run();
    assert.equal(await leaders, 1);
  }
});
