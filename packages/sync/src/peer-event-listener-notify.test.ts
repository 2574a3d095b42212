// smol's event-listener tests/notify.rs, where an `Event` maps onto `Notify`: `listen()` is a
// `notified()` future joined at once (`enable()`), `notify(1)` is `notifyOne()` when no listener
// is notified yet, `notify(usize::MAX)` is `notifyWaiters()`. PEER-TESTS-LOCKS.md maps each test
// and says why the counted `notify(n)` tests do not map.
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

test("event-listener notify_one: each notifyOne notifies the next listener in order", () => {
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

test("event-listener notify_all: notifyWaiters notifies every listener", () => {
  const event = new Notify();
  const l1 = listen(event);
  const l2 = listen(event);
  assert.ok(!isNotified(l1));
  assert.ok(!isNotified(l2));
  event.notifyWaiters();
  assert.ok(isNotified(l1));
  assert.ok(isNotified(l2));
});

test("event-listener drop_notified: a notified listener dropped passes the notification to the next", () => {
  const event = new Notify();
  const l1 = listen(event);
  const l2 = listen(event);
  const l3 = listen(event);
  event.notifyOne();
  l1[Symbol.dispose]();
  assert.ok(isNotified(l2));
  assert.ok(!isNotified(l3));
});

test("event-listener drop_notified_additional: two notified, the first dropped: the second and third are notified, the fourth not", () => {
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

test("event-listener drop_non_notified: a listener dropped before it was notified takes nothing", () => {
  const event = new Notify();
  const l1 = listen(event);
  const l2 = listen(event);
  const l3 = listen(event);
  event.notifyOne();
  l3[Symbol.dispose]();
  assert.ok(isNotified(l1));
  assert.ok(!isNotified(l2));
});

test("event-listener notify_all_fair: notifyWaiters wakes the listeners in the order they joined", () => {
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
