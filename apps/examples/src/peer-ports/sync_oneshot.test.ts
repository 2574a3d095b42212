// Port of tokio/tests/sync_oneshot.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's oneshot, written from the package README. tokio's `Err(Closed)` from a
// receive is a ClosedError here; its TryRecvError::Closed is STREAM_END from tryRecv().
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, STREAM_END } from "@spindle/core";
import { ClosedError, oneshot, SendError } from "@spindle/sync";
import { pending, ready, spawn } from "./support.ts";

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

// Ported in part: tokio's `tx.closed()` future (poll_closed) has no counterpart; `isClosed` does.
test("close_rx", () => {
  const [tx1, rx1] = oneshot<number>();
  rx1[Symbol.dispose]();
  assert.throws(() => tx1.send(1), (e) => e instanceof SendError && e.value === 1);

  const [tx2, rx2] = oneshot<number>();
  assert.equal(tx2.isClosed, false);
  rx2[Symbol.dispose]();
  assert.equal(tx2.isClosed, true);
  assert.throws(() => tx2.send(1), SendError);
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

// Ported in part: the sender half (poll_closed) has no counterpart. The receiver's stored waker
// must be released once both ends are gone.
test("drops_tasks", () => {
  const [tx, rx] = oneshot<number>();
  const rxTask = spawn(rx);
  pending(rxTask.poll());
  tx.drop();
  rx[Symbol.dispose]();
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
