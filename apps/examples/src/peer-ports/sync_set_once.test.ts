// Port of tokio/tests/sync_set_once.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's OnceCell, written from the package README: tokio's SetOnce is a OnceCell
// without an initializer (set, get, wait). Threads become tasks of one LocalExecutor (the cell is
// single-threaded).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor } from "@spindle/core";
import { OnceCell } from "@spindle/sync";

// drop_cell, drop_cell_new_with, drop_into_inner, drop_into_inner_new_with,
// into_inner_int_empty_setonce: Rust destructors and `into_inner`; from, get_uninit, set_twice:
// the same JavaScript calls as the sync_once_cell ports (README of the ports).

test("set_and_get", () => {
  const once = new OnceCell<number>();
  assert.equal(once.set(5), true);
  assert.equal(once.get(), 5);
});

for (const name of ["set_and_wait", "is_some_initializing"]) {
  test(name, async () => {
    const once = new OnceCell<number>();
    const executor = new LocalExecutor();
    const value = executor.spawn(once.wait());
    executor.spawn(function* (): Coroutine<void> {
      once.set(name === "set_and_wait" ? 5 : 20);
    }());
    await executor.run();
    assert.equal(await value, name === "set_and_wait" ? 5 : 20);
  });
}

test("set_and_wait_multiple_threads", async () => {
  const once = new OnceCell<number>();
  const executor = new LocalExecutor();
  const res1 = executor.spawn(function* (): Coroutine<boolean> {
    return once.set(4);
  }());
  const res2 = executor.spawn(function* (): Coroutine<boolean> {
    return once.set(3);
  }());
  await executor.run();
  assert.notEqual(await res1, await res2, "exactly one set succeeds");
});

test("set_and_wait_threads", () => {
  const once = new OnceCell<number>();
  once.set(4); // the setting thread: a set on this thread, before the wait
  assert.equal(blockOn(once.wait()), 4);
});

test("is_none_initializing", () => {
  const once = new OnceCell<number>();
  assert.equal(once.get(), undefined);
  assert.equal(once.set(20), true);
  assert.equal(once.set(10), false);
});
