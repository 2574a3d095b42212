// The runExclusive tests async-mutex runs on both its Mutex and its Semaphore (test/mutex.ts,
// test/semaphoreSuite.ts), written once over a `Lock`: the Mutex and Semaphore ports call them.
import assert from "node:assert/strict";
import { type Coroutine, fromPromise, LocalExecutor, toPromise } from "@spindle/core";
import { type Lock, runExclusive, VirtualTime } from "./async_mutex_support.ts";

/** `runExclusive passes result (immediate)` and `(promise)`: the body's 10 comes out, the lock is free. */
export async function checkPassesResult(lock: Lock, fromAPromise: boolean): Promise<void> {
  const result = await toPromise(runExclusive(lock.acquire(), function* () {
    return fromAPromise ? yield* fromPromise(Promise.resolve(10)) : 10;
  }));
  assert.equal(result, 10);
  assert.equal(lock.isFree(), true);
}

/** `runExclusive passes rejection` and `passes exception`: the body's error comes out, the lock is free. */
export async function checkPassesFailure(lock: Lock, fromAPromise: boolean): Promise<void> {
  await assert.rejects(
    toPromise(runExclusive(lock.acquire(), function* () {
      if (fromAPromise) return yield* fromPromise(Promise.reject(new Error("foo")));
      throw new Error("foo");
    })),
    new Error("foo"),
  );
  assert.equal(lock.isFree(), true);
}

/** `runExclusive is exclusive`: a second runExclusive waits for the first, which sleeps 50 ms. */
export async function checkIsExclusive(time: VirtualTime, lock: Lock): Promise<void> {
  let flag = false;
  time.executor.spawn(runExclusive(lock.acquire(), function* () {
    yield* time.timer.sleep(50);
    flag = true;
  }));
  const seen = time.executor.spawn(function* (): Coroutine<[boolean, boolean, number]> {
    const before = flag;
    yield* runExclusive(lock.acquire(), function* () {});
    return [before, flag, time.now];
  }());
  await time.executor.run();
  assert.deepEqual(await seen, [false, true, 50]);
}

/** `exceptions during runExclusive do not leave … locked`: the next runExclusive runs after it. */
export async function checkFailureReleases(lock: Lock): Promise<void> {
  let flag = false;
  const executor = new LocalExecutor();
  const failing = executor.spawn(runExclusive(lock.acquire(), function* () {
    flag = true;
    throw new Error("thrown while holding the lock");
  }));
  assert.equal(flag, false, "nothing runs before the executor polls it");
  const after = executor.spawn(function* (): Coroutine<boolean> {
    yield* runExclusive(lock.acquire(), function* () {});
    return flag;
  }());
  await executor.run();
  await assert.rejects(Promise.resolve(failing), /thrown while holding the lock/);
  assert.equal(await after, true);
  assert.equal(lock.isFree(), true);
}
