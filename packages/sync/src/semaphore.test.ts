import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, PENDING, SpindleError, yieldNow } from "@spindle/core";
import { ClosedError, MAX_PERMITS, Semaphore, SemaphorePermit } from "./mod.ts";
import { random, TestTask } from "./test-support/harness.ts";

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

test("forgetPermits removes only free permits, returns how many, and leaves held ones and waiters alone", () => {
  const semaphore = new Semaphore(4);
  const held = semaphore.tryAcquire(3)!;
  assert.equal(semaphore.forgetPermits(2), 1);
  assert.equal(semaphore.availablePermits, 0);
  const task = new TestTask();
  const waiting = semaphore.acquire(2);
  assert.equal(task.poll(waiting), PENDING);
  assert.equal(semaphore.forgetPermits(1), 0, "nothing free: the waiter keeps its claim");
  held.release(); // 3 back: the waiter takes 2, one stays free
  assert.equal(task.wakes, 1);
  assert.equal((task.poll(waiting) as SemaphorePermit).count, 2);
  assert.equal(semaphore.availablePermits, 1);
  assert.equal(semaphore.forgetPermits(0), 0);
  for (const bad of [-1, 1.5, NaN, "1", MAX_PERMITS + 1]) {
    assert.throws(
      () => semaphore.forgetPermits(bad as number),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /forgetPermits\(n\)/.test(e.message),
    );
  }
  assert.equal(semaphore.availablePermits, 1, "a rejected call forgot nothing");
});

test("merge and split move permits between permits of one semaphore; nothing is lost or doubled", () => {
  const semaphore = new Semaphore(10);
  const rand = random(9);
  const permits: SemaphorePermit[] = [semaphore.tryAcquire(10)!];
  for (let step = 0; step < 2000; step++) {
    const i = Math.floor(rand() * permits.length);
    const permit = permits[i]!;
    if (rand() < 0.5) {
      const part = permit.split(Math.floor(rand() * (permit.count + 2)));
      if (part !== null) permits.push(part);
    } else if (permits.length > 1) {
      const j = (i + 1 + Math.floor(rand() * (permits.length - 1))) % permits.length;
      permit.merge(permits[j]!);
      assert.equal(permits[j]!.count, 0);
      permits.splice(j, 1);
    }
    assert.equal(permits.reduce((sum, p) => sum + p.count, 0) + semaphore.availablePermits, 10, `step ${step}`);
  }
  for (const p of permits) p.release();
  assert.equal(semaphore.availablePermits, 10);
});

test("merge and split refuse permits of another semaphore, non-permits, bad counts and released permits, naming them", () => {
  const a = new Semaphore(2);
  const b = new Semaphore(2);
  const pa = a.tryAcquire()!;
  const pb = b.tryAcquire()!;
  const invalid = (pattern: RegExp) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && pattern.test(e.message);
  assert.throws(() => pa.merge(pb), invalid(/another semaphore/));
  assert.throws(() => pa.merge({} as SemaphorePermit), invalid(/needs a permit/));
  // A revoked Proxy threw the engine's TypeError (instanceof reads its prototype); a Proxy of a
  // permit passed instanceof and threw at the private field. Neither is a permit.
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.throws(() => pa.merge(revoked as SemaphorePermit), invalid(/needs a permit/));
  const proxied = a.tryAcquire()!;
  assert.throws(() => pa.merge(new Proxy(proxied, {})), invalid(/needs a permit/));
  proxied.release();
  assert.throws(() => pa.split(-1), invalid(/split\(n\).*-1/));
  assert.throws(() => pa.split(0.5), invalid(/0\.5/));
  pa.merge(pa); // itself: nothing moves
  assert.equal(pa.count, 1);
  pb.release();
  assert.throws(
    () => pb.split(0),
    (e) => e instanceof ClosedError && e.what === "permit" && /split\(\)/.test(e.message),
  );
  assert.throws(() => pa.merge(pb), (e) => e instanceof ClosedError && /merge\(\)/.test(e.message));
  const other = a.tryAcquire()!;
  other.forget();
  assert.throws(() => other.merge(pa), (e) => e instanceof ClosedError && /released or forgotten/.test(e.message));
  assert.equal(pa.count, 1, "the refused merges moved nothing");
});
