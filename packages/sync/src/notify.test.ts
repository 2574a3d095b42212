import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING } from "@spindle/core";
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
