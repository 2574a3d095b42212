// Port of tokio/tests/sync_oneshot.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's oneshot, written from the package README. tokio's `Err(Closed)` from a
// receive is a ClosedError here; its TryRecvError::Closed is STREAM_END from tryRecv(). tokio's
// `tx.poll_closed(cx)` is a poll of one `tx.closed()` future; `rx.is_empty()` is `rx.isEmpty`,
// `rx.is_terminated()` is `rx.isTerminated`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, STREAM_END } from "@spindle/core";
import { ClosedError, oneshot, SendError } from "@spindle/sync";
import { pending, ready, spawn, spawnForStream } from "./support.ts";

test("send_recv", () => {
  const [tx, rx] = oneshot<number>();
  const task = spawn(rx);
  pending(task.poll());
  tx.send(1);
  assert.ok(task.isWoken());
  assert.equal(ready(task.poll()), 1);
});

test("async_send_recv", () => {
  const [tx, rx] = oneshot<number>();
  tx.send(1);
  assert.equal(blockOn(rx), 1);
});

test("close_tx", () => {
  const [tx, rx] = oneshot<number>();
  const task = spawn(rx);
  pending(task.poll());
  tx.drop();
  assert.ok(task.isWoken());
  assert.throws(() => task.poll(), ClosedError);
});

test("close_rx", () => {
  const [tx1, rx1] = oneshot<number>();
  rx1[Symbol.dispose]();
  assert.throws(() => tx1.send(1), (e) => e instanceof SendError && e.value === 1);

  const [tx2, rx2] = oneshot<number>();
  const closed = spawn(tx2.closed());
  pending(closed.poll());
  rx2[Symbol.dispose]();
  assert.ok(closed.isWoken());
  assert.equal(tx2.isClosed, true);
  ready(closed.poll());
  assert.throws(() => tx2.send(1), SendError);
});

test("async_rx_closed", async () => {
  const [tx, rx] = oneshot<null>();
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    rx[Symbol.dispose]();
  }());
  const closed = executor.spawn(tx.closed());
  await executor.run();
  await closed;
});

test("explicit_close_poll", () => {
  // With the value sent: close() keeps it.
  const [tx1, rx1] = oneshot<number>();
  const rxTask1 = spawn(rx1);
  tx1.send(1);
  rx1.close();
  assert.equal(ready(rxTask1.poll()), 1);

  // Without it: the sender is told, and both sides fail.
  const [tx2, rx2] = oneshot<number>();
  const closed2 = spawn(tx2.closed());
  const rxTask2 = spawn(rx2);
  pending(closed2.poll());
  rx2.close();
  assert.ok(closed2.isWoken());
  assert.equal(tx2.isClosed, true);
  ready(closed2.poll());
  assert.throws(() => tx2.send(1), SendError);
  assert.throws(() => rxTask2.poll(), ClosedError);

  // Again, without trying to send.
  const [tx3, rx3] = oneshot<number>();
  const closed3 = spawn(tx3.closed());
  const rxTask3 = spawn(rx3);
  pending(closed3.poll());
  rx3.close();
  assert.ok(closed3.isWoken());
  assert.equal(tx3.isClosed, true);
  ready(closed3.poll());
  assert.throws(() => rxTask3.poll(), ClosedError);
});

test("explicit_close_try_recv", () => {
  const [tx1, rx1] = oneshot<number>();
  tx1.send(1);
  rx1.close();
  assert.equal(rx1.tryRecv(), 1);

  const [tx2, rx2] = oneshot<number>();
  const closed = spawn(tx2.closed());
  pending(closed.poll());
  rx2.close();
  assert.ok(closed.isWoken());
  assert.equal(tx2.isClosed, true);
  ready(closed.poll());
  assert.equal(rx2.tryRecv(), STREAM_END);
});

test("close_try_recv_poll", () => {
  const [_tx, rx] = oneshot<number>();
  const task = spawn(rx);
  rx.close();
  assert.equal(rx.tryRecv(), STREAM_END);
  // tokio only checks that polling after that does not panic: here the poll fails at once.
  assert.throws(() => task.poll(), ClosedError);
});

test("close_after_recv", () => {
  const [tx, rx] = oneshot<number>();
  tx.send(17);
  assert.equal(rx.tryRecv(), 17);
  rx[Symbol.dispose](); // tokio's rx.close() after the value was taken: harmless
});

test("try_recv_after_completion", () => {
  const [tx, rx] = oneshot<number>();
  tx.send(17);
  assert.equal(rx.tryRecv(), 17);
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("try_recv_after_completion_await", () => {
  const [tx, rx] = oneshot<number>();
  const task = spawn(rx);
  tx.send(17);
  assert.equal(ready(task.poll()), 17);
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("drops_tasks", () => {
  const [tx, rx] = oneshot<number>();
  const txTask = spawn(tx.closed());
  const rxTask = spawn(rx);
  pending(txTask.poll());
  pending(rxTask.poll());
  tx.drop();
  rx[Symbol.dispose]();
  assert.equal(txTask.wakerRefCount, 1);
  assert.equal(rxTask.wakerRefCount, 1);
});

test("receiver_changes_task", () => {
  const [tx, rx] = oneshot<number>();
  const task1 = spawn(rx);
  const task2 = spawn(rx);
  pending(task1.poll());
  assert.equal(task1.wakerRefCount, 2);
  assert.equal(task2.wakerRefCount, 1);
  pending(task2.poll());
  assert.equal(task1.wakerRefCount, 1);
  assert.equal(task2.wakerRefCount, 2);
  tx.send(1);
  assert.ok(!task1.isWoken());
  assert.ok(task2.isWoken());
  assert.equal(ready(task2.poll()), 1);
});

test("sender_changes_task", () => {
  const [tx, rx] = oneshot<number>();
  const closed = tx.closed();
  const task1 = spawnForStream();
  const task2 = spawnForStream();
  pending(task1.pollOther(closed));
  assert.equal(task1.wakerRefCount, 2);
  assert.equal(task2.wakerRefCount, 1);
  pending(task2.pollOther(closed));
  assert.equal(task1.wakerRefCount, 1);
  assert.equal(task2.wakerRefCount, 2);
  rx[Symbol.dispose]();
  assert.ok(!task1.isWoken());
  assert.ok(task2.isWoken());
  ready(task2.pollOther(closed));
});

test("receiver_is_terminated_send", () => {
  const [tx, rx] = oneshot<number>();
  assert.equal(rx.isTerminated, false, "not terminated before the value is sent");
  tx.send(17);
  assert.equal(rx.isTerminated, false, "not terminated after the value is sent");
  assert.equal(ready(spawn(rx).poll()), 17);
  assert.equal(rx.isTerminated, true, "terminated after the value is read");
});

test("receiver_is_terminated_try_recv", () => {
  const [tx, rx] = oneshot<number>();
  assert.equal(rx.isTerminated, false);
  tx.send(17);
  assert.equal(rx.isTerminated, false);
  assert.equal(rx.tryRecv(), 17);
  assert.equal(rx.isTerminated, true);
});

test("receiver_is_terminated_drop", () => {
  const [tx, rx] = oneshot<number>();
  assert.equal(rx.isTerminated, false);
  tx.drop();
  assert.equal(rx.isTerminated, false, "not terminated after the sender is dropped");
  assert.throws(() => spawn(rx).poll(), ClosedError);
  assert.equal(rx.isTerminated, true, "terminated after the error was read");
});

test("receiver_is_terminated_rx_close", () => {
  const [_tx, rx] = oneshot<number>();
  assert.equal(rx.isTerminated, false);
  rx.close();
  assert.equal(rx.isTerminated, false, "not terminated by close() alone");
  assert.throws(() => spawn(rx).poll(), ClosedError);
  assert.equal(rx.isTerminated, true);
});

test("receiver_is_empty_send", () => {
  const [tx, rx] = oneshot<number>();
  assert.equal(rx.isEmpty, true, "empty before the value is sent");
  tx.send(17);
  assert.equal(rx.isEmpty, false, "not empty after the value is sent");
  assert.equal(ready(spawn(rx).poll()), 17);
  assert.equal(rx.isEmpty, true, "empty after the value is read");
});

test("receiver_is_empty_try_recv", () => {
  const [tx, rx] = oneshot<number>();
  assert.equal(rx.isEmpty, true);
  tx.send(17);
  assert.equal(rx.isEmpty, false);
  assert.equal(rx.tryRecv(), 17);
  assert.equal(rx.isEmpty, true);
});

test("receiver_is_empty_drop", () => {
  const [tx, rx] = oneshot<number>();
  assert.equal(rx.isEmpty, true);
  tx.drop();
  assert.equal(rx.isEmpty, true);
  assert.throws(() => spawn(rx).poll(), ClosedError);
  assert.equal(rx.isEmpty, true);
});

test("receiver_is_empty_rx_close", () => {
  const [_tx, rx] = oneshot<number>();
  assert.equal(rx.isEmpty, true);
  rx.close();
  assert.equal(rx.isEmpty, true);
});
