// Slot numbers and shared memory that come from outside (a message, a record in shared memory)
// are checked before they are used: a bad one is an INVALID_ARGUMENT naming it, and wakes nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type RawWakerVTable,
  sharedWaker,
  type SharedWakerHandle,
  SpindleError,
  WAKE_TABLE_CAPACITY,
  Waker,
  wakeShared,
  WakeTable,
} from "./mod.ts";
import { countingWaker, microtaskErrorsOf } from "@spindle/test-support";

function invalid(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SpindleError, `expected a SpindleError, got ${String(error)}`);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.match(error.message, pattern);
    return true;
  };
}

const BAD_SLOTS: [unknown, RegExp][] = [
  [1.5, /got 1\.5$/],
  [NaN, /got NaN$/],
  [-1, /got -1$/],
  [WAKE_TABLE_CAPACITY, new RegExp(`got ${WAKE_TABLE_CAPACITY}$`)],
  [2 ** 32, /got 4294967296$/],
  [Infinity, /got Infinity$/],
  ["1", /got "1"$/],
  [undefined, /got undefined$/],
  [null, /got null$/],
];

test("a slot that is not an integer in the table wakes nothing and is an INVALID_ARGUMENT naming it", () => {
  const table = WakeTable.forThisThread();
  const zero = countingWaker();
  const one = countingWaker();
  const handles = [table.register(zero.waker), table.register(one.waker)];
  try {
    table.drain();
    for (const [slot, message] of BAD_SLOTS) {
      const handle = { buffer: table.buffer, slot } as unknown as SharedWakerHandle;
      assert.throws(() => wakeShared(handle), invalid(message), `wakeShared, slot ${String(slot)}`);
      assert.throws(() => sharedWaker(handle), invalid(message), `sharedWaker, slot ${String(slot)}`);
      assert.throws(() => table.unregister(handle), invalid(message), `unregister, slot ${String(slot)}`);
      assert.throws(() => table.update(handle, zero.waker), invalid(message), `update, slot ${String(slot)}`);
    }
    // Before the check, 1.5 woke slot 1 and NaN slot 0.
    assert.equal(table.drain(), 0);
    assert.equal(zero.woken() + one.woken(), 0);
    // The free list took no bad slot: the next registrations get integer slots.
    const again = table.register(Waker.noop());
    assert.ok(Number.isInteger(again.slot));
    table.unregister(again);
    wakeShared(handles[1]!);
    assert.equal(table.drain(), 1);
    assert.equal(one.woken(), 1);
  } finally {
    for (const handle of handles) table.unregister(handle);
  }
});

test("a handle whose buffer is not a wake table's is an INVALID_ARGUMENT naming it", () => {
  const cases: [unknown, RegExp][] = [
    [
      { buffer: new SharedArrayBuffer(64), slot: 0 },
      /buffer comes from WakeTable\.createBuffer\(\), got a SharedArrayBuffer$/,
    ],
    [{ buffer: new ArrayBuffer(WakeTable.createBuffer().byteLength), slot: 0 }, /got an ArrayBuffer$/],
    // A Proxy of a table's buffer passes instanceof; no view over it would share the table.
    [
      { buffer: new Proxy(WakeTable.createBuffer(), {}), slot: 0 },
      /buffer comes from WakeTable\.createBuffer\(\), got /,
    ],
    [{ buffer: undefined, slot: 0 }, /got undefined$/],
    [{ slot: 0 }, /got undefined$/],
    [null, /handle is \{ buffer, slot \} from WakeTable\.register\(\), got null$/],
    [7, /got 7$/],
  ];
  const table = WakeTable.forThisThread();
  for (const [handle, message] of cases) {
    assert.throws(() => wakeShared(handle as SharedWakerHandle), invalid(message));
    assert.throws(() => sharedWaker(handle as SharedWakerHandle), invalid(message));
  }
  assert.throws(() => table.unregister(null as unknown as SharedWakerHandle), invalid(/got null$/));
  assert.throws(
    () => WakeTable.forThisThread(new SharedArrayBuffer(64)),
    invalid(/needs a buffer from WakeTable\.createBuffer\(\)/),
  );
});

test("the first and last slots of a table are accepted", () => {
  const other = WakeTable.createBuffer(); // another thread's table, never drained here
  wakeShared({ buffer: other, slot: 0 });
  sharedWaker({ buffer: other, slot: WAKE_TABLE_CAPACITY - 1 }).wake();
  const view = new Int32Array(other);
  assert.equal(view[0], 2, "two wakes bumped the epoch");
});

test("waitSync refuses an epoch that is not an int32 and a timeout that would wait forever", () => {
  const table = WakeTable.forThisThread();
  assert.throws(() => table.waitSync(1.5, 0), invalid(/an epoch is an int32 read from WakeTable\.epoch, got 1\.5$/));
  assert.throws(() => table.waitSync(table.epoch, NaN), /timeout must be a number of milliseconds ≥ 0, got NaN/);
  assert.throws(() => table.waitSync(table.epoch, -1), RangeError);
  table.waitSync(table.epoch, 0); // returns at once
});

test("a waker that throws in a drain does not stop it: every other woken slot is woken, the error reported", () => {
  const table = WakeTable.forThisThread();
  const before = countingWaker();
  const after = countingWaker();
  const vtable: RawWakerVTable<null> = {
    clone: (data) => ({ data, vtable }),
    wake: () => {},
    wakeByRef: () => {
      throw new Error("waker");
    },
    drop: () => {},
  };
  const handles = [
    table.register(before.waker),
    table.register(Waker.fromRaw({ data: null, vtable })),
    table.register(after.waker),
  ];
  try {
    const reported = microtaskErrorsOf(() => {
      table.drain();
      for (const handle of handles) wakeShared(handle);
      // Before, the throw escaped the drain with the later bits already taken: those wakes were lost
      // (and the listening loop, which drains the same way, died with the error).
      assert.equal(table.drain(), 3);
    });
    assert.equal(before.counter.wakesByRef, 1);
    assert.equal(after.counter.wakesByRef, 1);
    assert.deepEqual(reported.map((e) => (e as Error).message), ["waker"]);
  } finally {
    for (const handle of handles) table.unregister(handle);
  }
});

test("register() wakes no waker before it returns, even over a stale wake of the slot it reuses", async () => {
  const table = WakeTable.forThisThread();
  const registeredBefore = table.registered;
  const stale = table.register(Waker.noop());
  table.unregister(stale);
  // A wake that lost its race with the unregister: its bit stays set. Its epoch bump ends the
  // listener, which finds no slot registered; a few turns of the event loop let it.
  wakeShared(stale);
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setTimeout(resolve, 2));
  let returned = false;
  let wokenInside = false;
  const reused = countingWaker(() => {
    if (!returned) wokenInside = true;
  });
  // Before, the listener started inside register() and drained at once: the reused slot's waker
  // ran before the handle was returned, so a future that polls itself from its waker (a join
  // handle awaited as a promise) registered a second slot, which the first assignment then lost.
  const handle = table.register(reused.waker);
  returned = true;
  try {
    assert.equal(wokenInside, false, "the waker ran inside register()");
    assert.equal(handle.slot, stale.slot, "the slot was reused");
  } finally {
    table.unregister(handle);
  }
  assert.equal(table.registered, registeredBefore);
});
