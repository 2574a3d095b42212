import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, Context, PENDING, type RawWakerVTable, Waker } from "@spindle/core";
import { Notify } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("notifyOne with nobody waiting keeps one permit, however often it is called", () => {
  const notify = new Notify();
  notify.notifyOne();
  notify.notifyOne();
  blockOn(notify.notified());
  const task = new TestTask();
  assert.equal(task.poll(notify.notified()), PENDING, "only one permit was kept");
});

test("notifyOne wakes the longest-waiting future only", () => {
  const notify = new Notify();
  const [a, b] = [new TestTask(), new TestTask()];
  const first = notify.notified();
  const second = notify.notified();
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  notify.notifyOne();
  assert.deepEqual([a.wakes, b.wakes], [1, 0]);
  assert.equal(a.poll(first), undefined);
  assert.equal(b.poll(second), PENDING);
});

test("notifyWaiters completes every notified() made before it, polled or not, and keeps no permit", () => {
  const notify = new Notify();
  const task = new TestTask();
  const polled = notify.notified();
  const unpolled = notify.notified();
  assert.equal(task.poll(polled), PENDING);
  notify.notifyWaiters();
  assert.equal(task.wakes, 1);
  assert.equal(task.poll(polled), undefined);
  assert.equal(task.poll(unpolled), undefined);
  assert.equal(task.poll(notify.notified()), PENDING, "notifyWaiters keeps no permit");
});

test("a notified() chosen by notifyOne but dropped before it ran passes the notification to the next waiter", () => {
  const notify = new Notify();
  const [a, b] = [new TestTask(), new TestTask()];
  const first = notify.notified();
  const second = notify.notified();
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  notify.notifyOne();
  first[Symbol.dispose]();
  assert.equal(b.wakes, 1);
  assert.equal(b.poll(second), undefined);
});

test("a dropped notified() with nobody behind it leaves the notification as the permit", () => {
  const notify = new Notify();
  const task = new TestTask();
  const waiting = notify.notified();
  assert.equal(task.poll(waiting), PENDING);
  notify.notifyOne();
  waiting[Symbol.dispose]();
  assert.equal(task.live, 0);
  assert.equal(task.poll(notify.notified()), undefined, "the permit was kept");
});

test("a pending notified() dropped without a notification leaves the queue", () => {
  const notify = new Notify();
  const [a, b] = [new TestTask(), new TestTask()];
  const first = notify.notified();
  const second = notify.notified();
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  first[Symbol.dispose]();
  notify.notifyOne();
  assert.equal(b.wakes, 1);
  assert.equal(b.poll(second), undefined);
});

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
