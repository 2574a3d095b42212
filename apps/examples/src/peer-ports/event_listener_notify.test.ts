// Port of smol-rs/event-listener tests/notify.rs (smol-rs/event-listener
// 2e9db2123c6936615d317c07064c0c7fdec21fee) onto @spindle/sync's Notify, written from the package
// README: `listen()` is a `notified()` future joined at once (`enable()`), `notify(1)` on
// listeners none of which is notified is `notifyOne()`, `notify(usize::MAX)` is `notifyWaiters()`.
// `notify`, `notify_additional` and `drop_notified2` count listeners notified already (README of
// the ports: not portable).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Context, type Future, PENDING, type RawWakerVTable, Waker } from "@spindle/core";
import { type Notified, Notify } from "@spindle/sync";

/** event-listener's `listen()`: a listener in the queue from now on. */
function listen(event: Notify): Notified {
  const listener = event.notified();
  listener.enable();
  return listener;
}

/** event-listener's `is_notified`: one poll with a waker that does nothing. */
function isNotified(listener: Future<void>): boolean {
  return listener.poll(Context.noop()) !== PENDING;
}

test("notify_one", () => {
  const event = new Notify();
  const l1 = listen(event);
  const l2 = listen(event);
  assert.ok(!isNotified(l1));
  assert.ok(!isNotified(l2));
  event.notifyOne();
  assert.ok(isNotified(l1));
  assert.ok(!isNotified(l2));
  event.notifyOne();
  assert.ok(isNotified(l2));
});

test("notify_all", () => {
  const event = new Notify();
  const l1 = listen(event);
  const l2 = listen(event);
  assert.ok(!isNotified(l1));
  assert.ok(!isNotified(l2));
  event.notifyWaiters();
  assert.ok(isNotified(l1));
  assert.ok(isNotified(l2));
});

test("drop_notified", () => {
  const event = new Notify();
  const l1 = listen(event);
  const l2 = listen(event);
  const l3 = listen(event);
  event.notifyOne();
  l1[Symbol.dispose]();
  assert.ok(isNotified(l2));
  assert.ok(!isNotified(l3));
});

test("drop_notified_additional", () => {
  const event = new Notify();
  const l1 = listen(event);
  const l2 = listen(event);
  const l3 = listen(event);
  const l4 = listen(event);
  event.notifyOne(); // notify_additional(1)
  event.notifyOne(); // notify(2): one more
  l1[Symbol.dispose]();
  assert.ok(isNotified(l2));
  assert.ok(isNotified(l3));
  assert.ok(!isNotified(l4));
});

test("drop_non_notified", () => {
  const event = new Notify();
  const l1 = listen(event);
  const l2 = listen(event);
  const l3 = listen(event);
  event.notifyOne();
  l3[Symbol.dispose]();
  assert.ok(isNotified(l1));
  assert.ok(!isNotified(l2));
});

test("notify_all_fair", () => {
  const event = new Notify();
  const woken: number[] = [];
  const wakerOf = (id: number): Context => {
    const vtable: RawWakerVTable<number> = {
      clone: (n) => ({ data: n, vtable }),
      wake: (n) => woken.push(n),
      wakeByRef: (n) => woken.push(n),
      drop: () => {},
    };
    return new Context(Waker.fromRaw({ data: id, vtable }));
  };
  const listeners = [1, 2, 3].map(() => listen(event));
  listeners.forEach((l, i) => assert.equal(l.poll(wakerOf(i + 1)), PENDING));
  event.notifyWaiters();
  assert.deepEqual(woken, [1, 2, 3]);
  listeners.forEach((l, i) => assert.notEqual(l.poll(wakerOf(i + 1)), PENDING));
});
