// Port of tokio/tests/sync_semaphore.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's Semaphore, written from the package README. tokio's `blocking_acquire*`
// are `blockOn(semaphore.acquire(n))` here; its `_owned` variants are the same calls (JavaScript
// has no ownership to move).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, SpindleError } from "@spindle/core";
import { ClosedError, Semaphore } from "@spindle/sync";

const invalid = (e: unknown): boolean => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";

test("no_permits", () => {
  assert.equal(new Semaphore(0).availablePermits, 0);
});

test("try_acquire", () => {
  const sem = new Semaphore(1);
  const p1 = sem.tryAcquire();
  assert.notEqual(p1, null);
  assert.equal(sem.tryAcquire(), null);
  p1!.release();
  assert.notEqual(sem.tryAcquire(), null);
});

test("acquire", async () => {
  const sem = new Semaphore(1);
  const p1 = sem.tryAcquire()!;
  const executor = new LocalExecutor();
  const j = executor.spawn(function* (): Coroutine<void> {
    (yield* sem.acquire()).release();
  }());
  p1.release();
  await executor.run();
  await j;
  assert.equal(sem.availablePermits, 1);
});

test("add_permits", async () => {
  const sem = new Semaphore(0);
  const executor = new LocalExecutor();
  const j = executor.spawn(function* (): Coroutine<void> {
    (yield* sem.acquire()).release();
  }());
  sem.addPermits(1);
  await executor.run();
  await j;
});

test("add_permits_open", () => {
  for (let size = 0; size < 4; size++) {
    for (let add = 0; add < 4; add++) {
      const sem = new Semaphore(size);
      sem.addPermits(add);
      assert.equal(sem.availablePermits, size + add);
      assert.equal(sem.isClosed, false);
    }
  }
});

test("add_permits_closed", () => {
  for (let size = 0; size < 4; size++) {
    for (let add = 0; add < 4; add++) {
      const sem = new Semaphore(size);
      sem.close();
      sem.addPermits(add);
      assert.equal(sem.availablePermits, size + add);
      assert.equal(sem.isClosed, true);
    }
  }
});

test("forget", () => {
  const sem = new Semaphore(1);
  const p = sem.tryAcquire()!;
  assert.equal(sem.availablePermits, 0);
  p.forget();
  assert.equal(sem.availablePermits, 0);
  p.release(); // a forgotten permit gives nothing back
  assert.equal(sem.availablePermits, 0);
  assert.equal(sem.tryAcquire(), null);
});

test("stress_test", async () => {
  const sem = new Semaphore(5);
  const executor = new LocalExecutor();
  const handles = [];
  for (let i = 0; i < 1000; i++) {
    handles.push(executor.spawn(function* (): Coroutine<void> {
      (yield* sem.acquire()).release();
    }()));
  }
  await executor.run();
  for (const j of handles) await j;
  const held = [1, 2, 3, 4, 5].map(() => sem.tryAcquire());
  assert.ok(held.every((p) => p !== null));
  assert.equal(sem.tryAcquire(), null);
});

test("add_max_amount_permits", () => {
  const s = new Semaphore(0);
  s.addPermits(Semaphore.MAX_PERMITS);
  assert.equal(s.availablePermits, Semaphore.MAX_PERMITS);
});

test("add_more_than_max_amount_permits1", () => {
  const s = new Semaphore(1);
  assert.throws(() => s.addPermits(Semaphore.MAX_PERMITS), invalid);
});

test("add_more_than_max_amount_permits2", () => {
  const s = new Semaphore(Semaphore.MAX_PERMITS - 1);
  s.addPermits(1);
  assert.throws(() => s.addPermits(1), invalid);
});

test("panic_when_exceeds_maxpermits", () => {
  assert.throws(() => new Semaphore(Semaphore.MAX_PERMITS + 1), invalid);
});

test("no_panic_at_maxpermits", () => {
  new Semaphore(Semaphore.MAX_PERMITS);
  const s = new Semaphore(Semaphore.MAX_PERMITS - 1);
  s.addPermits(1);
  assert.equal(s.availablePermits, Semaphore.MAX_PERMITS);
});

test("blocking_acquire", () => {
  const sem = new Semaphore(1);
  const permit = blockOn(sem.acquire());
  assert.equal(sem.availablePermits, 0);
  permit.release();
  assert.equal(sem.availablePermits, 1);
});

test("blocking_acquire_many", () => {
  const sem = new Semaphore(5);
  const permit = blockOn(sem.acquire(3));
  assert.equal(sem.availablePermits, 2);
  permit.release();
  assert.equal(sem.availablePermits, 5);
});

test("blocking_acquire_closed", () => {
  const sem = new Semaphore(1);
  sem.close();
  assert.throws(() => blockOn(sem.acquire()), ClosedError);
  assert.throws(() => blockOn(sem.acquire(2)), ClosedError);
});

test("blocking_acquire_in_async_context", async () => {
  const sem = new Semaphore(1);
  const executor = new LocalExecutor();
  const j = executor.spawn(function* (): Coroutine<void> {
    blockOn(sem.acquire());
  }());
  await executor.run().catch(() => {});
  await assert.rejects(Promise.resolve(j), (e) => e instanceof SpindleError && e.code === "BLOCKING_NOT_ALLOWED");
  assert.equal(sem.availablePermits, 1, "the refused acquire took nothing");
});

for (const closed of [false, true]) {
  test(closed ? "forget_closed" : "forget_open", () => {
    for (let size = 0; size < 4; size++) {
      for (let sub = 0; sub < 4; sub++) {
        const sem = new Semaphore(size);
        if (closed) sem.close();
        const actual = sem.forgetPermits(sub);
        const expected = Math.max(0, size - sub);
        assert.equal(sem.availablePermits, expected, `case: ${size}-${sub}`);
        assert.equal(actual, size - expected);
        assert.equal(sem.isClosed, closed);
      }
    }
  });
}

test("merge", () => {
  const sem = new Semaphore(3);
  const p1 = sem.tryAcquire()!;
  assert.equal(sem.availablePermits, 2);
  const p2 = sem.tryAcquire(2)!;
  assert.equal(sem.availablePermits, 0);
  p1.merge(p2);
  assert.equal(sem.availablePermits, 0);
  p1.release();
  p2.release(); // merged away: gives nothing back
  assert.equal(sem.availablePermits, 3);
});

// tokio panics; here it is INVALID_ARGUMENT, and neither permit changes.
test("merge_unrelated_permits", () => {
  const sem1 = new Semaphore(3);
  const sem2 = new Semaphore(3);
  const p1 = sem1.tryAcquire()!;
  const p2 = sem2.tryAcquire()!;
  assert.throws(() => p1.merge(p2), invalid);
  assert.deepEqual([p1.count, p2.count], [1, 1]);
});

test("split", () => {
  const sem = new Semaphore(5);
  const p1 = sem.tryAcquire(3)!;
  assert.equal(sem.availablePermits, 2);
  assert.equal(p1.count, 3);
  const p2 = p1.split(1)!;
  assert.equal(sem.availablePermits, 2);
  assert.equal(p1.count, 2);
  assert.equal(p2.count, 1);
  const p3 = p1.split(0)!;
  assert.equal(p3.count, 0);
  p1.release();
  assert.equal(sem.availablePermits, 4);
  const p4 = p2.split(1)!;
  assert.equal(p2.count, 0);
  assert.equal(p4.count, 1);
  assert.equal(p2.split(1), null);
  p2.release();
  assert.equal(sem.availablePermits, 4);
  p3.release();
  assert.equal(sem.availablePermits, 4);
  p4.release();
  assert.equal(sem.availablePermits, 5);
});
