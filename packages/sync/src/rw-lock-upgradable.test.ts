// The RwLock's upgradable read (async-lock's upgradable_read / upgrade): who it admits, the upgrade
// going ahead of a waiting writer, and cancel safety of both futures, by hand and at random.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Future, PENDING, SpindleError } from "@spindle/core";
import {
  ClosedError,
  RwLock,
  type RwLockReadGuard,
  type RwLockUpgradableReadGuard,
  type RwLockWriteGuard,
} from "./mod.ts";
import { random, TestTask } from "./test-support/harness.ts";
import { Actor, assertNoLostWakeUp } from "./test-support/actor.ts";

test("an upgradable read admits plain readers but no writer and no second upgradable read", () => {
  const lock = new RwLock(1);
  const upgradable = lock.tryUpgradableRead()!;
  assert.equal(upgradable.value, 1);
  const reader = lock.tryRead()!;
  assert.equal(lock.tryUpgradableRead(), null);
  assert.equal(lock.tryWrite(), null);
  const task = new TestTask();
  const second = lock.upgradableRead();
  assert.equal(task.poll(second), PENDING);
  upgradable.release();
  assert.equal(task.wakes, 1, "the next upgradable read gets in once the first is released");
  const next = task.poll(second) as RwLockUpgradableReadGuard<number>;
  assert.equal(next.value, 1);
  next.release();
  reader.release();
  assert.notEqual(lock.tryWrite(), null);
  assert.equal(task.live, 0);
});

test("an upgradable read waits behind a waiting writer, as a reader does", () => {
  const lock = new RwLock(0);
  const reader = lock.tryRead()!;
  const [w, u] = [new TestTask(), new TestTask()];
  const write = lock.write();
  assert.equal(w.poll(write), PENDING);
  assert.equal(lock.tryUpgradableRead(), null, "no overtaking the writer");
  const upgradable = lock.upgradableRead();
  assert.equal(u.poll(upgradable), PENDING);
  reader.release();
  assert.equal(w.wakes, 1);
  assert.equal(u.wakes, 0);
  (w.poll(write) as RwLockWriteGuard<number>).release();
  assert.equal(u.wakes, 1);
  (u.poll(upgradable) as RwLockUpgradableReadGuard<number>).release();
  assert.equal(lock.tryUpgradableRead() !== null, true, "the slot was given back");
});

test("upgrade waits for the readers, goes ahead of a waiting writer, and readers after it wait behind it", () => {
  const lock = new RwLock("v0");
  const upgradable = lock.tryUpgradableRead()!;
  const reader = lock.tryRead()!;
  const [w, up, r] = [new TestTask(), new TestTask(), new TestTask()];
  const write = lock.write();
  assert.equal(w.poll(write), PENDING);
  const upgrade = upgradable.upgrade();
  assert.throws(() => upgradable.value, ClosedError, "the upgradable guard ended at upgrade()");
  assert.equal(up.poll(upgrade), PENDING);
  const read = lock.read();
  assert.equal(r.poll(read), PENDING);
  reader.release();
  assert.equal(up.wakes, 1);
  assert.equal(w.wakes + r.wakes, 0);
  const writer = up.poll(upgrade) as RwLockWriteGuard<string>;
  assert.equal(writer.value, "v0", "nobody wrote in between");
  writer.value = "v1";
  writer.release();
  assert.equal(w.wakes, 1, "then the writer waiting");
  const other = w.poll(write) as RwLockWriteGuard<string>;
  assert.equal(other.value, "v1");
  other.release();
  assert.equal((r.poll(read) as RwLockReadGuard<string>).value, "v1");
  assert.equal(w.live + up.live + r.live, 0);
});

test("a pending upgrade dropped releases the lock altogether (async-lock's Upgrade drop): the writer waiting gets in", () => {
  const lock = new RwLock(0);
  const upgradable = lock.tryUpgradableRead()!;
  const reader = lock.tryRead()!;
  const [w, up] = [new TestTask(), new TestTask()];
  const write = lock.write();
  assert.equal(w.poll(write), PENDING);
  const upgrade = upgradable.upgrade();
  assert.equal(up.poll(upgrade), PENDING);
  upgrade[Symbol.dispose]();
  assert.equal(up.live, 0, "the dropped upgrade keeps no waker");
  upgradable.release(); // nothing left to release
  reader.release();
  assert.equal(w.wakes, 1);
  (w.poll(write) as RwLockWriteGuard<number>).release();
  assert.notEqual(lock.tryUpgradableRead(), null, "the slot came back");
});

test("an upgrade never polled and dropped gives back the read and the slot", () => {
  const lock = new RwLock(0);
  lock.tryUpgradableRead()!.upgrade()[Symbol.dispose]();
  assert.notEqual(lock.tryWrite(), null);
});

test("an upgradableRead dropped while it waits for the slot, or for its read, takes nothing", () => {
  const lock = new RwLock(0);
  const holder = lock.tryUpgradableRead()!;
  const task = new TestTask();
  const waitingForSlot = lock.upgradableRead();
  assert.equal(task.poll(waitingForSlot), PENDING);
  waitingForSlot[Symbol.dispose]();
  holder.release();
  const free = lock.tryUpgradableRead();
  assert.notEqual(free, null);
  free!.release();

  const writer = lock.tryWrite()!;
  const waitingForRead = lock.upgradableRead();
  assert.equal(task.poll(waitingForRead), PENDING, "it holds the slot and waits for a read");
  assert.equal(lock.tryUpgradableRead(), null);
  waitingForRead[Symbol.dispose]();
  writer.release();
  const again = lock.tryUpgradableRead();
  assert.notEqual(again, null, "the slot was given back");
  again!.release();
  assert.notEqual(lock.tryWrite(), null, "no read permit was kept");
  assert.equal(task.live, 0);
});

test("an upgradableRead polled after it completed, or after it was dropped, throws FUTURE_COMPLETED", () => {
  const lock = new RwLock(0);
  const task = new TestTask();
  const completed = lock.upgradableRead();
  const guard = task.poll(completed) as RwLockUpgradableReadGuard<number>;
  assert.throws(() => task.poll(completed), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
  guard.release();
  const dropped = lock.upgradableRead();
  dropped[Symbol.dispose]();
  assert.throws(() => task.poll(dropped), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
  assert.notEqual(lock.tryWrite(), null, "nothing was kept");
});

test("tryUpgrade: null while a reader is in (the guard keeps its read), a write guard once none is", () => {
  const lock = new RwLock(0);
  const upgradable = lock.tryUpgradableRead()!;
  const reader = lock.tryRead()!;
  assert.equal(upgradable.tryUpgrade(), null);
  assert.equal(upgradable.value, 0);
  assert.equal(lock.tryWrite(), null);
  reader.release();
  const writer = upgradable.tryUpgrade()!;
  assert.equal(lock.tryRead(), null);
  assert.throws(() => upgradable.tryUpgrade(), ClosedError);
  assert.throws(() => upgradable.upgrade(), ClosedError);
  upgradable.release(); // does nothing: the guard was upgraded
  assert.equal(lock.tryRead(), null);
  writer.release();
  assert.notEqual(lock.tryUpgradableRead(), null);
});

test("tryUpgrade takes the permits a waiting writer was partly given (it cannot complete before the upgrade)", () => {
  const lock = new RwLock(0);
  const upgradable = lock.tryUpgradableRead()!;
  const w = new TestTask();
  const write = lock.write();
  assert.equal(w.poll(write), PENDING);
  const writer = upgradable.tryUpgrade()!;
  assert.notEqual(writer, null);
  writer.release();
  assert.equal(w.wakes, 1);
  (w.poll(write) as RwLockWriteGuard<number>).release();
  assert.notEqual(lock.tryWrite(), null);
});

test("a write guard from an upgrade: downgrade keeps a read and frees the slot; release frees both", () => {
  const lock = new RwLock(0);
  const writer = blockOn(lock.tryUpgradableRead()!.upgrade());
  writer.value = 3;
  const reader = writer.downgrade();
  assert.equal(reader.value, 3);
  assert.equal(lock.tryWrite(), null);
  const next = lock.tryUpgradableRead()!;
  assert.notEqual(next, null, "the slot was freed by the downgrade");
  next.release();
  reader.release();
  assert.notEqual(lock.tryWrite(), null);
});

test("with maxReaders the upgradable read counts as a reader; with maxReaders 1 its upgrade needs nothing more", () => {
  const lock = new RwLock(0, { maxReaders: 2 });
  const upgradable = lock.tryUpgradableRead()!;
  const reader = lock.tryRead()!;
  assert.equal(lock.tryRead(), null);
  reader.release();
  upgradable.release();
  const single = new RwLock(0, { maxReaders: 1 });
  const only = single.tryUpgradableRead()!;
  assert.equal(single.tryRead(), null);
  const writer = only.tryUpgrade()!;
  assert.notEqual(writer, null);
  writer.release();
  assert.notEqual(single.tryRead(), null);
});

type Held = RwLockReadGuard<number> | RwLockWriteGuard<number> | RwLockUpgradableReadGuard<number>;
type Kind = "read" | "write" | "upgradable" | "upgraded";

test("reads, writes, upgradable reads and upgrades dropped at random: never two writers or a writer with readers, no stuck waiter, all comes back", () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const rand = random(seed);
    const lock = new RwLock(0, { maxReaders: 3 + (seed % 3) });
    const actors = Array.from({ length: 7 }, () => ({
      actor: new Actor<Held>(),
      kind: "read" as Kind,
      held: null as Held | null,
    }));
    let upgraded = 0;
    const count = (kind: Kind) => actors.filter((a) => a.held !== null && a.kind === kind).length;
    const check = (step: number) => {
      const writers = count("write") + count("upgraded");
      const readers = count("read") + count("upgradable");
      assert.ok(writers <= 1 && (writers === 0 || readers === 0), `seed ${seed} step ${step}: ${writers}w ${readers}r`);
      assert.ok(count("upgradable") + count("upgraded") <= 1, `seed ${seed} step ${step}: two upgradable`);
      assert.ok(readers <= lock.maxReaders, `seed ${seed} step ${step}: ${readers} readers`);
    };
    for (let step = 0; step < 4000; step++) {
      const a = actors[Math.floor(rand() * actors.length)]!;
      const r = rand();
      let got: Held | typeof PENDING = PENDING;
      if (a.held !== null) {
        if (a.kind === "upgradable" && r < 0.3) {
          a.kind = "upgraded";
          const upgrade = (a.held as RwLockUpgradableReadGuard<number>).upgrade() as Future<Held>;
          a.held = null;
          got = a.actor.start(upgrade);
        } else if (r < 0.6) {
          a.held.release();
          a.held = null;
        }
      } else if (a.actor.future === null) {
        const pick = Math.floor(r * 3);
        a.kind = (["read", "write", "upgradable"] as const)[pick]!;
        const future = pick === 0 ? lock.read() : pick === 1 ? lock.write() : lock.upgradableRead();
        got = a.actor.start(future as Future<Held>);
      } else if (r < 0.2) {
        a.actor.drop();
      } else {
        got = a.actor.pollIfWoken();
      }
      if (got !== PENDING) {
        a.held = got;
        if (a.kind === "upgraded") upgraded++;
      }
      check(step);
      assertNoLostWakeUp(actors, `seed ${seed} step ${step}`);
    }
    assert.ok(upgraded > 10, `seed ${seed}: ${upgraded} upgrades completed`);
    for (const a of actors) {
      a.actor.drop();
      a.held?.release();
    }
    const writer = lock.tryWrite();
    assert.notEqual(writer, null, `seed ${seed}: every permit came back`);
    writer!.release();
    assert.notEqual(lock.tryUpgradableRead(), null, `seed ${seed}: the upgradable slot came back`);
    assert.equal(actors.reduce((n, a) => n + a.actor.task.live, 0), 0, `seed ${seed}: wakers ended`);
  }
});
