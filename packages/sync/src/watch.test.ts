import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING, SpindleError, STREAM_END } from "@spindle/core";
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

test("markChanged/markUnchanged set what this receiver has seen, and only its own", () => {
  const [tx, rx] = watch("a");
  const other = rx.clone();
  rx.markChanged();
  assert.equal(rx.hasChanged, true);
  assert.equal(other.hasChanged, false);
  assert.equal(blockOn(rx.changed()), undefined, "changed() completes at once on a value marked unseen");
  assert.equal(rx.hasChanged, false);
  tx.send("b");
  rx.markUnchanged();
  assert.equal(rx.hasChanged, false);
  const task = new TestTask();
  const changed = rx.changed();
  assert.equal(task.poll(changed), PENDING);
  tx.send("c");
  assert.equal(task.wakes, 1);
  assert.equal(task.poll(changed), undefined);
  tx.drop();
  other.markUnchanged();
  assert.throws(() => blockOn(other.changed()), ClosedError, "seen, and the senders are gone");
  other.markChanged();
  assert.equal(blockOn(other.changed()), undefined, "marked unseen: changed() completes though closed");
  other[Symbol.dispose]();
  assert.throws(() => other.markChanged(), (e) => e instanceof ClosedError && /markChanged\(\)/.test(e.message));
});

test("sendModify stores what modify returns and wakes receivers, without receivers too; a throwing modify announces nothing", () => {
  const [tx, rx] = watch(1);
  const task = new TestTask();
  const changed = rx.changed();
  assert.equal(task.poll(changed), PENDING);
  assert.throws(() =>
    tx.sendModify(() => {
      throw new RangeError("no");
    }), RangeError);
  assert.equal(task.wakes, 0);
  assert.equal(rx.borrow(), 1);
  tx.sendModify((n) => n + 1);
  assert.equal(task.wakes, 1);
  assert.equal(task.poll(changed), undefined);
  assert.equal(rx.borrowAndUpdate(), 2);
  rx[Symbol.dispose]();
  tx.sendModify((n) => n * 10); // no receiver: stored anyway, as tokio's send_modify
  assert.equal(tx.borrow(), 20);
  assert.throws(
    () => tx.sendModify(null as unknown as (n: number) => number),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /sendModify\(modify\).*null/.test(e.message),
  );
});

test("waitFor checks the current value first, then each new one; after the senders are gone the last one, then fails", () => {
  const [tx, rx] = watch(5);
  assert.equal(blockOn(rx.waitFor((n) => n === 5)), 5, "the current value, though seen, is checked");
  const task = new TestTask();
  const checked: number[] = [];
  const waiting = rx.waitFor((n) => {
    checked.push(n);
    return n > 7;
  });
  assert.equal(task.poll(waiting), PENDING);
  tx.send(6);
  tx.send(7);
  assert.equal(task.poll(waiting), PENDING);
  tx.send(9);
  assert.equal(task.poll(waiting), 9);
  assert.deepEqual(checked, [5, 7, 9], "only the latest value of each wake is checked");
  assert.equal(rx.hasChanged, false, "what it checked is marked seen");
  tx.send(1);
  tx.drop();
  assert.throws(
    () => blockOn(rx.waitFor((n) => n > 100)),
    (e) => e instanceof ClosedError && /waitFor/.test(e.message),
  );
  assert.equal(blockOn(rx.waitFor((n) => n === 1)), 1);
  assert.throws(
    () => rx.waitFor(3 as unknown as () => boolean),
    (e) => e instanceof SpindleError && /waitFor\(predicate\).*3/.test(e.message),
  );
});

test("a waitFor or closed() future dropped while pending leaves the wait list and keeps no waker", () => {
  const [tx, rx] = watch(0);
  const task = new TestTask();
  const waitFor = rx.waitFor((n) => n === 1);
  const closed = tx.closed();
  assert.equal(task.poll(waitFor), PENDING);
  assert.equal(task.poll(closed), PENDING);
  assert.equal(task.live, 2);
  waitFor[Symbol.dispose]();
  closed[Symbol.dispose]();
  assert.equal(task.live, 0);
  tx.send(1);
  rx[Symbol.dispose]();
  assert.equal(task.wakes, 0);
});

test("tx.closed() completes once the last receiver is dropped, whichever that is", () => {
  const [tx, rx] = watch(0);
  const second = tx.subscribe();
  const task = new TestTask();
  const closed = tx.closed();
  assert.equal(task.poll(closed), PENDING);
  rx[Symbol.dispose]();
  assert.equal(task.wakes, 0);
  second[Symbol.dispose]();
  assert.equal(task.wakes, 1);
  assert.equal(task.poll(closed), undefined);
  assert.throws(() => task.poll(closed), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
  tx.drop();
  assert.throws(() => tx.closed(), ClosedError);
});

test("isClosed: on the sender, no receiver left (until subscribe); on a receiver, every sender gone", () => {
  const [tx, rx] = watch(0);
  assert.deepEqual([tx.isClosed, rx.isClosed], [false, false]);
  rx.drop();
  assert.equal(tx.isClosed, true);
  const again = tx.subscribe();
  assert.equal(tx.isClosed, false);
  tx.drop();
  assert.equal(again.isClosed, true);
});
