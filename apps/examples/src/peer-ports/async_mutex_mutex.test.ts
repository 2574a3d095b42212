// Port of DirtyHairy/async-mutex test/mutex.ts (DirtyHairy/async-mutex
// b0bb4c5aa0e42eb5ffc8d9342e56bb6de1b95554) onto @spindle/sync's Mutex, written from the sync and
// core READMEs. What maps to what:
// - `acquire()` is `lock()`, a future of a guard; the releaser is `guard.release()`, and
//   `mutex.release()` (which unlocks whoever holds it) is the holder's `guard.release()`: a
//   Spindle mutex is released through its guard only.
// - `runExclusive(callback)` is lock, run, release in a `finally` (`runExclusive` in
//   async_mutex_support.ts; `using guard = yield* mutex.lock()` on Node 24, Deno and Bun).
// - `waitForUnlock()` is a `lock()` released at once (`waitForUnlock` in the support file): it takes
//   its FIFO turn and holds the lock for that instant, where async-mutex's waiter takes nothing.
// - `cancel()` has no Mutex method: the waiters are made with core's `abortable(mutex.lock(),
//   signal)` and an AbortController's `abort(reason)` fails them, with an `AbortError` by default
//   (async-mutex's E_CANCELED) or the reason given (the custom error of `new Mutex(err)`).
// - Promises polled by the host are tasks of a LocalExecutor or futures polled by hand (a
//   MockTask); fake timers are a VirtualClock (VirtualTime in the support file).
// Differences, documented: futures are lazy, so `lock()` takes the lock at its first poll, not
// when it is called (`isLocked reflects the mutex state`); waiters are served first come, first
// served, without priorities (4 tests not portable, see README.md).
import assert from "node:assert/strict";
import { test } from "node:test";
import { abortable, blockOn, type Coroutine, fromGenerator, LocalExecutor, yieldNow } from "@spindle/core";
import { Mutex } from "@spindle/sync";
import {
  checkFailureReleases,
  checkIsExclusive,
  checkPassesFailure,
  checkPassesResult,
} from "./async_mutex_run_exclusive.ts";
import { mutexLock, runExclusive, VirtualTime, waitForUnlock } from "./async_mutex_support.ts";
import { pending, ready, spawn } from "./support.ts";

const isAbortError = (e: unknown): boolean => e instanceof Error && e.name === "AbortError";

test("ownership is exclusive", async () => {
  const time = new VirtualTime();
  const mutex = new Mutex(null);
  let flag = false;
  const seen = time.executor.spawn(function* (): Coroutine<[boolean, boolean, number]> {
    const guard = yield* mutex.lock();
    time.later(50, () => {
      flag = true;
      guard.release();
    });
    const before = flag;
    (yield* mutex.lock()).release();
    return [before, flag, time.now];
  }());
  await time.executor.run();
  assert.deepEqual(await seen, [false, true, 50]);
});

test("runExclusive passes result (immediate)", () => checkPassesResult(mutexLock(new Mutex(null)), false));

test("runExclusive passes result (promise)", () => checkPassesResult(mutexLock(new Mutex(null)), true));

test("runExclusive passes rejection", () => checkPassesFailure(mutexLock(new Mutex(null)), true));

test("runExclusive passes exception", () => checkPassesFailure(mutexLock(new Mutex(null)), false));

test("runExclusive is exclusive", () => checkIsExclusive(new VirtualTime(), mutexLock(new Mutex(null))));

test("exceptions during runExclusive do not leave mutex locked", () =>
  checkFailureReleases(mutexLock(new Mutex(null))));

test("new mutex is unlocked", () => {
  assert.equal(new Mutex(null).isLocked, false);
});

test("isLocked reflects the mutex state", () => {
  const mutex = new Mutex(null);
  const lock1 = spawn(mutex.lock());
  const lock2 = spawn(mutex.lock());
  // Differs: a lock() future takes nothing until polled (async-mutex locks at the acquire() call).
  assert.equal(mutex.isLocked, false);
  const releaser1 = ready(lock1.poll());
  pending(lock2.poll());
  assert.equal(mutex.isLocked, true);
  releaser1.release();
  assert.equal(mutex.isLocked, true, "handed to the waiter, which has not run yet");
  assert.ok(lock2.isWoken());
  const releaser2 = ready(lock2.poll());
  assert.equal(mutex.isLocked, true);
  releaser2.release();
  assert.equal(mutex.isLocked, false);
});

test("the release method releases a locked mutex", () => {
  const mutex = new Mutex(null);
  const guard = blockOn(mutex.lock());
  assert.equal(mutex.isLocked, true);
  guard.release();
  assert.equal(mutex.isLocked, false);
});

test("calling release on a unlocked mutex does not throw", () => {
  // The only release at hand on an unlocked mutex is a guard's second one: it does nothing, also
  // once another holder has the lock.
  const mutex = new Mutex(null);
  const stale = mutex.tryLock()!;
  stale.release();
  stale.release();
  assert.equal(mutex.isLocked, false);
  const holder = mutex.tryLock()!;
  stale.release();
  assert.equal(mutex.isLocked, true);
  holder.release();
  assert.equal(mutex.isLocked, false);
});

test("multiple calls to release behave as expected", async () => {
  const mutex = new Mutex(0);
  const executor = new LocalExecutor();
  for (let i = 0; i < 3; i++) {
    executor.spawn(function* (): Coroutine<void> {
      const guard = yield* mutex.lock();
      const seen = guard.value;
      yield* yieldNow(); // the others run meanwhile and queue
      guard.value = seen + 1;
      guard.release();
    }());
  }
  await executor.run();
  assert.equal(mutex.tryLock()!.value, 3);
});

test("cancel rejects all pending locks witth E_CANCELED", async () => {
  const mutex = new Mutex(null);
  const holder = mutex.tryLock()!;
  const cancel = new AbortController();
  let ran = false;
  const executor = new LocalExecutor();
  const ticket = executor.spawn(abortable(mutex.lock(), cancel.signal));
  const result = executor.spawn(runExclusive(abortable(mutex.lock(), cancel.signal), function* () {
    ran = true;
  }));
  executor.spawn(function* (): Coroutine<void> {
    cancel.abort(); // both waiters are queued by now
  }());
  await executor.run();
  await assert.rejects(Promise.resolve(ticket), isAbortError);
  await assert.rejects(Promise.resolve(result), isAbortError);
  assert.equal(ran, false);
  assert.equal(mutex.isLocked, true, "the holder keeps the lock");
  holder.release();
  assert.equal(mutex.isLocked, false);
});

test("cancel rejects with a custom error if provided", async () => {
  const err = new Error("custom");
  const mutex = new Mutex(null);
  const holder = mutex.tryLock()!;
  const cancel = new AbortController();
  const ticket = spawn(abortable(mutex.lock(), cancel.signal));
  pending(ticket.poll());
  cancel.abort(err);
  assert.ok(ticket.isWoken());
  assert.throws(() => ticket.poll(), (e) => e === err);
  holder.release();
  assert.equal(mutex.isLocked, false);
});

test("a canceled waiter will not lock the mutex again", () => {
  const mutex = new Mutex(null);
  const release = mutex.tryLock()!;
  const cancel = new AbortController();
  const waiter = spawn(abortable(mutex.lock(), cancel.signal));
  pending(waiter.poll());
  cancel.abort();
  assert.equal(mutex.isLocked, true);
  assert.ok(waiter.isWoken());
  // Released before the aborted waiter's task runs again: the abort takes effect at that poll
  // (until then isLocked may count the lock as handed to it); then nobody holds the lock.
  release.release();
  assert.throws(() => waiter.poll(), isAbortError);
  assert.equal(mutex.isLocked, false);
  assert.notEqual(mutex.tryLock(), null);
});

test("waitForUnlock does not block while the mutex has not been acquired", () => {
  const mutex = new Mutex(null);
  const waiters = [
    spawn(fromGenerator(waitForUnlock(mutex.lock()))),
    spawn(fromGenerator(waitForUnlock(mutex.lock()))),
  ];
  for (const waiter of waiters) ready(waiter.poll());
  assert.equal(mutex.isLocked, false);
});

test("waitForUnlock blocks when the mutex has been acquired", () => {
  const mutex = new Mutex(null);
  const holder = mutex.tryLock()!;
  const waiters = [
    spawn(fromGenerator(waitForUnlock(mutex.lock()))),
    spawn(fromGenerator(waitForUnlock(mutex.lock()))),
  ];
  for (const waiter of waiters) pending(waiter.poll());
  for (const waiter of waiters) waiter.drop();
  holder.release();
  assert.equal(mutex.isLocked, false, "the dropped waiters left the queue");
});

test("waitForUnlock unblocks after a release", () => {
  const mutex = new Mutex(null);
  const holder = mutex.tryLock()!;
  const [w1, w2] = [
    spawn(fromGenerator(waitForUnlock(mutex.lock()))),
    spawn(fromGenerator(waitForUnlock(mutex.lock()))),
  ];
  pending(w1.poll());
  pending(w2.poll());
  holder.release();
  assert.ok(w1.isWoken());
  ready(w1.poll()); // takes the lock and gives it on to w2
  assert.ok(w2.isWoken());
  ready(w2.poll());
  assert.equal(mutex.isLocked, false);
});

test("waitForUnlock only unblocks when the mutex can actually be acquired again", () => {
  const mutex = new Mutex(null);
  const first = mutex.tryLock()!;
  const second = spawn(mutex.lock());
  pending(second.poll());
  const waiter = spawn(fromGenerator(waitForUnlock(mutex.lock())));
  pending(waiter.poll());
  first.release();
  assert.equal(waiter.isWoken(), false);
  pending(waiter.poll());
  ready(second.poll()).release();
  assert.ok(waiter.isWoken());
  ready(waiter.poll());
  assert.equal(mutex.isLocked, false);
});
