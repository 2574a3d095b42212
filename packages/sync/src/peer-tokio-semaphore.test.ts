// tokio's tests/sync_semaphore.rs and tests/sync_semaphore_owned.rs, ported onto the public API
// (PEER-TESTS-LOCKS.md maps each test). Spindle's permits are tokio's owned permits: a JavaScript
// permit keeps its semaphore alive, so each owned test runs on the same calls as its plain twin.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, SpindleError } from "@spindle/core";
import { oneshot, Semaphore } from "@spindle/sync";

const isInvalid = (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";

test("tokio sync_semaphore no_permits: a semaphore of 0 permits can be made", () => {
  assert.equal(new Semaphore(0).availablePermits, 0);
});

for (const owned of ["", "owned "]) {
  test(`tokio sync_semaphore${owned ? "_owned" : ""} try_acquire`, () => {
    const sem = new Semaphore(1);
    const p1 = sem.tryAcquire();
    assert.notEqual(p1, null);
    assert.equal(sem.tryAcquire(), null);
    p1!.release();
    assert.notEqual(sem.tryAcquire(), null);
  });

  test(`tokio sync_semaphore${owned ? "_owned" : ""} acquire: a spawned acquire completes once the held permit is dropped`, async () => {
    const sem = new Semaphore(1);
    const p1 = sem.tryAcquire()!;
    const executor = new LocalExecutor();
    const j = executor.spawn(function* (): Coroutine<number> {
      const p2 = yield* sem.acquire();
      p2.release();
      return p2.count;
    }());
    executor.spawn(function* (): Coroutine<void> {
      p1.release();
    }());
    await executor.run();
    assert.equal(await j, 0);
    assert.equal(sem.availablePermits, 1);
  });

  test(`tokio sync_semaphore${owned ? "_owned" : ""} add_permits: a spawned acquire completes on addPermits`, async () => {
    const sem = new Semaphore(0);
    const executor = new LocalExecutor();
    const j = executor.spawn(function* (): Coroutine<number> {
      const p2 = yield* sem.acquire();
      return p2.count;
    }());
    sem.addPermits(1);
    await executor.run();
    assert.equal(await j, 1);
  });

  test(`tokio sync_semaphore${owned ? "_owned" : ""} forget: a forgotten permit never comes back`, () => {
    const sem = new Semaphore(1);
    const p = sem.tryAcquire()!;
    assert.equal(sem.availablePermits, 0);
    p.forget();
    assert.equal(sem.availablePermits, 0);
    p[Symbol.dispose]();
    assert.equal(sem.availablePermits, 0);
    assert.equal(sem.tryAcquire(), null);
  });

  test(`tokio sync_semaphore${owned ? "_owned" : ""} merge`, () => {
    const sem = new Semaphore(3);
    const p1 = sem.tryAcquire()!;
    assert.equal(sem.availablePermits, 2);
    const p2 = sem.tryAcquire(2)!;
    assert.equal(sem.availablePermits, 0);
    p1.merge(p2);
    assert.equal(sem.availablePermits, 0);
    p1.release();
    p2.release();
    assert.equal(sem.availablePermits, 3);
  });

  test(`tokio sync_semaphore${owned ? "_owned" : ""} merge_unrelated_permits: INVALID_ARGUMENT (tokio panics)`, () => {
    const p1 = new Semaphore(3).tryAcquire()!;
    const p2 = new Semaphore(3).tryAcquire()!;
    assert.throws(() => p1.merge(p2), isInvalid);
    assert.equal(p1.count, 1);
    assert.equal(p2.count, 1);
  });

  test(`tokio sync_semaphore${owned ? "_owned" : ""} split`, () => {
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

  test(`tokio sync_semaphore${owned ? "_owned" : ""} stress_test: 1000 tasks through 5 permits leave exactly 5`, async () => {
    const sem = new Semaphore(5);
    const executor = new LocalExecutor();
    const handles = [];
    for (let i = 0; i < 1000; i++) {
      handles.push(executor.spawn(function* (): Coroutine<void> {
        using _p = yield* sem.acquire();
      }()));
    }
    await executor.run();
    for (const j of handles) await j;
    const held = [1, 2, 3, 4, 5].map(() => sem.tryAcquire());
    assert.ok(held.every((p) => p !== null));
    assert.equal(sem.tryAcquire(), null);
  });
}

test("tokio sync_semaphore add_permits_open", () => {
  for (let size = 0; size < 4; size++) {
    for (let add = 0; add < 4; add++) {
      const sem = new Semaphore(size);
      sem.addPermits(add);
      assert.equal(sem.availablePermits, size + add);
      assert.equal(sem.isClosed, false);
    }
  }
});

test("tokio sync_semaphore add_permits_closed", () => {
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

for (const closed of [false, true]) {
  test(`tokio sync_semaphore forget_${closed ? "closed" : "open"}`, () => {
    for (let size = 0; size < 4; size++) {
      for (let sub = 0; sub < 4; sub++) {
        const sem = new Semaphore(size);
        if (closed) sem.close();
        const actualSub = sem.forgetPermits(sub);
        const expected = Math.max(0, size - sub);
        assert.equal(sem.availablePermits, expected, `case: ${size}-${sub}`);
        assert.equal(actualSub, size - expected);
        assert.equal(sem.isClosed, closed);
      }
    }
  });
}

test("tokio sync_semaphore_owned try_acquire_many", () => {
  const sem = new Semaphore(42);
  const p1 = sem.tryAcquire(42);
  assert.notEqual(p1, null);
  assert.equal(sem.tryAcquire(), null);
  p1!.release();
  assert.notEqual(sem.tryAcquire(32), null);
  assert.notEqual(sem.tryAcquire(10), null);
  assert.equal(sem.tryAcquire(), null);
});

test("tokio sync_semaphore_owned acquire_many: a partly served acquire(32) completes when 32 are released", async () => {
  const sem = new Semaphore(42);
  const permit32 = sem.tryAcquire(32)!;
  const [sender, receiver] = oneshot<void>();
  const executor = new LocalExecutor();
  const j = executor.spawn(function* (): Coroutine<number> {
    const permit10 = yield* sem.acquire(10);
    sender.send();
    const again32 = yield* sem.acquire(32);
    return permit10.count + again32.count;
  }());
  executor.spawn(function* (): Coroutine<void> {
    yield* receiver;
    permit32.release();
  }());
  await executor.run();
  assert.equal(await j, 42);
});

test("tokio sync_semaphore add_max_amount_permits", () => {
  const s = new Semaphore(0);
  s.addPermits(Semaphore.MAX_PERMITS);
  assert.equal(s.availablePermits, Semaphore.MAX_PERMITS);
});

test("tokio sync_semaphore add_more_than_max_amount_permits1: INVALID_ARGUMENT (tokio panics)", () => {
  const s = new Semaphore(1);
  assert.throws(() => s.addPermits(Semaphore.MAX_PERMITS), isInvalid);
  assert.equal(s.availablePermits, 1);
});

test("tokio sync_semaphore add_more_than_max_amount_permits2: INVALID_ARGUMENT (tokio panics)", () => {
  const s = new Semaphore(Semaphore.MAX_PERMITS - 1);
  s.addPermits(1);
  assert.throws(() => s.addPermits(1), isInvalid);
});

test("tokio sync_semaphore panic_when_exceeds_maxpermits: INVALID_ARGUMENT naming the count", () => {
  assert.throws(() => new Semaphore(Semaphore.MAX_PERMITS + 1), (e) => isInvalid(e) && /2147483648/.test(String(e)));
});

test("tokio sync_semaphore no_panic_at_maxpermits", () => {
  assert.equal(new Semaphore(Semaphore.MAX_PERMITS).availablePermits, Semaphore.MAX_PERMITS);
  const s = new Semaphore(Semaphore.MAX_PERMITS - 1);
  s.addPermits(1);
  assert.equal(s.availablePermits, Semaphore.MAX_PERMITS);
});

for (const n of [1, 3]) {
  test(`tokio sync_semaphore blocking_acquire${n > 1 ? "_many" : ""} (and _owned): blockOn(acquire(${n}))`, () => {
    const sem = new Semaphore(5);
    const permit = blockOn(sem.acquire(n));
    assert.equal(sem.availablePermits, 5 - n);
    permit.release();
    assert.equal(sem.availablePermits, 5);
  });
}

test("tokio sync_semaphore blocking_acquire_closed: blockOn(acquire) of a closed semaphore throws ClosedError", () => {
  const sem = new Semaphore(1);
  sem.close();
  assert.throws(() => blockOn(sem.acquire()), { name: "ClosedError" });
  assert.throws(() => blockOn(sem.acquire(2)), { name: "ClosedError" });
});

test("tokio sync_semaphore blocking_acquire_in_async_context (and _many, _owned): BLOCKING_NOT_ALLOWED inside a task", async () => {
  const sem = new Semaphore(1);
  const executor = new LocalExecutor();
  const j = executor.spawn(function* (): Coroutine<void> {
    blockOn(sem.acquire());
  }());
  await executor.run().catch(() => {});
  await assert.rejects(Promise.resolve(j), (e) => e instanceof SpindleError && e.code === "BLOCKING_NOT_ALLOWED");
  assert.equal(sem.availablePermits, 1);
});
