import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, PENDING, pending, yieldNow } from "@spindle/core";
import { ClosedError, Mutex, type MutexGuard } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("the guard reads and replaces the value; release unlocks", () => {
  const mutex = new Mutex({ n: 1 });
  const guard = blockOn(mutex.lock());
  assert.equal(mutex.isLocked, true);
  assert.equal(mutex.tryLock(), null);
  guard.value.n++;
  guard.value = { n: guard.value.n * 10 };
  guard.release();
  assert.equal(mutex.isLocked, false);
  assert.equal(mutex.tryLock()!.value.n, 20);
});

test("[Symbol.dispose] releases like release(), and a second release does nothing", () => {
  const mutex = new Mutex(0);
  const guard = mutex.tryLock()!;
  guard[Symbol.dispose]();
  guard.release();
  assert.equal(mutex.isLocked, false);
  const again = mutex.tryLock()!;
  assert.equal(mutex.tryLock(), null, "the double release did not add a second lock");
  again.release();
});

test("using the value after release throws ClosedError", () => {
  const mutex = new Mutex("secret");
  const guard = mutex.tryLock()!;
  guard.release();
  assert.throws(() => guard.value, (e) => e instanceof ClosedError && e.what === "guard");
  assert.throws(() => {
    guard.value = "other";
  }, ClosedError);
});

test("waiters get the lock in the order they asked (FIFO), and tryLock never overtakes them", () => {
  const mutex = new Mutex<string[]>([]);
  const held = mutex.tryLock()!;
  const tasks = [new TestTask(), new TestTask(), new TestTask()];
  const locks = tasks.map(() => mutex.lock());
  tasks.forEach((task, i) => assert.equal(task.poll(locks[i]!), PENDING));
  held.release();
  assert.equal(mutex.tryLock(), null);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(tasks.map((t) => t.wakes), [0, 1, 2].map((j) => (j <= i ? 1 : 0)));
    const guard = tasks[i]!.poll(locks[i]!) as MutexGuard<string[]>;
    guard.value.push(`task ${i}`);
    guard.release();
  }
  assert.deepEqual(mutex.tryLock()!.value, ["task 0", "task 1", "task 2"]);
});

test("a lock handed to a waiter that is dropped before it ran goes to the next waiter", () => {
  const mutex = new Mutex(0);
  const held = mutex.tryLock()!;
  const [a, b] = [new TestTask(), new TestTask()];
  const first = mutex.lock();
  const second = mutex.lock();
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  held.release();
  first[Symbol.dispose]();
  assert.equal(b.wakes, 1);
  const guard = b.poll(second) as MutexGuard<number>;
  guard.value = 7;
  guard.release();
  assert.equal(mutex.isLocked, false);
});

test("tasks holding the lock across suspension points never interleave", async () => {
  const mutex = new Mutex(0);
  let inside = 0;
  function* add(times: number): Coroutine<void> {
    for (let i = 0; i < times; i++) {
      const guard = yield* mutex.lock();
      assert.equal(++inside, 1);
      const seen = guard.value;
      yield* yieldNow();
      guard.value = seen + 1;
      inside--;
      guard.release();
    }
  }
  const executor = new LocalExecutor();
  for (let i = 0; i < 10; i++) executor.spawn(add(50));
  await executor.run();
  assert.equal(mutex.tryLock()!.value, 500);
});

test("a task aborted while it holds the guard gives the lock back through its finally block", async () => {
  const mutex = new Mutex(0);
  const executor = new LocalExecutor();
  let released = false;
  const holder = executor.spawn(function* (): Coroutine<void> {
    const guard = yield* mutex.lock();
    try {
      yield* pending();
    } finally {
      guard.release();
      released = true;
    }
  }());
  const waiter = executor.spawn(function* (): Coroutine<number> {
    yield* yieldNow();
    holder.abort();
    const guard = yield* mutex.lock();
    guard.value = 1;
    const seen = guard.value;
    guard.release();
    return seen;
  }());
  await executor.run();
  await holder.then(() => assert.fail("the holder was aborted"), () => {});
  assert.equal(released, true);
  assert.equal(await waiter, 1);
  assert.equal(mutex.isLocked, false);
});
