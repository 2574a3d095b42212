import assert from "node:assert/strict";
import { test } from "node:test";
import { Context, PENDING, type RawWakerVTable, Waker } from "@spindle/core";
import { Notify } from "./mod.ts";

// A waker that throws is reported by core (a microtask), never thrown into the code that wakes:
// a wait list emptied before it wakes its nodes used to stop at the throw, the rest never woken.

test("a waiter whose waker throws does not keep notifyWaiters from waking the waiters after it", () => {
  const notify = new Notify();
  const woken: number[] = [];
  const contextOf = (i: number): Context => {
    const vtable: RawWakerVTable<null> = {
      clone: (data) => ({ data, vtable }),
      wake: () => {
        woken.push(i);
        if (i === 0) throw new Error("waker");
      },
      wakeByRef: () => vtable.wake(null),
      drop: () => {},
    };
    return new Context(Waker.fromRaw({ data: null, vtable }));
  };
  const waiters = [0, 1, 2].map((i) => {
    const notified = notify.notified();
    assert.equal(notified.poll(contextOf(i)), PENDING);
    return notified;
  });
  const reported: unknown[] = [];
  const queue = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (task) => {
    try {
      task();
    } catch (error) {
      reported.push(error);
    }
  };
  try {
    notify.notifyWaiters(); // the wait list was emptied first: a throw left waiters 1 and 2 unwoken for good
  } finally {
    globalThis.queueMicrotask = queue;
  }
  assert.deepEqual(woken, [0, 1, 2]);
  assert.deepEqual(reported.map((e) => (e as Error).message), ["waker"]);
  for (const notified of waiters) assert.equal(notified.poll(Context.noop()), undefined);
});
