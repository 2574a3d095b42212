import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING } from "@spindle/core";
import { ClosedError, RwLock, type RwLockReadGuard, type RwLockWriteGuard } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("readers share the lock; a writer excludes everyone", () => {
  const lock = new RwLock(1);
  const a = lock.tryRead()!;
  const b = blockOn(lock.read());
  assert.equal(a.value + b.value, 2);
  assert.equal(lock.tryWrite(), null);
  a.release();
  b.release();
  const writer = lock.tryWrite()!;
  assert.equal(lock.tryRead(), null);
  writer.value = 5;
  writer.release();
  assert.equal(lock.tryRead()!.value, 5);
});

test("a waiting writer holds back readers that come after it (no writer starvation)", () => {
  const lock = new RwLock("v1");
  const reader = lock.tryRead()!;
  const [w, r] = [new TestTask(), new TestTask()];
  const write = lock.write();
  assert.equal(w.poll(write), PENDING);
  assert.equal(lock.tryRead(), null, "a newcomer reader does not overtake the writer");
  const read = lock.read();
  assert.equal(r.poll(read), PENDING);
  reader.release();
  assert.equal(w.wakes, 1);
  assert.equal(r.wakes, 0);
  const guard = w.poll(write) as RwLockWriteGuard<string>;
  guard.value = "v2";
  guard.release();
  assert.equal(r.wakes, 1);
  assert.equal((r.poll(read) as RwLockReadGuard<string>).value, "v2");
});

test("a writer dropped while waiting lets the readers behind it in", () => {
  const lock = new RwLock(0);
  const reader = lock.tryRead()!;
  const [w, r] = [new TestTask(), new TestTask()];
  const write = lock.write();
  const read = lock.read();
  assert.equal(w.poll(write), PENDING);
  assert.equal(r.poll(read), PENDING);
  write[Symbol.dispose]();
  assert.equal(r.wakes, 1, "the permits the writer had been given went on");
  assert.notEqual(r.poll(read), PENDING);
  reader.release();
});

test("guards throw ClosedError after release", () => {
  const lock = new RwLock(0);
  const read = lock.tryRead()!;
  read.release();
  assert.throws(() => read.value, ClosedError);
  const write = lock.tryWrite()!;
  write[Symbol.dispose]();
  assert.throws(() => write.value, ClosedError);
  assert.ok(lock.tryWrite());
});
