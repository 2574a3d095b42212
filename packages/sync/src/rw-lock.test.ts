import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING, SpindleError } from "@spindle/core";
import { ClosedError, MAX_PERMITS, RwLock, type RwLockReadGuard, type RwLockWriteGuard } from "./mod.ts";
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

test("maxReaders bounds the readers at once; a writer takes them all; bad values are INVALID_ARGUMENT naming them", () => {
  const lock = new RwLock(0, { maxReaders: 3 });
  assert.equal(lock.maxReaders, 3);
  assert.equal(new RwLock(0).maxReaders, MAX_PERMITS);
  const readers = [lock.tryRead()!, lock.tryRead()!, lock.tryRead()!];
  assert.equal(lock.tryRead(), null);
  const task = new TestTask();
  const writing = lock.write();
  assert.equal(task.poll(writing), PENDING);
  for (const r of readers) r.release();
  assert.equal(task.wakes, 1);
  const writer = task.poll(writing) as RwLockWriteGuard<number>;
  assert.equal(lock.tryRead(), null);
  writer.release();
  assert.notEqual(lock.tryRead(), null);
  for (const bad of [0, -1, 1.5, NaN, "2", MAX_PERMITS + 1]) {
    assert.throws(
      () => new RwLock(0, { maxReaders: bad as number }),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /RwLock maxReaders/.test(e.message),
    );
  }
});

test("downgrade lets the waiting readers in but not a waiting writer; the read guard then holds the lock", () => {
  const lock = new RwLock({ v: 1 }, { maxReaders: 4 });
  const writer = lock.tryWrite()!;
  const [r, w, r2] = [new TestTask(), new TestTask(), new TestTask()];
  const reading = lock.read();
  const writing = lock.write();
  const readingBehind = lock.read();
  assert.equal(r.poll(reading), PENDING);
  assert.equal(w.poll(writing), PENDING);
  assert.equal(r2.poll(readingBehind), PENDING);
  const reader = writer.downgrade();
  assert.equal(r.wakes, 1, "the reader ahead of the writer got in");
  assert.equal(w.wakes, 0);
  assert.equal(r2.wakes, 0, "the reader behind the waiting writer stays behind it (FIFO)");
  assert.equal(reader.value.v, 1);
  assert.throws(() => writer.value, ClosedError, "the write guard is released");
  assert.throws(() => writer.downgrade(), ClosedError);
  writer.release(); // a no-op now: gives nothing back twice
  (r.poll(reading) as RwLockReadGuard<{ v: number }>).release();
  reader.release();
  assert.equal(w.wakes, 1, "every reader gone: the writer");
  (w.poll(writing) as RwLockWriteGuard<{ v: number }>).release();
  assert.equal(r2.wakes, 1);
  (r2.poll(readingBehind) as RwLockReadGuard<{ v: number }>).release();
  assert.notEqual(lock.tryWrite(), null, "no permit lost on the way");
});

test("downgradeMap and tryDowngradeMap map the value; a throwing or null map leaves the write guard as it was", () => {
  const lock = new RwLock({ list: [1, 2] });
  const writer = lock.tryWrite()!;
  assert.throws(() =>
    writer.downgradeMap(() => {
      throw new RangeError("map failed");
    }), RangeError);
  assert.equal(writer.tryDowngradeMap(() => null), null);
  assert.equal(lock.tryRead(), null, "still exclusive");
  writer.value.list.push(3);
  assert.throws(
    () => writer.downgradeMap("list" as unknown as () => number),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /downgradeMap\(map\).*"list"/.test(e.message),
  );
  const length = writer.tryDowngradeMap((state) => state.list.length)!;
  assert.equal(length.value, 3);
  assert.notEqual(lock.tryRead(), null, "shared now");
  length.release();
});
