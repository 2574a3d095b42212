import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING, STREAM_END } from "@spindle/core";
import { ClosedError, SendError, watch } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("receivers read the latest value; changed() waits for a value they have not seen", () => {
  const [tx, rx] = watch("a");
  assert.equal(rx.borrow(), "a");
  assert.equal(rx.hasChanged, false);
  const task = new TestTask();
  const changed = rx.changed();
  assert.equal(task.poll(changed), PENDING);
  tx.send("b");
  tx.send("c");
  assert.equal(task.wakes, 1);
  assert.equal(task.poll(changed), undefined);
  assert.equal(rx.hasChanged, false, "changed() marked the value seen");
  assert.equal(rx.borrow(), "c");
});

test("as a stream a receiver yields only the latest unseen value, then ends when the senders are gone", () => {
  const [tx, rx] = watch(0);
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  tx.send(1);
  tx.send(2);
  assert.equal(task.pollNext(rx), 2);
  assert.equal(task.pollNext(rx), PENDING);
  tx.drop();
  assert.equal(task.wakes, 2);
  assert.equal(task.pollNext(rx), STREAM_END);
});

test("changed() fails with ClosedError once every sender is gone and nothing new is there", () => {
  const [tx, rx] = watch(1);
  const task = new TestTask();
  const changed = rx.changed();
  assert.equal(task.poll(changed), PENDING);
  tx.send(2);
  tx.drop();
  assert.equal(task.poll(changed), undefined, "the value sent before the drop still counts");
  assert.throws(() => blockOn(rx.changed()), (e) => e instanceof ClosedError && e.what === "channel");
});

test("subscribe() and clone() make receivers that remember what they saw", () => {
  const [tx, rx] = watch("v0");
  tx.send("v1");
  const fresh = tx.subscribe();
  const copy = rx.clone();
  assert.equal(fresh.hasChanged, false);
  assert.equal(copy.hasChanged, true);
  assert.equal(copy.borrowAndUpdate(), "v1");
  assert.equal(rx.hasChanged, true, "the clone's progress is its own");
});

test("send with no receiver left fails with SendError; sendReplace stores the value anyway", () => {
  const [tx, rx] = watch(1);
  rx[Symbol.dispose]();
  assert.throws(() => tx.send(2), (e) => e instanceof SendError && e.value === 2);
  assert.equal(tx.sendReplace(3), 1);
  assert.equal(tx.subscribe().borrow(), 3);
  assert.throws(() => rx.borrow(), ClosedError);
});

test("a dropped changed() future leaves the waiting list and drops its waker", () => {
  const [tx, rx] = watch(0);
  const task = new TestTask();
  const changed = rx.changed();
  assert.equal(task.poll(changed), PENDING);
  changed[Symbol.dispose]();
  assert.equal(task.live, 0);
  tx.send(1);
  assert.equal(task.wakes, 0);
  assert.equal(rx.hasChanged, true, "the dropped future marked nothing seen");
});
