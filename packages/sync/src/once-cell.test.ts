// OnceCell: one init at a time, cancel safety of getOrInit and wait, bad input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, type Future, PENDING, ready, SpindleError } from "@spindle/core";
import { OnceCell, oneshot } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

/** An init that records its run and waits for the returned sender's value. */
function gated(runs: string[], name: string): [init: () => Future<string>, release: (value: string) => void] {
  const [tx, rx] = oneshot<string>();
  return [() => {
    runs.push(name);
    return rx;
  }, (value) => tx.send(value)];
}

test("only one init runs at a time; the waiters get its value without running theirs", () => {
  const cell = new OnceCell<string>();
  const runs: string[] = [];
  const [initA, releaseA] = gated(runs, "a");
  const [initB] = gated(runs, "b");
  const [a, b] = [new TestTask(), new TestTask()];
  const first = cell.getOrInit(initA);
  const second = cell.getOrInit(initB);
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  assert.deepEqual(runs, ["a"]);
  assert.equal(cell.set("x"), false, "refused while a's init runs");
  releaseA("A");
  assert.equal(a.poll(first), "A");
  assert.equal(b.wakes, 1, "storing the value woke the waiter");
  assert.equal(b.poll(second), "A");
  assert.deepEqual(runs, ["a"]);
  assert.equal(a.live + b.live, 0);
});

test("a getOrInit dropped while its init runs drops that init and lets the next waiter run its own", () => {
  const cell = new OnceCell<string>();
  const runs: string[] = [];
  const [initA] = gated(runs, "a");
  const [initB, releaseB] = gated(runs, "b");
  const [a, b] = [new TestTask(), new TestTask()];
  const first = cell.getOrInit(initA);
  const second = cell.getOrInit(initB);
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  first[Symbol.dispose]();
  assert.equal(b.wakes, 1);
  assert.equal(b.poll(second), PENDING);
  assert.deepEqual(runs, ["a", "b"]);
  releaseB("B");
  assert.equal(b.poll(second), "B");
  assert.equal(cell.get(), "B");
  assert.equal(a.live + b.live, 0, "no waker kept");
});

test("a waiting getOrInit dropped takes nothing: the init running still completes, the next still waits", () => {
  const cell = new OnceCell<string>();
  const runs: string[] = [];
  const [initA, releaseA] = gated(runs, "a");
  const [a, b, c] = [new TestTask(), new TestTask(), new TestTask()];
  const first = cell.getOrInit(initA);
  const second = cell.getOrInit(() => ready("b"));
  const third = cell.getOrInit(() => ready("c"));
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  assert.equal(c.poll(third), PENDING);
  second[Symbol.dispose]();
  releaseA("A");
  assert.equal(a.poll(first), "A");
  assert.equal(c.poll(third), "A");
  assert.equal(a.live + b.live + c.live, 0);
});

test("an init that throws (or whose future fails) fails its caller only; the next waiter runs its own", () => {
  for (const how of ["throws", "fails"] as const) {
    const cell = new OnceCell<number>();
    const [a, b] = [new TestTask(), new TestTask()];
    const [tx, rx] = oneshot<number>();
    const first = cell.getOrInit(() => {
      if (how === "throws") throw new Error("init threw");
      return rx;
    });
    const second = cell.getOrInit(() => ready(2));
    if (how === "throws") {
      assert.throws(() => a.poll(first), /init threw/);
    } else {
      assert.equal(a.poll(first), PENDING);
      assert.equal(b.poll(second), PENDING);
      tx.drop(); // the receiver fails with ClosedError
      assert.throws(() => a.poll(first), { name: "ClosedError" });
    }
    assert.equal(b.poll(second), 2, how);
    assert.equal(cell.get(), 2);
  }
});

test("wait() completes once the value is stored; dropped, it keeps no waker", () => {
  const cell = new OnceCell<number>();
  const [a, b] = [new TestTask(), new TestTask()];
  const waiting = cell.wait();
  const dropped = cell.wait();
  assert.equal(a.poll(waiting), PENDING);
  assert.equal(a.poll(waiting), PENDING, "polled again, it is queued once");
  assert.equal(b.poll(dropped), PENDING);
  dropped[Symbol.dispose]();
  assert.equal(b.live, 0);
  assert.equal(blockOn(cell.getOrInit(() => ready(7))), 7);
  assert.equal(a.wakes, 1);
  assert.equal(a.poll(waiting), 7);
  assert.equal(a.live, 0);
  assert.equal(blockOn(cell.wait()), 7);
});

test("a stored undefined counts as initialized", () => {
  const cell = new OnceCell<undefined>();
  assert.equal(cell.initialized, false);
  assert.equal(cell.set(undefined), true);
  assert.equal(cell.initialized, true);
  assert.equal(cell.set(undefined), false);
});

test("getOrInit needs a function (INVALID_ARGUMENT naming it); a completed future polled again is FUTURE_COMPLETED", () => {
  const cell = new OnceCell<number>();
  assert.throws(
    () => cell.getOrInit(5 as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /got 5/.test(e.message),
  );
  const task = new TestTask();
  const get = cell.getOrInit(() => ready(1));
  assert.equal(task.poll(get), 1);
  assert.throws(() => task.poll(get), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
  const wait = cell.wait();
  assert.equal(task.poll(wait), 1);
  assert.throws(() => task.poll(wait), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
});

test("getOrInit or wait polled inside the same cell's init throws DEADLOCK instead of waiting for itself; the cell stays usable", () => {
  const isDeadlock = (e: unknown): boolean => e instanceof SpindleError && e.code === "DEADLOCK";
  const cell = new OnceCell<number>();
  const caught: unknown[] = [];
  // Awaited inside the init (a coroutine), and polled from the init function itself (blockOn).
  const nested = cell.getOrInit(function* (): Coroutine<number> {
    try {
      return yield* cell.getOrInit(() => ready(1));
    } catch (error) {
      caught.push(error);
    }
    try {
      return yield* cell.wait();
    } catch (error) {
      caught.push(error);
    }
    return 2;
  });
  const task = new TestTask();
  assert.equal(task.poll(nested), 2);
  assert.equal(caught.length, 2);
  assert.ok(caught.every(isDeadlock), String(caught));
  assert.equal(cell.get(), 2);

  const other = new OnceCell<number>();
  // Polled by the init function itself, before it returns its future.
  const pollsInside = other.getOrInit(() => ready(task.poll(other.getOrInit(() => ready(3))) as number));
  assert.throws(() => task.poll(pollsInside), isDeadlock);
  assert.equal(other.initialized, false, "the failed init passed its turn on");
  assert.equal(blockOn(other.getOrInit(() => ready(4))), 4);
  assert.equal(task.live, 0);
});

test("a getOrInit of another cell inside an init is not reentrant", () => {
  const [outer, inner] = [new OnceCell<number>(), new OnceCell<number>()];
  assert.equal(blockOn(outer.getOrInit(() => inner.getOrInit(() => ready(5)))), 5);
  assert.deepEqual([outer.get(), inner.get()], [5, 5]);
});
