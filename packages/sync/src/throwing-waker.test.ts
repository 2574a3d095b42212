import assert from "node:assert/strict";
import { test } from "node:test";
import { Context, PENDING } from "@spindle/core";
import { microtaskErrorsOf, wakeLogContext } from "@spindle/test-support";
import { Notify } from "./mod.ts";

// A waker that throws is reported by core (a microtask), never thrown into the code that wakes:
// a wait list emptied before it wakes its nodes used to stop at the throw, the rest never woken.

test("a waiter whose waker throws does not keep notifyWaiters from waking the waiters after it", () => {
  const notify = new Notify();
  const woken: number[] = [];
  const waiters = [0, 1, 2].map((i) => {
    const notified = notify.notified();
    assert.equal(notified.poll(wakeLogContext(i, woken, i === 0)), PENDING);
    return notified;
  });
  // The wait list was emptied first: a throw left waiters 1 and 2 unwoken for good.
  const reported = microtaskErrorsOf(() => notify.notifyWaiters());
  assert.deepEqual(woken, [0, 1, 2]);
  assert.deepEqual(reported.map((e) => (e as Error).message), ["waker"]);
  for (const notified of waiters) assert.equal(notified.poll(Context.noop()), undefined);
});
