// Port of tokio/tests/sync_once_cell.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's OnceCell, written from the package README. tokio's paused clock becomes
// yieldNow() turns of one LocalExecutor; a panic or an `Err` from the init is a thrown error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor, ready, yieldNow } from "@spindle/core";
import { OnceCell } from "@spindle/sync";

// drop_cell, drop_cell_new_with, drop_into_inner, drop_into_inner_new_with: they count Rust
// destructor runs (README of the ports: not portable).

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

test("from", () => {
  assert.equal(OnceCell.from(2).get(), 2);
});

test("get_or_init", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const handle1 = executor.spawn(once.getOrInit(func1));
  const handle2 = executor.spawn(once.getOrInit(func2));
  await executor.run();
  assert.equal(await handle1, 5);
  assert.equal(await handle2, 5);
});

test("get_or_init_panic", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const handle1 = executor.spawn(once.getOrInit(func1));
  const handle2 = executor.spawn(once.getOrInit(funcPanic));
  await executor.run();
  assert.equal(await handle1, 5);
  assert.equal(await handle2, 5, "the cell was set before the panicking init could run");
});

test("set_and_get", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<boolean> {
    return once.set(5);
  }());
  await executor.run();
  assert.equal(once.get(), 5);
});

test("get_uninit", () => {
  assert.equal(new OnceCell<number>().get(), undefined);
});

test("set_twice", () => {
  const once = new OnceCell<number>();
  assert.equal(once.set(5), true);
  assert.equal(once.set(6), false);
  assert.equal(once.initialized, true, "already initialized, not initializing");
});

test("set_while_initializing", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const handle1 = executor.spawn(once.getOrInit(function* (): Coroutine<number> {
    yield* yieldNow(); // tokio: sleep(2 ms)
    yield* yieldNow();
    return 5;
  }));
  const handle2 = executor.spawn(function* (): Coroutine<[boolean, boolean]> {
    yield* yieldNow(); // tokio: advance(1 ms), then set
    return [once.set(10), once.initialized];
  }());
  await executor.run();
  assert.equal(await handle1, 5);
  assert.deepEqual(await handle2, [false, false], "refused while initializing (tokio's InitializingError)");
});

test("get_or_try_init", async () => {
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
