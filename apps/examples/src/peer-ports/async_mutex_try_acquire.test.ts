// Port of DirtyHairy/async-mutex test/tryAcquire.ts (DirtyHairy/async-mutex
// b0bb4c5aa0e42eb5ffc8d9342e56bb6de1b95554) onto @spindle/sync's try forms, written from the sync
// README: `tryAcquire(mutex).acquire()` is `mutex.tryLock()`, `tryAcquire(semaphore).acquire()` is
// `semaphore.tryAcquire()`. Differs: they answer at once, `null` when the lock or the permits are
// not free, where async-mutex's decorated `acquire()` rejects with the error given (E_ALREADY_LOCKED
// by default); the caller raises its own error on `null`. So each "rejects with E_ALREADY_LOCKED if
// no error is provided" is the same call as its "rejects with error" sibling (not portable, README).
// A try form also answers `null` while a waiter is queued: it never overtakes one.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Mutex, Semaphore } from "@spindle/sync";
import { pending, spawn } from "./support.ts";

describe("Mutex", () => {
  test("acquire rejects with error if mutex is already locked", () => {
    const mutex = new Mutex(null);
    const held = mutex.tryLock();
    assert.notEqual(held, null);
    assert.equal(mutex.tryLock(), null);
    const waiter = spawn(mutex.lock());
    pending(waiter.poll());
    held!.release(); // handed to the waiter: still not free for a try
    assert.equal(mutex.tryLock(), null);
  });

  test("acquire locks the mutex if it is not already locked", () => {
    const mutex = new Mutex(null);
    assert.notEqual(mutex.tryLock(), null);
    assert.equal(mutex.isLocked, true);
  });
});

describe("Semaphore", () => {
  test("acquire rejects with error if semaphore is already locked", () => {
    const semaphore = new Semaphore(2);
    assert.notEqual(semaphore.tryAcquire(), null);
    const second = semaphore.tryAcquire();
    assert.notEqual(second, null);
    assert.equal(semaphore.tryAcquire(), null);
    const waiter = spawn(semaphore.acquire(2));
    pending(waiter.poll());
    second!.release(); // one free, but the waiter at the front waits for two
    assert.equal(semaphore.tryAcquire(), null);
  });

  test("acquire locks the semaphore if it is not already locked", () => {
    const semaphore = new Semaphore(2);
    assert.notEqual(semaphore.tryAcquire(), null);
    assert.notEqual(semaphore.tryAcquire(), null);
    assert.equal(semaphore.availablePermits, 0);
  });
});
