// tokio's tests/sync_once_cell.rs and tests/sync_set_once.rs, ported onto OnceCell (tokio's
// SetOnce is a OnceCell without getOrInit: set, get, wait). PEER-TESTS-LOCKS.md maps each test.
// tokio's paused clock becomes yieldNow() turns of one LocalExecutor.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, ready, yieldNow } from "@spindle/core";
import { OnceCell } from "@spindle/sync";

function* func1(): Coroutine<number> {
  return 5;
}
function* func2(): Coroutine<number> {
  yield* yieldNow(); // tokio: sleep(1 ms)
  return 10;
}
function* funcPanic(): Coroutine<number> {
  yield* yieldNow();
  throw new Error("panic");
}

for (const kind of ["OnceCell", "SetOnce"]) {
  test(`tokio sync_${kind === "OnceCell" ? "once_cell" : "set_once"} from`, () => {
    assert.equal(OnceCell.from(2).get(), 2);
  });

  test(`tokio sync_${kind === "OnceCell" ? "once_cell" : "set_once"} get_uninit`, () => {
    assert.equal(new OnceCell<number>().get(), undefined);
  });

  test(`tokio sync_${kind === "OnceCell" ? "once_cell" : "set_once"} set_twice: the second set fails, already initialized`, () => {
    const once = new OnceCell<number>();
    assert.equal(once.set(5), true);
    assert.equal(once.set(6), false);
    assert.equal(once.initialized, true, "already initialized (not initializing)");
    assert.equal(once.get(), 5);
  });
}

test("tokio sync_once_cell get_or_init: the first init wins, the second caller gets its value", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const handle1 = executor.spawn(once.getOrInit(func1));
  const handle2 = executor.spawn(once.getOrInit(func2));
  await executor.run();
  assert.equal(await handle1, 5);
  assert.equal(await handle2, 5);
});

test("tokio sync_once_cell get_or_init_panic: an init that throws fails its caller only", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const handle2 = executor.spawn(once.getOrInit(funcPanic));
  const handle1 = executor.spawn(once.getOrInit(func1));
  await executor.run().catch(() => {});
  await assert.rejects(Promise.resolve(handle2), /panic/);
  assert.equal(await handle1, 5, "the next caller ran its own init");
  assert.equal(once.get(), 5);
});

test("tokio sync_once_cell set_and_get (and sync_set_once set_and_get)", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<boolean> {
    return once.set(5);
  }());
  await executor.run();
  assert.equal(once.get(), 5);
});

test("tokio sync_once_cell set_while_initializing: set fails while an init runs, initializing", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const handle1 = executor.spawn(once.getOrInit(function* (): Coroutine<number> {
    yield* yieldNow();
    yield* yieldNow();
    return 5;
  }));
  const handle2 = executor.spawn(function* (): Coroutine<[boolean, boolean]> {
    yield* yieldNow();
    return [once.set(10), once.initialized];
  }());
  await executor.run();
  assert.equal(await handle1, 5);
  assert.deepEqual(await handle2, [false, false], "refused while initializing, not initialized yet");
});

test("tokio sync_once_cell get_or_try_init: an init that fails leaves the cell to the next", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const handle1 = executor.spawn(once.getOrInit(function* (): Coroutine<number> {
    throw new Error("Err(())");
  }));
  const handle2 = executor.spawn(once.getOrInit(() => ready(10)));
  await executor.run().catch(() => {});
  await assert.rejects(Promise.resolve(handle1), /Err/);
  assert.equal(await handle2, 10);
});

test("tokio sync_set_once set_and_wait (and is_some_initializing): wait() gets the value a task sets", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const value = executor.spawn(once.wait());
  executor.spawn(function* (): Coroutine<void> {
    once.set(5);
  }());
  await executor.run();
  assert.equal(await value, 5);
});

test("tokio sync_set_once set_and_wait_multiple_threads (two tasks): exactly one set succeeds", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const res1 = executor.spawn(function* (): Coroutine<boolean> {
    return once.set(4);
  }());
  const res2 = executor.spawn(function* (): Coroutine<boolean> {
    return once.set(3);
  }());
  await executor.run();
  assert.notEqual(await res1, await res2);
});

test("tokio sync_set_once is_none_initializing", () => {
  const once = new OnceCell<number>();
  assert.equal(once.get(), undefined);
  assert.equal(once.set(20), true);
  assert.equal(once.set(10), false);
});

test("tokio sync_set_once set_and_wait_threads (blockOn): wait() of a value already set is ready", () => {
  const once = new OnceCell<number>();
  once.set(4);
  assert.equal(blockOn(once.wait()), 4);
});
