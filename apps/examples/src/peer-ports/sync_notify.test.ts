// Port of tokio/tests/sync_notify.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's Notify, written from the package README.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Context, PENDING, type RawWakerVTable, Waker } from "@spindle/core";
import { Notify } from "@spindle/sync";
import { pending, ready, spawn } from "./support.ts";

test("notify_notified_one", () => {
  const notify = new Notify();
  const notified = spawn(notify.notified());
  notify.notifyOne();
  ready(notified.poll());
});

test("notify_multi_notified_one", () => {
  const notify = new Notify();
  const n1 = spawn(notify.notified());
  const n2 = spawn(notify.notified());
  pending(n1.poll());
  pending(n2.poll());
  notify.notifyOne();
  ready(n1.poll());
  pending(n2.poll());
});

test("notified_one_notify", () => {
  const notify = new Notify();
  const notified = spawn(notify.notified());
  pending(notified.poll());
  notify.notifyOne();
  assert.ok(notified.isWoken());
  ready(notified.poll());
});

test("notified_multi_notify", () => {
  const notify = new Notify();
  const n1 = spawn(notify.notified());
  const n2 = spawn(notify.notified());
  pending(n1.poll());
  pending(n2.poll());
  notify.notifyOne();
  assert.ok(n1.isWoken());
  assert.ok(!n2.isWoken());
  ready(n1.poll());
  pending(n2.poll());
});

test("notify_notified_multi", () => {
  const notify = new Notify();
  notify.notifyOne();
  const n1 = spawn(notify.notified());
  const n2 = spawn(notify.notified());
  ready(n1.poll());
  pending(n2.poll());
  notify.notifyOne();
  assert.ok(n2.isWoken());
  ready(n2.poll());
});

test("notified_drop_notified_notify", () => {
  const notify = new Notify();
  const n1 = spawn(notify.notified());
  const n2 = spawn(notify.notified());
  pending(n1.poll());
  n1.drop();
  pending(n2.poll());
  notify.notifyOne();
  assert.ok(n2.isWoken());
  ready(n2.poll());
});

test("notified_multi_notify_drop_one", () => {
  const notify = new Notify();
  const n1 = spawn(notify.notified());
  const n2 = spawn(notify.notified());
  pending(n1.poll());
  pending(n2.poll());
  notify.notifyOne();
  assert.ok(n1.isWoken());
  assert.ok(!n2.isWoken());
  n1.drop(); // chosen but dropped before it ran: the notification passes on
  assert.ok(n2.isWoken());
  ready(n2.poll());
});

test("notified_multi_notify_one_drop", () => {
  const notify = new Notify();
  const n1 = spawn(notify.notified());
  const n2 = spawn(notify.notified());
  const n3 = spawn(notify.notified());
  pending(n1.poll());
  pending(n2.poll());
  pending(n3.poll());
  notify.notifyOne();
  n1.drop();
  ready(n2.poll());
  pending(n3.poll());
});

test("notify_in_drop_after_wake", () => {
  // A waker whose drop (and consuming wake) calls notifyWaiters again, from inside notifyWaiters.
  const notify = new Notify();
  let reentered = 0;
  const vtable: RawWakerVTable<null> = {
    clone: (data) => ({ data, vtable }),
    wake: () => {
      reentered++;
      notify.notifyWaiters();
    },
    wakeByRef: () => {},
    drop: () => {
      reentered++;
      notify.notifyWaiters();
    },
  };
  const fut = notify.notified();
  const cx = new Context(Waker.fromRaw({ data: null, vtable }));
  assert.equal(fut.poll(cx), PENDING);
  notify.notifyWaiters();
  assert.ok(reentered >= 1, "the stored waker was woken or dropped");
  assert.notEqual(fut.poll(Context.noop()), PENDING);
});

test("notify_one_after_dropped_all", () => {
  const notify = new Notify();
  const n1 = spawn(notify.notified());
  pending(n1.poll());
  notify.notifyWaiters();
  notify.notifyOne();
  n1.drop();
  const n2 = spawn(notify.notified());
  ready(n2.poll());
});

test("test_notify_one_not_enabled", () => {
  const notify = new Notify();
  const future = spawn(notify.notified());
  notify.notifyOne();
  ready(future.poll());
});

test("test_waker_update", () => {
  const notify = new Notify();
  const future = spawn(notify.notified());
  assert.equal(future.future.poll(Context.noop()), PENDING);
  pending(future.poll()); // the latest waker replaces the noop one
  notify.notifyOne();
  assert.ok(future.isWoken());
});

test("unpolled_future_completed_by_notify_waiters_preserves_notify_one_permit", () => {
  const notify = new Notify();
  const n1 = notify.notified();
  notify.notifyWaiters();
  notify.notifyOne();
  assert.notEqual(n1.poll(Context.noop()), PENDING);
  const n2 = notify.notified();
  assert.notEqual(n2.poll(Context.noop()), PENDING);
});

test("notify_multi_notified_last", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  pending(notified1.poll());
  pending(notified2.poll());
  notify.notifyLast();
  pending(notified1.poll());
  ready(notified2.poll());
});

test("notified_multi_notify_last_drop", () => {
  const notify = new Notify();
  const notified1 = spawn(notify.notified());
  const notified2 = spawn(notify.notified());
  const notified3 = spawn(notify.notified());
  pending(notified1.poll());
  pending(notified2.poll());
  pending(notified3.poll());
  notify.notifyLast();
  notified3.drop(); // its notification goes to the waiter now last
  ready(notified2.poll());
  pending(notified1.poll());
});

// tokio's `future.enter(|_, fut| fut.enable())` is a call on the future itself.
test("test_notify_one_after_enable", () => {
  const notify = new Notify();
  const notified = notify.notified();
  const future = spawn(notified);
  assert.equal(notified.enable(), false);
  notify.notifyOne();
  ready(future.poll());
  assert.equal(notified.enable(), true);
});

test("test_poll_after_enable", () => {
  const notify = new Notify();
  const notified = notify.notified();
  const future = spawn(notified);
  assert.equal(notified.enable(), false);
  pending(future.poll());
});

test("test_enable_after_poll", () => {
  const notify = new Notify();
  const notified = notify.notified();
  const future = spawn(notified);
  pending(future.poll());
  assert.equal(notified.enable(), false);
});

test("test_enable_consumes_permit", () => {
  const notify = new Notify();
  notify.notifyOne(); // a permit
  assert.equal(notify.notified().enable(), true);
  assert.equal(notify.notified().enable(), false);
});
