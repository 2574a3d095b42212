// Port of smol-rs/async-lock tests/mutex.rs (smol-rs/async-lock
// 23e181d5cfb91a59382e5719c682caa58ff43ace) onto @spindle/sync's Mutex, written from the sync
// README. `future::block_on` and `lock_blocking` are blockOn; the upstream threads are tasks of
// one LocalExecutor (the Mutex is single-threaded, README); flume is an mpsc.unbounded channel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor } from "@spindle/core";
import { mpsc, Mutex } from "@spindle/sync";
import { checkYieldsWhenContended } from "./async_lock_support.ts";

test("smoke", () => {
  const m = new Mutex(null);
  blockOn(m.lock()).release();
  blockOn(m.lock()).release();
  assert.equal(m.isLocked, false);
});

test("smoke_blocking", () => {
  const m = new Mutex(null);
  blockOn(m.lock()).release();
  blockOn(m.lock()).release();
  assert.equal(m.isLocked, false);
});

test("try_lock", () => {
  const m = new Mutex<unknown>(null);
  const guard = m.tryLock();
  assert.notEqual(guard, null);
  guard!.value = "set";
  guard!.release();
  assert.equal(m.tryLock()!.value, "set");
});

test("contention", async () => {
  const [tx, rx] = mpsc.unbounded<null>();
  const mutex = new Mutex(0);
  const numTasks = 100;
  const executor = new LocalExecutor();
  for (let i = 0; i < numTasks; i++) {
    const sender = tx.clone();
    executor.spawn(function* (): Coroutine<void> {
      const lock = yield* mutex.lock();
      lock.value += 1;
      sender.send(null);
      sender.drop();
      lock.release();
    }());
  }
  tx.drop();
  const total = executor.spawn(function* (): Coroutine<number> {
    for (let i = 0; i < numTasks; i++) yield* rx.recv();
    const lock = yield* mutex.lock();
    const value = lock.value;
    lock.release();
    return value;
  }());
  await executor.run();
  assert.equal(await total, numTasks);
});

test("yields_when_contended", () => {
  const m = new Mutex(null);
  checkYieldsWhenContended(m.tryLock()!, m.lock());
});
