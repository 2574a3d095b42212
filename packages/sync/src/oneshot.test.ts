import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Coroutine,
  isFuture,
  isStream,
  LocalExecutor,
  PENDING,
  STREAM_END,
  yieldNow,
} from "@spindle/core";
import { ClosedError, oneshot, SendError } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("the receiver is a future of the value sent from another task", async () => {
  const [tx, rx] = oneshot<number>();
  const executor = new LocalExecutor();
  const got = executor.spawn(rx);
  executor.spawn(function* (): Coroutine<void> {
    yield* yieldNow();
    tx.send(42);
  }());
  await executor.run();
  assert.equal(await got, 42);
});

test("the receiver is also a stream of at most one item", () => {
  const [tx, rx] = oneshot<string>();
  assert.ok(isStream(rx) && isFuture(rx));
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  tx.send("only");
  assert.equal(task.wakes, 1);
  assert.equal(task.pollNext(rx), "only");
  assert.equal(task.pollNext(rx), STREAM_END);
});

test("a sender dropped without sending fails the receiver with ClosedError (and ends the stream)", () => {
  const [tx, rx] = oneshot<number>();
  const task = new TestTask();
  assert.equal(task.poll(rx), PENDING);
  tx[Symbol.dispose]();
  assert.equal(task.wakes, 1);
  assert.throws(() => task.poll(rx), (e) => e instanceof ClosedError && e.what === "channel");
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("send after the receiver was dropped fails with SendError handing the value back", () => {
  const [tx, rx] = oneshot<{ big: string }>();
  assert.equal(tx.isClosed, false);
  rx[Symbol.dispose]();
  assert.equal(tx.isClosed, true);
  const value = { big: "payload" };
  assert.throws(() => tx.send(value), (e) => e instanceof SendError && e.value === value);
  assert.throws(() => rx.tryRecv(), ClosedError);
});

test("a second send throws ClosedError; the value sent first is kept", () => {
  const [tx, rx] = oneshot<number>();
  tx.send(1);
  assert.throws(() => tx.send(2), (e) => e instanceof ClosedError && e.what === "sender");
  assert.equal(blockOn(rx), 1);
});

test("a dropped pending receive (next(rx)) leaves the value for the receiver", () => {
  const [tx, rx] = oneshot<number>();
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  tx.send(9);
  assert.equal(rx.tryRecv(), 9);
});

test("tx.closed() completes when the receiver is dropped or closed; several may wait and one dropped leaves the others", () => {
  for (const end of ["drop", "close"] as const) {
    const [tx, rx] = oneshot<number>();
    const [a, b, c] = [new TestTask(), new TestTask(), new TestTask()];
    const fa = tx.closed();
    const fb = tx.closed();
    const fc = tx.closed();
    assert.equal(a.poll(fa), PENDING);
    assert.equal(b.poll(fb), PENDING);
    assert.equal(c.poll(fc), PENDING);
    fb[Symbol.dispose](); // a waiter dropped: no wake lost for the others, its waker released
    assert.equal(b.live, 0);
    if (end === "drop") rx[Symbol.dispose]();
    else rx.close();
    assert.deepEqual([a.wakes, b.wakes, c.wakes], [1, 0, 1], end);
    assert.equal(a.poll(fa), undefined);
    assert.equal(c.poll(fc), undefined);
    assert.equal(a.live + c.live, 0, "no waker kept after completing");
    assert.throws(() => a.poll(fa), (e) => e instanceof Error && /polled after it completed/.test(e.message));
    assert.equal(tx.isClosed, true);
  }
});

test("tx.closed() also completes once the sender sent or was dropped (nothing can be sent any more)", () => {
  const [tx, rx] = oneshot<number>();
  const task = new TestTask();
  const closed = tx.closed();
  assert.equal(task.poll(closed), PENDING);
  tx.send(1);
  assert.equal(task.wakes, 1);
  assert.equal(task.poll(closed), undefined);
  assert.equal(blockOn(tx.closed()), undefined, "after the send it is ready at once");
  assert.equal(rx.tryRecv(), 1);
  const [tx2] = oneshot<number>();
  tx2.drop();
  assert.equal(blockOn(tx2.closed()), undefined);
});

test("rx.close() refuses later sends (SendError saying so) but keeps a value sent before", () => {
  const [tx, rx] = oneshot<string>();
  rx.close();
  rx.close(); // idempotent
  assert.throws(
    () => tx.send("late"),
    (e) => e instanceof SendError && e.value === "late" && /closed the channel/.test(e.message),
  );
  assert.throws(() => blockOn(rx), (e) => e instanceof ClosedError && /receiver closed the channel/.test(e.message));

  const [tx2, rx2] = oneshot<string>();
  tx2.send("kept");
  rx2.close();
  assert.equal(rx2.isEmpty, false);
  assert.equal(blockOn(rx2), "kept");
  assert.equal(rx2.isEmpty, true);
  assert.equal(rx2.isTerminated, true);
});

test("isTerminated turns true with the first receive that gives the value or the end, on every receive path", () => {
  const [tx, rx] = oneshot<number>();
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  assert.equal(rx.isTerminated, false);
  tx.send(3);
  assert.equal(rx.isTerminated, false);
  assert.equal(task.pollNext(rx), 3);
  assert.equal(rx.isTerminated, true);
  const [tx2, rx2] = oneshot<number>();
  tx2.drop();
  assert.equal(rx2.isTerminated, false);
  assert.equal(rx2.tryRecv(), STREAM_END);
  assert.equal(rx2.isTerminated, true);
});
