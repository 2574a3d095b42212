// Port of smol-rs/async-lock tests/semaphore.rs (smol-rs/async-lock
// 23e181d5cfb91a59382e5719c682caa58ff43ace) onto @spindle/sync's Semaphore, written from the sync
// README. `acquire_blocking` and `future::block_on` are blockOn; the upstream threads are tasks
// of one LocalExecutor (the Semaphore is single-threaded, README); std's mpsc channels are
// @spindle/sync channels; `forget(permit)` is `permit.forget()`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, Context, type Coroutine, LocalExecutor, PENDING } from "@spindle/core";
import { mpsc, oneshot, Semaphore } from "@spindle/sync";
import { checkYieldsWhenContended } from "./async_lock_support.ts";

test("try_acquire", () => {
  const s = new Semaphore(2);
  const g1 = s.tryAcquire()!;
  assert.notEqual(g1, null);
  assert.notEqual(s.tryAcquire(), null);
  assert.equal(s.tryAcquire(), null);
  g1.release();
  assert.notEqual(s.tryAcquire(), null);
});

// COUNT is 1,000 instead of 10,000 per task (50 tasks on one thread here).
test("stress", async () => {
  const COUNT = 1_000;
  const s = new Semaphore(5);
  const executor = new LocalExecutor();
  for (let t = 0; t < 50; t++) {
    executor.spawn(function* (): Coroutine<void> {
      for (let i = 0; i < COUNT; i++) (yield* s.acquire()).release();
    }());
  }
  await executor.run();
  const held = [s.tryAcquire(), s.tryAcquire(), s.tryAcquire(), s.tryAcquire(), s.tryAcquire()];
  assert.ok(held.every((g) => g !== null));
  assert.equal(s.tryAcquire(), null);
  held[1]!.release();
  assert.notEqual(s.tryAcquire(), null);
});

test("as_mutex", async () => {
  const s = new Semaphore(1);
  const executor = new LocalExecutor();
  for (let t = 0; t < 2; t++) {
    executor.spawn(function* (): Coroutine<void> {
      const g = yield* s.acquire();
      g.release();
    }());
  }
  await executor.run();
  assert.equal(s.availablePermits, 1);
});

test("multi_resource", async () => {
  // Both tasks hold a permit at once (2 permits) and hand a message through: neither waits forever.
  const s = new Semaphore(2);
  const [tx1, rx1] = oneshot<null>();
  const [tx2, rx2] = oneshot<null>();
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    const g = yield* s.acquire();
    yield* rx2;
    tx1.send(null);
    g.release();
  }());
  executor.spawn(function* (): Coroutine<void> {
    const g = yield* s.acquire();
    tx2.send(null);
    yield* rx1;
    g.release();
  }());
  await executor.run();
  assert.equal(s.availablePermits, 2);
});

test("yields_when_contended", () => {
  const s = new Semaphore(1);
  checkYieldsWhenContended(s.tryAcquire()!, s.acquire());
});

test("smoke_blocking", () => {
  const s = new Semaphore(2);
  const g1 = blockOn(s.acquire());
  blockOn(s.acquire());
  assert.equal(s.tryAcquire(), null);
  g1.release();
  assert.notEqual(s.tryAcquire(), null);
});

test("available_permits", () => {
  const s = new Semaphore(2);
  assert.equal(s.availablePermits, 2);
  const guard = s.tryAcquire()!;
  assert.equal(s.availablePermits, 1);
  guard.release();
  assert.equal(s.availablePermits, 2);
});

test("add_permits", async () => {
  let counter = 0;
  const s = new Semaphore(0);
  const [tx, rx] = mpsc.unbounded<never>();
  const executor = new LocalExecutor();
  for (let t = 0; t < 50; t++) {
    const sender = tx.clone();
    executor.spawn(function* (): Coroutine<void> {
      const perm = yield* s.acquire();
      perm.forget();
      counter++;
      sender.drop();
    }());
  }
  const done = executor.spawn(function* (): Coroutine<void> {
    yield* rx.recv(); // ends once every task dropped its sender
  }());
  const running = executor.run();
  assert.equal(counter, 0);
  s.addPermits(50);
  tx.drop();
  await running;
  await done;
  assert.equal(counter, 50);
  assert.equal(s.availablePermits, 0, "forgotten permits do not come back");
});

test("add_permits_2", () => {
  const s = new Semaphore(0);
  const cx = Context.noop();
  const acq = s.acquire();
  const acq2 = s.acquire();
  assert.equal(acq.poll(cx), PENDING);
  assert.equal(acq2.poll(cx), PENDING);
  s.addPermits(1);
  assert.notEqual(acq.poll(cx), PENDING);
  assert.equal(acq2.poll(cx), PENDING);
});
