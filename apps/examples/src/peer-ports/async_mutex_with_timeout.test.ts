// Port of DirtyHairy/async-mutex test/withTimeout.ts (DirtyHairy/async-mutex
// b0bb4c5aa0e42eb5ffc8d9342e56bb6de1b95554), its "timeout behavior" suites, onto @spindle/sync's
// Mutex and Semaphore under @spindle/timer's `timeout`, written from the sync, core and timer
// READMEs. `withTimeout(lock, ms, error)` decorates the lock; here the deadline is composed at the
// call: `timer.timeout(mutex.lock(), ms)` / `timer.timeout(semaphore.acquire(), ms)`, which fails
// with `ElapsedError` (no custom error: the caller maps it) and drops the acquire. What else maps:
// `runExclusive` and `waitForUnlock` as in async_mutex_support.ts (the timeout over the acquire
// only, as withTimeout's); `cancel()` of a mutex is an AbortController over `abortable(…)` waiters,
// of a semaphore `close()`; fake timers are a VirtualClock (VirtualTime in the support file).
// Differs: a timed-out acquire leaves the queue at its deadline (cancel-safe drop, README), where
// async-mutex's stays queued and releases the lock as soon as it gets it; the "after a timeout …
// releases … once it is acquired" tests check the outcome both give. The suites' second halves
// re-run mutex.ts and semaphoreSuite.ts through `withTimeout(…, 500)`: every such test would be a
// ported call inside a `timeout` it never reaches (not portable, README).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { abortable, type Coroutine, type IntoFuture } from "@spindle/core";
import { Mutex, Semaphore } from "@spindle/sync";
import { ElapsedError } from "@spindle/timer";
import {
  type Lock,
  mutexLock,
  runExclusive,
  semaphoreLock,
  VirtualTime,
  waitForUnlock,
} from "./async_mutex_support.ts";

/** A task that fails with `ElapsedError`: the virtual instant it failed at. */
function* elapsedAt(time: VirtualTime, work: IntoFuture<unknown>): Coroutine<number> {
  try {
    yield* work;
  } catch (e) {
    assert.ok(e instanceof ElapsedError, `expected ElapsedError, got ${String(e)}`);
    return time.now;
  }
  throw new Error("expected the timeout to elapse");
}

/** A mutex held until 150 ms. */
function mutexBusyUntil150(time: VirtualTime): Lock {
  const mutex = new Mutex(null);
  const guard = mutex.tryLock()!;
  time.later(150, () => guard.release());
  return mutexLock(mutex);
}

/** A semaphore of 2 permits, one held for good and one until 150 ms. */
function semaphoreBusyUntil150(time: VirtualTime): Lock {
  const semaphore = new Semaphore(2);
  semaphore.tryAcquire();
  const permit = semaphore.tryAcquire()!;
  time.later(150, () => permit.release());
  return semaphoreLock(semaphore);
}

/** `acquire clears timeout if lock is acquired`: no timer is left once the acquires are done. */
async function checkClearsTimeout(time: VirtualTime, lock: Lock): Promise<void> {
  time.executor.spawn(function* (): Coroutine<void> {
    (yield* time.timer.timeout(lock.acquire(), 100)).release();
    const held = yield* time.timer.timeout(lock.acquire(), 100);
    time.later(75, () => held.release());
  }());
  await time.executor.run();
  assert.equal(time.now, 75);
  assert.equal(time.clock.advanceToNext(), 0, "no timer is left pending");
  assert.equal(lock.isFree(), true);
}

/** `acquire rejects with timeout error if timeout is exceeded`. */
async function checkAcquireTimesOut(time: VirtualTime, lock: Lock): Promise<void> {
  const ticket = time.executor.spawn(elapsedAt(time, time.timer.timeout(lock.acquire(), 100)));
  await time.executor.run();
  assert.equal(await ticket, 100);
}

/** `after a timeout, acquire does automatically release the … once it is acquired`. */
async function checkFreeAfterTimeout(time: VirtualTime, lock: Lock): Promise<void> {
  time.executor.spawn(elapsedAt(time, time.timer.timeout(lock.acquire(), 100)));
  const flag = time.executor.spawn(function* (): Coroutine<number> {
    yield* time.until(160);
    (yield* lock.acquire()).release();
    return time.now;
  }());
  await time.executor.run();
  assert.equal(await flag, 160, "acquired at once");
}

/** `runExclusive rejects with … error if …`: the acquire under a timeout of `ms` elapses. */
async function checkRunExclusiveTimesOut(time: VirtualTime, lock: Lock, ms: number): Promise<void> {
  const result = time.executor.spawn(
    elapsedAt(time, runExclusive(time.timer.timeout(lock.acquire(), ms), function* () {})),
  );
  await time.executor.run();
  assert.equal(await result, ms);
}

/** `runExclusive does not run the callback if timeout is exceeded`. */
async function checkCallbackNotRun(time: VirtualTime, lock: Lock): Promise<void> {
  let flag = false;
  time.executor.spawn(elapsedAt(
    time,
    runExclusive(time.timer.timeout(lock.acquire(), 100), function* () {
      flag = true;
    }),
  ));
  time.executor.spawn(time.until(160));
  await time.executor.run();
  assert.equal(flag, false);
  assert.equal(lock.isFree(), true);
}

/**
 * `after a timeout, runExclusive automatically releases the … once it is acquired`: a runExclusive
 * under a timeout of 100 ms (which `elapses` or not), then one at 160 ms runs at once.
 */
async function checkRunExclusiveAfterTimeout(time: VirtualTime, lock: Lock, elapses: boolean): Promise<void> {
  const first = time.executor.spawn(function* (): Coroutine<boolean> {
    try {
      yield* runExclusive(time.timer.timeout(lock.acquire(), 100), function* () {});
      return false;
    } catch (e) {
      if (e instanceof ElapsedError) return true;
      throw e;
    }
  }());
  let flagAt = -1;
  time.executor.spawn(function* (): Coroutine<void> {
    yield* time.until(160);
    yield* runExclusive(lock.acquire(), function* () {
      flagAt = time.now;
    });
  }());
  await time.executor.run();
  assert.equal(await first, elapses);
  assert.equal(flagAt, 160);
  assert.equal(lock.isFree(), true);
}

/** `waitForUnlock times out`: `lock` is held for good. */
async function checkWaitForUnlockTimesOut(time: VirtualTime, lock: Lock): Promise<void> {
  const state = time.executor.spawn(elapsedAt(time, time.timer.timeout(waitForUnlock(lock.acquire()), 100)));
  await time.executor.run();
  assert.equal(await state, 100);
}

describe("Mutex", () => {
  test("acquire clears timeout if lock is acquired", () => {
    return checkClearsTimeout(new VirtualTime(), mutexLock(new Mutex(null)));
  });

  test("acquire rejects with timeout error if timeout is exceeded", () => {
    const time = new VirtualTime();
    return checkAcquireTimesOut(time, mutexBusyUntil150(time));
  });

  test("after a timeout, acquire does automatically release the mutex once it is acquired", () => {
    const time = new VirtualTime();
    return checkFreeAfterTimeout(time, mutexBusyUntil150(time));
  });

  test("runExclusive rejects with E_TIMEOUT if no error is specified", () => {
    const time = new VirtualTime();
    return checkRunExclusiveTimesOut(time, mutexBusyUntil150(time), 100);
  });

  test("runExclusive does not run the callback if timeout is exceeded", () => {
    const time = new VirtualTime();
    return checkCallbackNotRun(time, mutexBusyUntil150(time));
  });

  test("after a timeout, runExclusive automatically releases the mutex once it is acquired", () => {
    const time = new VirtualTime();
    return checkRunExclusiveAfterTimeout(time, mutexBusyUntil150(time), true);
  });

  test("a canceled lock with timeout will not lock the mutex again", async () => {
    const time = new VirtualTime();
    const mutex = new Mutex(null);
    const guard = mutex.tryLock()!;
    time.later(150, () => guard.release());
    const cancel = new AbortController();
    time.executor.spawn(elapsedAt(time, abortable(time.timer.timeout(mutex.lock(), 100), cancel.signal)));
    const locked = time.executor.spawn(function* (): Coroutine<[boolean, boolean]> {
      yield* time.until(120);
      cancel.abort();
      const at120 = mutex.isLocked;
      yield* time.until(170);
      return [at120, mutex.isLocked];
    }());
    await time.executor.run();
    assert.deepEqual(await locked, [true, false]);
  });

  test("waitForUnlock times out", () => {
    const mutex = new Mutex(null);
    mutex.tryLock(); // held for good
    return checkWaitForUnlockTimesOut(new VirtualTime(), mutexLock(mutex));
  });
});

describe("Semaphore", () => {
  test("acquire clears timeout if lock is acquired", () => {
    return checkClearsTimeout(new VirtualTime(), semaphoreLock(new Semaphore(2)));
  });

  test("acquire rejects with timeout error if timeout is exceeded", () => {
    const time = new VirtualTime();
    return checkAcquireTimesOut(time, semaphoreBusyUntil150(time));
  });

  test("after a timeout, acquire does automatically release the semaphore once it is acquired", () => {
    const time = new VirtualTime();
    return checkFreeAfterTimeout(time, semaphoreBusyUntil150(time));
  });

  test("runExclusive rejects with timeout error if timeout is exceeded", () => {
    const time = new VirtualTime();
    return checkRunExclusiveTimesOut(time, semaphoreBusyUntil150(time), 100);
  });

  test("runExclusive rejects with E_TIMEOUT if no error is specified", () => {
    // A timeout of 0: the acquire gets its one poll, then the deadline, already due, elapses.
    const time = new VirtualTime();
    return checkRunExclusiveTimesOut(time, semaphoreBusyUntil150(time), 0);
  });

  test("runExclusive does not run the callback if timeout is exceeded", () => {
    const time = new VirtualTime();
    return checkCallbackNotRun(time, semaphoreBusyUntil150(time));
  });

  test("after a timeout, runExclusive automatically releases the semamphore once it is acquired", () => {
    // Upstream holds one permit of two here: the first runExclusive takes the other, no timeout.
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    const permit = semaphore.tryAcquire()!;
    time.later(150, () => permit.release());
    return checkRunExclusiveAfterTimeout(time, semaphoreLock(semaphore), false);
  });

  test("a canceled lock with timeout will not lock the semaphore again", async () => {
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    const first = semaphore.tryAcquire()!;
    const second = semaphore.tryAcquire()!;
    time.later(150, () => first.release());
    time.later(200, () => second.release());
    time.executor.spawn(elapsedAt(time, time.timer.timeout(semaphore.acquire(), 100)));
    const locked = time.executor.spawn(function* (): Coroutine<[boolean, boolean]> {
      yield* time.until(120);
      semaphore.close();
      const at120 = semaphore.availablePermits === 0;
      yield* time.until(170);
      return [at120, semaphore.availablePermits === 0];
    }());
    await time.executor.run();
    assert.deepEqual(await locked, [true, false]);
  });

  test("waitForUnlock times out", () => {
    const semaphore = new Semaphore(2);
    semaphore.tryAcquire(2); // held for good
    return checkWaitForUnlockTimesOut(new VirtualTime(), semaphoreLock(semaphore));
  });
});
