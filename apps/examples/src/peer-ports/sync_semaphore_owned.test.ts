// Port of tokio/tests/sync_semaphore_owned.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's Semaphore, written from the package README. A Spindle permit is tokio's
// owned permit (it keeps its semaphore alive): the tests whose plain twin is in sync_semaphore.rs
// are the same JavaScript calls as that port (README of the ports); these two have no twin there.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor } from "@spindle/core";
import { oneshot, Semaphore } from "@spindle/sync";

test("try_acquire_many", () => {
  const sem = new Semaphore(42);
  const p1 = sem.tryAcquire(42);
  assert.notEqual(p1, null);
  assert.equal(sem.tryAcquire(), null);
  p1!.release();
  assert.notEqual(sem.tryAcquire(32), null);
  assert.notEqual(sem.tryAcquire(10), null);
  assert.equal(sem.tryAcquire(), null);
});

test("acquire_many", async () => {
  const semaphore = new Semaphore(42);
  const permit32 = semaphore.tryAcquire(32)!;
  const [sender, receiver] = oneshot<void>();
  const executor = new LocalExecutor();
  const joinHandle = executor.spawn(function* (): Coroutine<number> {
    const permit10 = yield* semaphore.acquire(10);
    sender.send();
    const again32 = yield* semaphore.acquire(32); // waits, 10 of 42 held, until permit32 is released
    return permit10.count + again32.count;
  }());
  executor.spawn(function* (): Coroutine<void> {
    yield* receiver;
    permit32.release();
  }());
  await executor.run();
  assert.equal(await joinHandle, 42);
});
