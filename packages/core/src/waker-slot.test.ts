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
import { countingWaker } from "@spindle/test-support";

test("a waker slot keeps one clone per task however often it registers, and wakes it once", () => {
  const { waker, counter } = countingWaker();
  const slot = new WakerSlot();
  slot.register(waker);
  slot.register(waker);
  assert.equal(counter.clones, 1);
  assert.equal(counter.live, 2); // the original and the slot's one clone
  assert.equal(slot.isEmpty, false);
  slot.wake();
  slot.wake();
  assert.deepEqual(counter, { clones: 1, wakes: 1, wakesByRef: 0, drops: 0, live: 1 });
  assert.equal(slot.isEmpty, true);
});

test("registering another task's waker drops the stored clone", () => {
  const first = countingWaker();
  const second = countingWaker();
  const slot = new WakerSlot();
  slot.register(first.waker);
  slot.register(second.waker);
  assert.deepEqual(first.counter, { clones: 1, wakes: 0, wakesByRef: 0, drops: 1, live: 1 });
  assert.equal(second.counter.live, 2);
  slot.drop();
  assert.deepEqual(second.counter, { clones: 1, wakes: 0, wakesByRef: 0, drops: 1, live: 1 });
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
  assert.deepEqual(counter, { clones: 1, wakes: 0, wakesByRef: 0, drops: 1, live: 1 });
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
  assert.deepEqual(counter, { clones: 2, wakes: 1, wakesByRef: 0, drops: 1, live: 1 });
});
