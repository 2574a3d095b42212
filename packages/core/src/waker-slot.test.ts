import assert from "node:assert/strict";
import { test } from "node:test";
import {
  dropRawWaker,
  type RawWaker,
  type RawWakerVTable,
  replaceRawWaker,
  Waker,
  wakeRawWaker,
  WakerSlot,
} from "./mod.ts";

interface Counter {
  wakes: number;
  drops: number;
  live: number;
}

/** A waker whose clones are counted: `live` is the number of clones not yet woken or dropped. */
function countingWaker(): { waker: Waker; counter: Counter } {
  const counter: Counter = { wakes: 0, drops: 0, live: 0 };
  const vtable: RawWakerVTable<Counter> = {
    clone: (c) => {
      c.live++;
      return { data: c, vtable };
    },
    wake: (c) => {
      c.wakes++;
      c.live--;
    },
    wakeByRef: (c) => {
      c.wakes++;
    },
    drop: (c) => {
      c.drops++;
      c.live--;
    },
  };
  return { waker: Waker.fromRaw({ data: counter, vtable }), counter };
}

test("a waker slot keeps one clone per task however often it registers, and wakes it once", () => {
  const { waker, counter } = countingWaker();
  const slot = new WakerSlot();
  slot.register(waker);
  slot.register(waker);
  assert.equal(counter.live, 1);
  assert.equal(slot.isEmpty, false);
  slot.wake();
  slot.wake();
  assert.deepEqual(counter, { wakes: 1, drops: 0, live: 0 });
  assert.equal(slot.isEmpty, true);
});

test("registering another task's waker drops the stored clone", () => {
  const first = countingWaker();
  const second = countingWaker();
  const slot = new WakerSlot();
  slot.register(first.waker);
  slot.register(second.waker);
  assert.deepEqual(first.counter, { wakes: 0, drops: 1, live: 0 });
  assert.equal(second.counter.live, 1);
  slot.drop();
  assert.deepEqual(second.counter, { wakes: 0, drops: 1, live: 0 });
});

test("a waker slot is empty while its waker's wake runs", () => {
  const slot = new WakerSlot();
  let emptyDuringWake: boolean | undefined;
  const vtable: RawWakerVTable<null> = {
    clone: () => ({ data: null, vtable }),
    wake: () => {
      emptyDuringWake = slot.isEmpty;
    },
    wakeByRef: () => {},
    drop: () => {},
  };
  slot.register(Waker.fromRaw({ data: null, vtable }));
  slot.wake();
  assert.equal(emptyDuringWake, true);
});

test("disposing a waker slot drops its waker without waking", () => {
  const { waker, counter } = countingWaker();
  const slot = new WakerSlot();
  slot.register(waker);
  slot[Symbol.dispose]();
  slot[Symbol.dispose]();
  assert.deepEqual(counter, { wakes: 0, drops: 1, live: 0 });
});

test("wakeRawWaker and dropRawWaker end a stored raw waker once and leave null", () => {
  const { waker, counter } = countingWaker();
  let stored: RawWaker<unknown> | null = replaceRawWaker(null, waker);
  stored = wakeRawWaker(stored);
  assert.equal(stored, null);
  assert.equal(wakeRawWaker(stored), null);
  stored = replaceRawWaker(stored, waker);
  stored = dropRawWaker(stored);
  assert.equal(dropRawWaker(stored), null);
  assert.deepEqual(counter, { wakes: 1, drops: 1, live: 0 });
});
