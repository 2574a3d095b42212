import assert from "node:assert/strict";
import { test } from "node:test";
import { PENDING } from "@spindle/core";
import { countingWaker } from "@spindle/test-support";
import { broadcast, Notify } from "./mod.ts";

// A waker may run code synchronously (a custom waker, a waker that polls): when the first waiter's
// wake drops the last one during a wake-all pass, the list must stay whole, so that the waiters
// queued afterwards are still found.

test("Notify.notifyWaiters: a waiter dropped by an earlier one's wake is not woken, and later waiters are still notified", () => {
  const notify = new Notify();
  const first = notify.notified();
  const last = notify.notified();
  const dropper = countingWaker(() => last[Symbol.dispose]());
  const dropped = countingWaker();
  assert.equal(first.poll(dropper.cx), PENDING);
  assert.equal(last.poll(dropped.cx), PENDING);
  notify.notifyWaiters();
  assert.equal(dropper.woken(), 1);
  assert.equal(dropped.woken(), 0);
  assert.equal(dropped.counter.live, 1, "the dropped waiter's waker clone was released");
  const later = notify.notified();
  const laterWaker = countingWaker();
  assert.equal(later.poll(laterWaker.cx), PENDING);
  notify.notifyOne();
  assert.equal(laterWaker.woken(), 1, "the waiter queued after the pass is found by notifyOne");
  assert.equal(later.poll(laterWaker.cx), undefined);
});

test("broadcast: a receiver dropped by another receiver's wake leaves the receivers subscribed later reachable", () => {
  const [sender, first] = broadcast<number>(4);
  const last = sender.subscribe();
  const dropper = countingWaker(() => last[Symbol.dispose]());
  const dropped = countingWaker();
  assert.equal(first.pollNext(dropper.cx), PENDING);
  assert.equal(last.pollNext(dropped.cx), PENDING);
  sender.send(1);
  assert.equal(dropper.woken(), 1);
  assert.equal(dropped.woken(), 0);
  const later = sender.subscribe();
  const laterWaker = countingWaker();
  assert.equal(later.pollNext(laterWaker.cx), PENDING);
  sender.send(2);
  assert.equal(laterWaker.woken(), 1, "the receiver subscribed after the pass is woken by the next send");
  assert.equal(later.pollNext(laterWaker.cx), 2);
});
