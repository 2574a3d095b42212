import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, PENDING, SpindleError, yieldNow } from "@spindle/core";
import { ClosedError, Semaphore, SemaphorePermit } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("acquire takes free permits at once and release gives them back", () => {
  const semaphore = new Semaphore(3);
  const permit = blockOn(semaphore.acquire(2));
  assert.ok(permit instanceof SemaphorePermit);
  assert.equal(permit.count, 2);
  assert.equal(semaphore.availablePermits, 1);
  permit.release();
  permit.release(); // the second release does nothing
  assert.equal(semaphore.availablePermits, 3);
});

test("waiters are served first come, first served; a large request holds back smaller ones behind it", () => {
  const semaphore = new Semaphore(2);
  const held = semaphore.tryAcquire(2)!;
  const [a, b, c] = [new TestTask(), new TestTask(), new TestTask()];
  const big = semaphore.acquire(2);
  const small = semaphore.acquire(1);
  assert.equal(a.poll(big), PENDING);
  assert.equal(b.poll(small), PENDING);
  assert.equal(semaphore.tryAcquire(1), null, "tryAcquire never overtakes a waiter");
  held.release();
  assert.equal(a.wakes, 1);
  assert.equal(b.wakes, 0, "the small request waits behind the big one");
  const bigPermit = a.poll(big) as SemaphorePermit;
  assert.equal(bigPermit.count, 2);
  const third = semaphore.acquire(1);
  assert.equal(c.poll(third), PENDING);
  bigPermit.release();
  assert.equal(b.wakes, 1);
  assert.equal(c.wakes, 1);
  assert.equal((b.poll(small) as SemaphorePermit).count, 1);
  assert.equal((c.poll(third) as SemaphorePermit).count, 1);
  assert.equal(a.live + b.live + c.live, 0, "every stored waker was ended");
});

test("addPermits wakes waiters; a front waiter keeps a partial assignment", () => {
  const semaphore = new Semaphore(0);
  const task = new TestTask();
  const acquire = semaphore.acquire(3);
  assert.equal(task.poll(acquire), PENDING);
  semaphore.addPermits(2);
  assert.equal(task.wakes, 0);
  assert.equal(semaphore.availablePermits, 0, "the two permits are assigned to the waiter");
  semaphore.addPermits(2);
  assert.equal(task.wakes, 1);
  assert.equal(semaphore.availablePermits, 1);
  assert.equal((task.poll(acquire) as SemaphorePermit).count, 3);
});

test("close fails pending and later acquisitions with ClosedError; held permits may still be released", () => {
  const semaphore = new Semaphore(1);
  const held = semaphore.tryAcquire()!;
  const task = new TestTask();
  const waiting = semaphore.acquire();
  assert.equal(task.poll(waiting), PENDING);
  semaphore.close();
  assert.equal(semaphore.isClosed, true);
  assert.equal(task.wakes, 1);
  assert.throws(() => task.poll(waiting), ClosedError);
  assert.throws(() => blockOn(semaphore.acquire()), (e) => e instanceof ClosedError && e.what === "semaphore");
  assert.throws(() => semaphore.tryAcquire(), ClosedError);
  held.release();
  assert.equal(semaphore.availablePermits, 1);
});

test("forget keeps the permits out of the semaphore", () => {
  const semaphore = new Semaphore(2);
  const permit = semaphore.tryAcquire()!;
  permit.forget();
  permit.release();
  assert.equal(semaphore.availablePermits, 1);
});

test("a pending acquire that is dropped leaves the queue: the next waiter gets the permit", () => {
  const semaphore = new Semaphore(1);
  const held = semaphore.tryAcquire()!;
  const [a, b] = [new TestTask(), new TestTask()];
  const first = semaphore.acquire();
  const second = semaphore.acquire();
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  first[Symbol.dispose]();
  assert.equal(a.live, 0, "the dropped future dropped its waker");
  held.release();
  assert.equal(b.wakes, 1);
  assert.equal((b.poll(second) as SemaphorePermit).count, 1);
});

test("an acquire woken with its permits but dropped before it ran passes them to the next waiter", () => {
  const semaphore = new Semaphore(1);
  const held = semaphore.tryAcquire()!;
  const [a, b] = [new TestTask(), new TestTask()];
  const first = semaphore.acquire();
  const second = semaphore.acquire();
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  held.release(); // the permit is now first's
  assert.equal(a.wakes, 1);
  first[Symbol.dispose]();
  assert.equal(b.wakes, 1, "the permit went on to the next waiter");
  assert.equal((b.poll(second) as SemaphorePermit).count, 1);
});

test("a partly assigned acquire that is dropped returns what it was given", () => {
  const semaphore = new Semaphore(0);
  const task = new TestTask();
  const acquire = semaphore.acquire(5);
  assert.equal(task.poll(acquire), PENDING);
  semaphore.addPermits(3);
  assert.equal(semaphore.availablePermits, 0);
  acquire[Symbol.dispose]();
  assert.equal(semaphore.availablePermits, 3);
});

test("a completed acquire polled again throws FUTURE_COMPLETED", () => {
  const semaphore = new Semaphore(1);
  const task = new TestTask();
  const acquire = semaphore.acquire();
  assert.notEqual(task.poll(acquire), PENDING);
  assert.throws(() => task.poll(acquire), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
});

test("Semaphore(4) bounds concurrency among 20 tasks on a LocalExecutor", async () => {
  const semaphore = new Semaphore(4);
  let running = 0;
  let most = 0;
  let done = 0;
  function* job(): Coroutine<void> {
    const permit = yield* semaphore.acquire();
    most = Math.max(most, ++running);
    yield* yieldNow();
    yield* yieldNow();
    running--;
    done++;
    permit.release();
  }
  const executor = new LocalExecutor();
  for (let i = 0; i < 20; i++) executor.spawn(job());
  await executor.run();
  assert.equal(most, 4);
  assert.equal(done, 20);
  assert.equal(semaphore.availablePermits, 4);
});

test("a permit's count cannot be written: releasing gives back what was taken, no more", () => {
  const semaphore = new Semaphore(1);
  const permit = semaphore.tryAcquire()!;
  assert.throws(() => {
    (permit as { count: number }).count = 1000;
  }, TypeError);
  permit.release();
  assert.equal(semaphore.availablePermits, 1);
});

test("close() fails a waiter that held part of its permits and gives that part back to the count", () => {
  const semaphore = new Semaphore(1);
  const task = new TestTask();
  const big = semaphore.acquire(3);
  assert.equal(task.poll(big), PENDING);
  assert.equal(semaphore.availablePermits, 0, "the waiter at the front holds the free permit");
  semaphore.close();
  assert.throws(() => task.poll(big), ClosedError);
  assert.equal(semaphore.availablePermits, 1);
  semaphore.addPermits(2);
  assert.equal(semaphore.availablePermits, 3);
});
