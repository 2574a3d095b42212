// Port of DirtyHairy/async-mutex test/semaphoreSuite.ts (run by test/semaphore.ts; DirtyHairy/async-mutex
// b0bb4c5aa0e42eb5ffc8d9342e56bb6de1b95554) onto @spindle/sync's Semaphore, written from the sync
// and core READMEs. What maps to what:
// - `acquire(weight)` is `acquire(n)`, a future of a permit of `n`; the releaser is
//   `permit.release()`; `semaphore.release(n)` (which adds `n` whoever holds what) is
//   `addPermits(n)`; `getValue()` is `availablePermits`; `isLocked()` is `availablePermits === 0`;
//   `setValue(v)` is `addPermits(v - value)` (or `forgetPermits(value - v)` to lower it).
// - `runExclusive(callback, weight)` is acquire, run, release in a `finally` (`runExclusive` in
//   async_mutex_support.ts); the callback reads the value from `availablePermits`.
// - `waitForUnlock(weight)` is an `acquire(weight)` released at once (`waitForUnlock` there): it
//   takes its FIFO turn, where async-mutex's waiter takes nothing.
// - `cancel()` is `close()`: pending acquires fail with `ClosedError`; unlike `cancel()`, later
//   acquires fail too (the semaphore stays closed). `close()` has no custom error: a semaphore made
//   with one is waiters made with core's `abortable(acquire, signal)` and `abort(err)`.
// - Promises are tasks of a LocalExecutor or futures polled by hand (a MockTask); fake timers are
//   a VirtualClock (VirtualTime in the support file).
// Differences, documented: `acquire` takes nothing until polled (futures are lazy); it gives a
// permit, not the value; waiters are served first come, first served, without priorities (6 tests
// not portable, see README.md); a semaphore holds from 0 to MAX_PERMITS permits, so a negative
// start (`a semaphore can be initialized to negative values`) is INVALID_ARGUMENT.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  abortable,
  blockOn,
  type Coroutine,
  fromGenerator,
  LocalExecutor,
  SpindleError,
  toPromise,
} from "@spindle/core";
import { ClosedError, Semaphore } from "@spindle/sync";
import {
  checkFailureReleases,
  checkIsExclusive,
  checkPassesFailure,
  checkPassesResult,
} from "./async_mutex_run_exclusive.ts";
import { runExclusive, semaphoreLock, VirtualTime, waitForUnlock } from "./async_mutex_support.ts";
import { pending, ready, spawn } from "./support.ts";

const invalid = (value: string) => (e: unknown): boolean =>
  e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(value);

test("acquire does not block while the semaphore has not reached zero", async () => {
  const semaphore = new Semaphore(2);
  const values: number[] = [];
  const executor = new LocalExecutor();
  for (let i = 0; i < 2; i++) {
    executor.spawn(function* (): Coroutine<void> {
      yield* semaphore.acquire();
      values.push(semaphore.availablePermits); // the value after the acquire (async-mutex: before)
    }());
  }
  await executor.run();
  assert.deepEqual(values.sort(), [0, 1]);
});

test("acquire with weight does block while the semaphore has reached zero until it is released again", async () => {
  const time = new VirtualTime();
  const semaphore = new Semaphore(2);
  const acquired: [number, number][] = []; // [permits, virtual ms]
  time.executor.spawn(function* (): Coroutine<void> {
    const permit = yield* semaphore.acquire(2);
    acquired.push([permit.count, time.now]);
    time.later(100, () => permit.release());
  }());
  time.executor.spawn(function* (): Coroutine<void> {
    const permit = yield* semaphore.acquire(1);
    acquired.push([permit.count, time.now]);
  }());
  await time.executor.run();
  assert.deepEqual(acquired, [[2, 0], [1, 100]]);
});

test("acquire allows heavy items to run eventually", async () => {
  const time = new VirtualTime();
  const semaphore = new Semaphore(2);
  let doneAt = -1;
  function* lightLoop(startAt: number): Coroutine<void> {
    yield* time.until(startAt);
    while (doneAt < 0) {
      const permit = yield* semaphore.acquire(1);
      yield* time.timer.sleep(10);
      permit.release();
    }
  }
  time.executor.spawn(lightLoop(0));
  time.executor.spawn(lightLoop(5));
  time.executor.spawn(function* (): Coroutine<void> {
    yield* time.until(5);
    const permit = yield* semaphore.acquire(2);
    doneAt = time.now;
    permit.release();
  }());
  await time.executor.run();
  // FIFO: the heavy waiter is at the front from 5 on and takes the next two permits released.
  assert.equal(doneAt, 15);
  assert.equal(semaphore.availablePermits, 2);
});

test("acquire blocks when the semaphore has reached zero until it is released again", async () => {
  const time = new VirtualTime();
  const semaphore = new Semaphore(2);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    time.executor.spawn(function* (): Coroutine<void> {
      const permit = yield* semaphore.acquire();
      times.push(time.now);
      if (i === 1) time.later(100, () => permit.release());
    }());
  }
  await time.executor.run();
  assert.deepEqual(times, [0, 0, 100]);
});

test("the semaphore increments again after a release", async () => {
  const time = new VirtualTime();
  const semaphore = new Semaphore(2);
  for (const ms of [100, 200]) {
    time.executor.spawn(function* (): Coroutine<void> {
      const permit = yield* semaphore.acquire();
      time.later(ms, () => permit.release());
    }());
  }
  const value = time.executor.spawn(function* (): Coroutine<[number, number]> {
    yield* time.until(250);
    const before = semaphore.availablePermits;
    yield* semaphore.acquire();
    return [before, semaphore.availablePermits];
  }());
  await time.executor.run();
  assert.deepEqual(await value, [2, 1]);
});

test("a semaphore can be initialized to negative values", () => {
  // Differs on purpose: a semaphore holds 0 to MAX_PERMITS permits (README, Errors).
  assert.throws(() => new Semaphore(-2), invalid("-2"));
});

test("the releaser is idempotent", async () => {
  const time = new VirtualTime();
  const semaphore = new Semaphore(2);
  const acquiredAt: number[] = [];
  time.executor.spawn(function* (): Coroutine<void> {
    const permit = yield* semaphore.acquire();
    acquiredAt.push(time.now);
    time.later(50, () => {
      permit.release();
      permit.release();
    });
  }());
  time.executor.spawn(function* (): Coroutine<void> {
    const permit = yield* semaphore.acquire();
    acquiredAt.push(time.now);
    time.later(100, () => permit.release());
  }());
  for (let i = 0; i < 2; i++) {
    time.executor.spawn(function* (): Coroutine<void> {
      yield* time.until(10);
      yield* semaphore.acquire();
      acquiredAt.push(time.now);
    }());
  }
  await time.executor.run();
  assert.deepEqual(acquiredAt, [0, 0, 50, 100], "the second release() gave nothing back");
});

test("the releaser increments by the correct weight", () => {
  const semaphore = new Semaphore(2);
  const two = blockOn(semaphore.acquire(2));
  assert.equal(semaphore.availablePermits, 0);
  two.release();
  assert.equal(semaphore.availablePermits, 2);
  const one = blockOn(semaphore.acquire());
  assert.equal(semaphore.availablePermits, 1);
  one.release();
  assert.equal(semaphore.availablePermits, 2);
});

test("runExclusive passes semaphore value", async () => {
  const semaphore = new Semaphore(2);
  const value = await toPromise(runExclusive(semaphore.acquire(), function* () {
    return semaphore.availablePermits;
  }));
  assert.equal(value, 1, "read inside: the value after the acquire (async-mutex passes 2, before)");
});

test("runExclusive passes result (immediate)", () => checkPassesResult(semaphoreLock(new Semaphore(2)), false));

test("runExclusive passes result (promise)", () => checkPassesResult(semaphoreLock(new Semaphore(2)), true));

test("runExclusive passes rejection", () => checkPassesFailure(semaphoreLock(new Semaphore(2)), true));

test("runExclusive passes exception", () => checkPassesFailure(semaphoreLock(new Semaphore(2)), false));

test("runExclusive is exclusive", () => {
  const semaphore = new Semaphore(2);
  semaphore.tryAcquire(); // held for good: one permit is left
  return checkIsExclusive(new VirtualTime(), semaphoreLock(semaphore));
});

test("exceptions during runExclusive do not leave semaphore locked", async () => {
  const semaphore = new Semaphore(2);
  semaphore.tryAcquire(); // held for good: one permit is left
  await checkFailureReleases(semaphoreLock(semaphore));
  assert.equal(semaphore.availablePermits, 1);
});

test("runExclusive passes the correct weight", async () => {
  const semaphore = new Semaphore(2);
  const inside = await toPromise(runExclusive(semaphore.acquire(2), function* () {
    return semaphore.availablePermits;
  }));
  assert.equal(inside, 0);
  assert.equal(semaphore.availablePermits, 2);
});

test("new semaphore is unlocked", () => {
  assert.notEqual(new Semaphore(2).availablePermits, 0);
});

test("isLocked reflects the semaphore state", () => {
  const semaphore = new Semaphore(2);
  const isLocked = () => semaphore.availablePermits === 0;
  const lock1 = spawn(semaphore.acquire());
  const lock2 = spawn(semaphore.acquire());
  const lock3 = spawn(semaphore.acquire());
  const releaser1 = ready(lock1.poll());
  const releaser2 = ready(lock2.poll());
  pending(lock3.poll());
  assert.equal(isLocked(), true);
  releaser1.release();
  assert.equal(isLocked(), true, "the permit went to the third acquire");
  assert.ok(lock3.isWoken());
  ready(lock3.poll());
  assert.equal(isLocked(), true);
  releaser2.release();
  assert.equal(isLocked(), false);
});

test("getValue returns the Semaphore's value", () => {
  const semaphore = new Semaphore(2);
  assert.equal(semaphore.availablePermits, 2);
  const acquire = spawn(semaphore.acquire());
  assert.equal(semaphore.availablePermits, 2, "lazy: nothing is taken before the first poll");
  ready(acquire.poll());
  assert.equal(semaphore.availablePermits, 1);
});

test("setValue sets the semaphore value and runs all applicable waiters", () => {
  const semaphore = new Semaphore(0);
  const [one, two, four] = [spawn(semaphore.acquire(1)), spawn(semaphore.acquire(2)), spawn(semaphore.acquire(4))];
  for (const waiter of [one, two, four]) pending(waiter.poll());
  semaphore.addPermits(3); // setValue(3) from 0
  ready(one.poll());
  ready(two.poll());
  pending(four.poll());
  four.drop();
  assert.equal(semaphore.availablePermits, 0);
});

test("setValue works fine with isolated weights", () => {
  const semaphore = new Semaphore(2);
  const [four, eight] = [spawn(semaphore.acquire(4)), spawn(semaphore.acquire(8))];
  pending(four.poll());
  pending(eight.poll());
  semaphore.addPermits(2); // setValue(4) from 2
  assert.ok(four.isWoken());
  assert.equal(ready(four.poll()).count, 4);
  pending(eight.poll());
  eight.drop();
});

test("the release method releases a locked semaphore", () => {
  const semaphore = new Semaphore(1);
  blockOn(semaphore.acquire());
  assert.equal(semaphore.availablePermits, 0);
  semaphore.addPermits(1);
  assert.equal(semaphore.availablePermits, 1);
});

test("calling release on a unlocked semaphore does not throw", () => {
  const semaphore = new Semaphore(1);
  semaphore.addPermits(1);
  assert.equal(semaphore.availablePermits, 2);
});

test("cancel rejects all pending locks with E_CANCELED", async () => {
  const semaphore = new Semaphore(2);
  const held = [semaphore.tryAcquire()!, semaphore.tryAcquire()!];
  let ran = false;
  const executor = new LocalExecutor();
  const ticket = executor.spawn(semaphore.acquire());
  const result = executor.spawn(runExclusive(semaphore.acquire(), function* () {
    ran = true;
  }));
  executor.spawn(function* (): Coroutine<void> {
    semaphore.close(); // both waiters are queued by now
  }());
  await executor.run();
  await assert.rejects(Promise.resolve(ticket), ClosedError);
  await assert.rejects(Promise.resolve(result), ClosedError);
  assert.equal(ran, false);
  for (const permit of held) permit.release(); // still valid after close()
  assert.equal(semaphore.availablePermits, 2);
});

test("cancel rejects with a custom error if provided", () => {
  const err = new Error("custom");
  const semaphore = new Semaphore(2);
  semaphore.tryAcquire(2);
  const cancel = new AbortController();
  const ticket = spawn(abortable(semaphore.acquire(), cancel.signal));
  pending(ticket.poll());
  cancel.abort(err);
  assert.ok(ticket.isWoken());
  assert.throws(() => ticket.poll(), (e) => e === err);
});

test("a canceled waiter will not lock the semaphore again", () => {
  const semaphore = new Semaphore(2);
  const release = semaphore.tryAcquire(2)!;
  const waiter = spawn(semaphore.acquire());
  pending(waiter.poll());
  semaphore.close();
  assert.equal(semaphore.availablePermits, 0);
  assert.ok(waiter.isWoken());
  assert.throws(() => waiter.poll(), ClosedError);
  release.release();
  assert.equal(semaphore.availablePermits, 2);
});

test("cancel works fine with isolated weights", () => {
  const semaphore = new Semaphore(2);
  const ticket = spawn(semaphore.acquire(3));
  pending(ticket.poll());
  semaphore.close();
  assert.throws(() => ticket.poll(), ClosedError);
  assert.equal(semaphore.availablePermits, 2, "the permits the waiter had been given are back");
});

test("waitForUnlock does not block while the semaphore has not reached zero", () => {
  const semaphore = new Semaphore(2);
  for (let i = 0; i < 2; i++) ready(spawn(fromGenerator(waitForUnlock(semaphore.acquire()))).poll());
  assert.equal(semaphore.availablePermits, 2);
});

test("waitForUnlock blocks when the semaphore has reached zero", () => {
  const semaphore = new Semaphore(2);
  const held = semaphore.tryAcquire(2)!;
  const waiters = [
    spawn(fromGenerator(waitForUnlock(semaphore.acquire()))),
    spawn(fromGenerator(waitForUnlock(semaphore.acquire()))),
  ];
  for (const waiter of waiters) pending(waiter.poll());
  for (const waiter of waiters) waiter.drop();
  held.release();
  assert.equal(semaphore.availablePermits, 2, "the dropped waiters took nothing");
});

test("waitForUnlock unblocks after a release", () => {
  const semaphore = new Semaphore(2);
  const lock = semaphore.tryAcquire()!;
  semaphore.tryAcquire(); // held for good
  const [w1, w2] = [
    spawn(fromGenerator(waitForUnlock(semaphore.acquire()))),
    spawn(fromGenerator(waitForUnlock(semaphore.acquire()))),
  ];
  pending(w1.poll());
  pending(w2.poll());
  lock.release();
  assert.ok(w1.isWoken());
  ready(w1.poll()); // takes the permit and gives it on to w2
  assert.ok(w2.isWoken());
  ready(w2.poll());
  assert.equal(semaphore.availablePermits, 1);
});

test("waitForUnlock only unblocks if the configured weight can be acquired", () => {
  const semaphore = new Semaphore(2);
  semaphore.tryAcquire(2);
  const one = spawn(fromGenerator(waitForUnlock(semaphore.acquire(1))));
  const two = spawn(fromGenerator(waitForUnlock(semaphore.acquire(2))));
  pending(one.poll());
  pending(two.poll());
  semaphore.addPermits(1);
  ready(one.poll());
  pending(two.poll());
  semaphore.addPermits(1);
  assert.ok(two.isWoken());
  ready(two.poll());
  assert.equal(semaphore.availablePermits, 2);
});

test("waitForUnlock resolves immediately when the queue is empty", () => {
  const semaphore = new Semaphore(2);
  ready(spawn(fromGenerator(waitForUnlock(semaphore.acquire(1)))).poll());
});

test("waitForUnlock only unblocks when the semaphore can actually be acquired again", () => {
  const semaphore = new Semaphore(2);
  semaphore.tryAcquire(2);
  const second = spawn(semaphore.acquire(2));
  pending(second.poll());
  const waiter = spawn(fromGenerator(waitForUnlock(semaphore.acquire())));
  pending(waiter.poll());
  semaphore.addPermits(2);
  ready(second.poll());
  assert.equal(waiter.isWoken(), false);
  pending(waiter.poll());
  semaphore.addPermits(2);
  assert.ok(waiter.isWoken());
  ready(waiter.poll());
});

test("trying to acquire with a negative weight throws", () => {
  assert.throws(() => new Semaphore(2).acquire(-1), invalid("-1"));
});

test("trying to release with a negative weight throws", () => {
  assert.throws(() => new Semaphore(2).addPermits(-1), invalid("-1"));
});
