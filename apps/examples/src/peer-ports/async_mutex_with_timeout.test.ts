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
import { runExclusive, VirtualTime, waitForUnlock } from "./async_mutex_support.ts";

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

describe("Mutex", () => {
  test("acquire clears timeout if lock is acquired", async () => {
    const time = new VirtualTime();
    const mutex = new Mutex(null);
    time.executor.spawn(function* (): Coroutine<void> {
      (yield* time.timer.timeout(mutex.lock(), 100)).release();
      const guard = yield* time.timer.timeout(mutex.lock(), 100);
      time.later(75, () => guard.release());
    }());
    await time.executor.run();
    assert.equal(time.now, 75, "the clock never jumped to the timeouts' deadlines");
    assert.equal(time.clock.advanceToNext(), 0, "no timer is left pending");
    assert.equal(mutex.isLocked, false);
  });

  test("acquire rejects with timeout error if timeout is exceeded", async () => {
    const time = new VirtualTime();
    const mutex = new Mutex(null);
    const guard = mutex.tryLock()!;
    time.later(150, () => guard.release());
    const ticket = time.executor.spawn(elapsedAt(
      time,
      function* () {
        yield* time.timer.timeout(mutex.lock(), 100);
      }(),
    ));
    await time.executor.run();
    assert.equal(await ticket, 100);
  });

  test("after a timeout, acquire does automatically release the mutex once it is acquired", async () => {
    const time = new VirtualTime();
    const mutex = new Mutex(null);
    const guard = mutex.tryLock()!;
    time.later(150, () => guard.release());
    time.executor.spawn(elapsedAt(
      time,
      function* () {
        yield* time.timer.timeout(mutex.lock(), 100);
      }(),
    ));
    const flag = time.executor.spawn(function* (): Coroutine<number> {
      yield* time.until(160);
      (yield* mutex.lock()).release();
      return time.now;
    }());
    await time.executor.run();
    assert.equal(await flag, 160, "locked at once");
  });

  test("runExclusive rejects with E_TIMEOUT if no error is specified", async () => {
    const time = new VirtualTime();
    const mutex = new Mutex(null);
    const guard = mutex.tryLock()!;
    time.later(150, () => guard.release());
    const result = time.executor.spawn(
      elapsedAt(time, runExclusive(time.timer.timeout(mutex.lock(), 100), function* () {})),
    );
    await time.executor.run();
    assert.equal(await result, 100);
  });

  test("runExclusive does not run the callback if timeout is exceeded", async () => {
    const time = new VirtualTime();
    const mutex = new Mutex(null);
    const guard = mutex.tryLock()!;
    time.later(150, () => guard.release());
    let flag = false;
    time.executor.spawn(elapsedAt(
      time,
      runExclusive(time.timer.timeout(mutex.lock(), 100), function* () {
        flag = true;
      }),
    ));
    time.executor.spawn(time.until(160));
    await time.executor.run();
    assert.equal(flag, false);
    assert.equal(mutex.isLocked, false);
  });

  test("after a timeout, runExclusive automatically releases the mutex once it is acquired", async () => {
    const time = new VirtualTime();
    const mutex = new Mutex(null);
    const guard = mutex.tryLock()!;
    time.later(150, () => guard.release());
    time.executor.spawn(elapsedAt(time, runExclusive(time.timer.timeout(mutex.lock(), 100), function* () {})));
    let flagAt = -1;
    time.executor.spawn(function* (): Coroutine<void> {
      yield* time.until(160);
      yield* runExclusive(mutex.lock(), function* () {
        flagAt = time.now;
      });
    }());
    await time.executor.run();
    assert.equal(flagAt, 160);
  });

  test("a canceled lock with timeout will not lock the mutex again", async () => {
    const time = new VirtualTime();
    const mutex = new Mutex(null);
    const guard = mutex.tryLock()!;
    time.later(150, () => guard.release());
    const cancel = new AbortController();
    time.executor.spawn(elapsedAt(
      time,
      function* () {
        yield* abortable(time.timer.timeout(mutex.lock(), 100), cancel.signal);
      }(),
    ));
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

  test("waitForUnlock times out", async () => {
    const time = new VirtualTime();
    const mutex = new Mutex(null);
    mutex.tryLock(); // held for good
    const state = time.executor.spawn(elapsedAt(time, time.timer.timeout(waitForUnlock(mutex.lock()), 100)));
    await time.executor.run();
    assert.equal(await state, 100);
  });
});

describe("Semaphore", () => {
  test("acquire clears timeout if lock is acquired", async () => {
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    time.executor.spawn(function* (): Coroutine<void> {
      (yield* time.timer.timeout(semaphore.acquire(), 100)).release();
      const permit = yield* time.timer.timeout(semaphore.acquire(), 100);
      time.later(75, () => permit.release());
    }());
    await time.executor.run();
    assert.equal(time.now, 75, "the clock never jumped to the timeouts' deadlines");
    assert.equal(time.clock.advanceToNext(), 0, "no timer is left pending");
    assert.equal(semaphore.availablePermits, 2);
  });

  test("acquire rejects with timeout error if timeout is exceeded", async () => {
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    semaphore.tryAcquire(); // held for good
    const permit = semaphore.tryAcquire()!;
    time.later(150, () => permit.release());
    const ticket = time.executor.spawn(elapsedAt(time, time.timer.timeout(semaphore.acquire(), 100)));
    await time.executor.run();
    assert.equal(await ticket, 100);
  });

  test("after a timeout, acquire does automatically release the semaphore once it is acquired", async () => {
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    semaphore.tryAcquire(); // held for good
    const permit = semaphore.tryAcquire()!;
    time.later(150, () => permit.release());
    time.executor.spawn(elapsedAt(time, time.timer.timeout(semaphore.acquire(), 100)));
    const flag = time.executor.spawn(function* (): Coroutine<number> {
      yield* time.until(160);
      yield* semaphore.acquire();
      return time.now;
    }());
    await time.executor.run();
    assert.equal(await flag, 160, "acquired at once");
  });

  test("runExclusive rejects with timeout error if timeout is exceeded", async () => {
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    semaphore.tryAcquire(); // held for good
    const permit = semaphore.tryAcquire()!;
    time.later(150, () => permit.release());
    const result = time.executor.spawn(
      elapsedAt(time, runExclusive(time.timer.timeout(semaphore.acquire(), 100), function* () {})),
    );
    await time.executor.run();
    assert.equal(await result, 100);
  });

  test("runExclusive rejects with E_TIMEOUT if no error is specified", async () => {
    // A timeout of 0: the acquire gets its one poll, then the deadline, already due, elapses.
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    semaphore.tryAcquire(); // held for good
    const permit = semaphore.tryAcquire()!;
    time.later(150, () => permit.release());
    const result = time.executor.spawn(
      elapsedAt(time, runExclusive(time.timer.timeout(semaphore.acquire(), 0), function* () {})),
    );
    await time.executor.run();
    assert.equal(await result, 0);
  });

  test("runExclusive does not run the callback if timeout is exceeded", async () => {
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    semaphore.tryAcquire(); // held for good
    const permit = semaphore.tryAcquire()!;
    time.later(150, () => permit.release());
    let flag = false;
    time.executor.spawn(elapsedAt(
      time,
      runExclusive(time.timer.timeout(semaphore.acquire(), 100), function* () {
        flag = true;
      }),
    ));
    time.executor.spawn(time.until(160));
    await time.executor.run();
    assert.equal(flag, false);
    assert.equal(semaphore.availablePermits, 1);
  });

  test("after a timeout, runExclusive automatically releases the semamphore once it is acquired", async () => {
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    const permit = semaphore.tryAcquire()!;
    time.later(150, () => permit.release());
    const first = time.executor.spawn(runExclusive(time.timer.timeout(semaphore.acquire(), 100), function* () {
      return time.now;
    }));
    let flagAt = -1;
    time.executor.spawn(function* (): Coroutine<void> {
      yield* time.until(160);
      yield* runExclusive(semaphore.acquire(), function* () {
        flagAt = time.now;
      });
    }());
    await time.executor.run();
    assert.equal(await first, 0, "a permit was free: no timeout");
    assert.equal(flagAt, 160);
    assert.equal(semaphore.availablePermits, 2);
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

  test("waitForUnlock times out", async () => {
    const time = new VirtualTime();
    const semaphore = new Semaphore(2);
    semaphore.tryAcquire(2); // held for good
    const state = time.executor.spawn(elapsedAt(time, time.timer.timeout(waitForUnlock(semaphore.acquire()), 100)));
    await time.executor.run();
    assert.equal(await state, 100);
  });
});
