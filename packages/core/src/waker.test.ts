import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Context,
  LocalExecutor,
  PENDING,
  pollFn,
  type RawWakerVTable,
  replaceRawWaker,
  replaceWaker,
  SpindleError,
  Waker,
  wakeRawWaker,
  WakerSlot,
} from "./mod.ts";
import { countingWaker, microtaskErrorsOf } from "@spindle/test-support";

test("every clone is balanced by exactly one wake or drop", () => {
  const { waker, counter } = countingWaker();
  const clones = Array.from({ length: 10 }, () => waker.clone());
  clones.forEach((clone, i) => (i % 2 === 0 ? clone.wake() : clone.drop()));
  waker.wakeByRef();
  waker.drop();
  assert.deepEqual(counter, { clones: 10, wakes: 5, wakesByRef: 1, drops: 6, live: 0 });
});

test("a consuming wake is never followed by a drop", () => {
  const { waker, counter } = countingWaker();
  waker.wake();
  waker.drop();
  waker[Symbol.dispose]();
  assert.equal(counter.wakes, 1);
  assert.equal(counter.drops, 0);
  assert.equal(waker.isConsumed, true);
});

test("using a woken waker throws WAKER_CONSUMED", () => {
  const { waker } = countingWaker();
  waker.wake();
  for (const use of [() => waker.wake(), () => waker.wakeByRef(), () => waker.clone()]) {
    assert.throws(use, (e: unknown) => e instanceof SpindleError && e.code === "WAKER_CONSUMED");
  }
});

test("willWake compares data and vtable", () => {
  const a = countingWaker();
  const b = countingWaker();
  const copy = a.waker.clone();
  assert.equal(a.waker.willWake(copy), true);
  assert.equal(a.waker.willWake(b.waker), false);
  copy.drop();
  assert.equal(a.waker.willWake(copy), false);
});

test("replaceWaker keeps a waker for the same task and swaps one for another", () => {
  const a = countingWaker();
  const b = countingWaker();
  const stored = replaceWaker(null, a.waker);
  assert.equal(replaceWaker(stored, a.waker), stored);
  assert.equal(a.counter.clones, 1);
  const swapped = replaceWaker(stored, b.waker);
  assert.equal(swapped.willWake(b.waker), true);
  assert.equal(a.counter.drops, 1);
});

test("the noop waker does nothing and can be cloned", () => {
  const noop = Waker.noop();
  const copy = noop.clone();
  copy.wake();
  noop.wakeByRef();
  assert.equal(noop.willWake(Waker.noop()), true);
});

/** A waker whose wake and wakeByRef throw after counting, and the reports made meanwhile by `run`. */
function withThrowingWake(run: (waker: () => Waker, wakes: { count: number }) => void): unknown[] {
  const wakes = { count: 0 };
  const vtable: RawWakerVTable<null> = {
    clone: (data) => ({ data, vtable }),
    wake: () => {
      wakes.count++;
      throw new Error("wake");
    },
    wakeByRef: () => {
      wakes.count++;
      throw new Error("wakeByRef");
    },
    drop: () => {},
  };
  return microtaskErrorsOf(() => run(() => Waker.fromRaw({ data: null, vtable }), wakes));
}

test("a vtable wake that throws is reported in a microtask, never thrown into the code that wakes", () => {
  let wakes = 0;
  const reported = withThrowingWake((make, counted) => {
    make().wake();
    const waker = make();
    waker.wakeByRef();
    waker.drop();
    const slot = new WakerSlot();
    slot.register(make());
    slot.wake();
    assert.ok(slot.isEmpty);
    assert.equal(wakeRawWaker(replaceRawWaker(null, make())), null);
    wakes = counted.count;
  });
  assert.equal(wakes, 4);
  assert.deepEqual(reported.map((e) => (e as Error).message), ["wake", "wakeByRef", "wake", "wake"]);
});

test("a task that settles wakes its joiner through the same guard: a joiner whose wake throws is reported", () => {
  const executor = new LocalExecutor();
  const reported = withThrowingWake((make, counted) => {
    const handle = executor.spawn(pollFn(() => PENDING));
    assert.equal(handle.poll(new Context(make())), PENDING); // the joiner: a waker that throws
    handle.abort(); // settles the task, which wakes its joiner
    assert.equal(counted.count, 1);
    assert.equal(handle.isFinished, true);
  });
  assert.deepEqual(reported.map((e) => (e as Error).message), ["wake"]);
  executor.close();
});
