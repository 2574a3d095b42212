// tokio's tests/sync_notify.rs, ported onto the public API (PEER-TESTS-LOCKS.md maps each test).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Context, PENDING, type RawWakerVTable, Waker } from "@spindle/core";
import { Notify } from "@spindle/sync";
import { spawn } from "./test-support/peer-task.ts";

/** futures' `now_or_never`: one poll with a waker that does nothing, then the future is dropped. */
function nowOrNever<T>(future: { poll(cx: Context): T | typeof PENDING; [Symbol.dispose](): void }): boolean {
  const ready = future.poll(Context.noop()) !== PENDING;
  future[Symbol.dispose]();
  return ready;
}

test("tokio sync_notify notify_notified_one", () => {
  const notify = new Notify();
  const notified = spawn(notify.notified());
  notify.notifyOne();
  notified.ready();
});

test("tokio sync_notify notify_multi_notified_one", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  notified1.pending();
  notified2.pending();
  notify.notifyOne();
  notified1.ready();
  notified2.pending();
});

test("tokio sync_notify notify_multi_notified_last", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  notified1.pending();
  notified2.pending();
  notify.notifyLast();
  notified1.pending();
  notified2.ready();
});

test("tokio sync_notify notified_one_notify", () => {
  const notify = new Notify();
  const notified = spawn(notify.notified());
  notified.pending();
  notify.notifyOne();
  assert.ok(notified.isWoken());
  notified.ready();
});

test("tokio sync_notify notified_multi_notify", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  notified1.pending();
  notified2.pending();
  notify.notifyOne();
  assert.ok(notified1.isWoken());
  assert.ok(!notified2.isWoken());
  notified1.ready();
  notified2.pending();
});

test("tokio sync_notify notify_notified_multi: a kept permit serves one future, the next waits", () => {
  const notify = new Notify();
  notify.notifyOne();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  notified1.ready();
  notified2.pending();
  notify.notifyOne();
  assert.ok(notified2.isWoken());
  notified2.ready();
});

test("tokio sync_notify notified_drop_notified_notify", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  notified1.pending();
  notified1.drop();
  notified2.pending();
  notify.notifyOne();
  assert.ok(notified2.isWoken());
  notified2.ready();
});

test("tokio sync_notify notified_multi_notify_drop_one: the dropped chosen waiter passes the notification on", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  notified1.pending();
  notified2.pending();
  notify.notifyOne();
  assert.ok(notified1.isWoken());
  assert.ok(!notified2.isWoken());
  notified1.drop();
  assert.ok(notified2.isWoken());
  notified2.ready();
});

test("tokio sync_notify notified_multi_notify_one_drop", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  const notified3 = spawn(notify.notified());
  notified1.pending();
  notified2.pending();
  notified3.pending();
  notify.notifyOne();
  notified1.drop();
  notified2.ready();
  notified3.pending();
});

test("tokio sync_notify notified_multi_notify_last_drop", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  const notified3 = spawn(notify.notified());
  notified1.pending();
  notified2.pending();
  notified3.pending();
  notify.notifyLast();
  notified3.drop();
  notified2.ready();
  notified1.pending();
});

test("tokio sync_notify notify_in_drop_after_wake: a waker that notifies when dropped does not break notifyWaiters", () => {
  const notify = new Notify();
  let drops = 0;
  const vtable: RawWakerVTable<null> = {
    clone: () => ({ data: null, vtable }),
    wake: () => {
      drops++;
      notify.notifyWaiters();
    },
    wakeByRef: () => {},
    drop: () => {
      drops++;
      notify.notifyWaiters();
    },
  };
  const future = notify.notified();
  assert.equal(future.poll(new Context(Waker.fromRaw({ data: null, vtable }))), PENDING);
  notify.notifyWaiters();
  assert.equal(drops, 1, "the stored clone was ended once, by the first notifyWaiters");
  assert.notEqual(future.poll(Context.noop()), PENDING);
  // The queue is still sound: a later waiter is notified as usual.
  const later = spawn(notify.notified());
  later.pending();
  notify.notifyOne();
  later.ready();
});

test("tokio sync_notify notify_one_after_dropped_all", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  notified1.pending();
  notify.notifyWaiters();
  notify.notifyOne();
  notified1.drop();
  spawn(notify.notified()).ready();
});

test("tokio sync_notify test_notify_one_not_enabled", () => {
  const notify = new Notify();
  const future = spawn(notify.notified());
  notify.notifyOne();
  future.ready();
});

test("tokio sync_notify test_notify_one_after_enable", () => {
  const notify = new Notify();
  const notified = notify.notified();
  const future = spawn(notified);
  assert.equal(notified.enable(), false);
  notify.notifyOne();
  future.ready();
  assert.equal(notified.enable(), true);
});

test("tokio sync_notify test_poll_after_enable", () => {
  const notify = new Notify();
  const notified = notify.notified();
  assert.equal(notified.enable(), false);
  spawn(notified).pending();
});

test("tokio sync_notify test_enable_after_poll", () => {
  const notify = new Notify();
  const notified = notify.notified();
  spawn(notified).pending();
  assert.equal(notified.enable(), false);
});

test("tokio sync_notify test_enable_consumes_permit", () => {
  const notify = new Notify();
  notify.notifyOne();
  assert.equal(notify.notified().enable(), true);
  assert.equal(notify.notified().enable(), false);
});

test("tokio sync_notify test_waker_update: the waker of the latest poll is the one woken", () => {
  const notify = new Notify();
  const notified = notify.notified();
  assert.equal(notified.poll(Context.noop()), PENDING);
  const future = spawn(notified);
  future.pending();
  notify.notifyOne();
  assert.ok(future.isWoken());
});

test("tokio sync_notify unpolled_future_completed_by_notify_waiters_preserves_notify_one_permit", () => {
  const notify = new Notify();
  const notified1 = notify.notified();
  notify.notifyWaiters();
  notify.notifyOne();
  assert.ok(nowOrNever(notified1));
  assert.ok(nowOrNever(notify.notified()));
});
