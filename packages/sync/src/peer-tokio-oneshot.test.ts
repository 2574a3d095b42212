// tokio's tests/sync_oneshot.rs, ported test by test onto the public API (PEER-TESTS.md maps each
// one). tokio's `poll_closed(cx)` helper pins a fresh `closed()` future for one poll: here a
// `closed()` future polled once and dropped.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Context, type Coroutine, LocalExecutor, PENDING, STREAM_END } from "@spindle/core";
import { countingWaker } from "@spindle/test-support";
import { ClosedError, oneshot, type OneshotSender, SendError } from "@spindle/sync";
import { mockTask } from "./test-support/mock-task.ts";

/** tokio's `SenderExt::poll_closed`: one poll of a `closed()` future that is then dropped. */
function pollClosed(tx: OneshotSender<unknown>, cx: Context): void | typeof PENDING {
  const closed = tx.closed();
  try {
    return closed.poll(cx);
  } finally {
    closed[Symbol.dispose]();
  }
}

test("send_recv", () => {
  const [tx, rx] = oneshot<number>();
  const task = mockTask(rx);
  assert.equal(task.poll(), PENDING);
  tx.send(1);
  assert.equal(task.isWoken(), true);
  assert.equal(task.poll(), 1);
});

test("async_send_recv", () => {
  const [tx, rx] = oneshot<number>();
  tx.send(1);
  assert.equal(blockOn(rx), 1);
});

test("close_tx", () => {
  const [tx, rx] = oneshot<number>();
  const task = mockTask(rx);
  assert.equal(task.poll(), PENDING);
  tx.drop();
  assert.equal(task.isWoken(), true);
  assert.throws(() => task.poll(), ClosedError);
});

test("close_rx", () => {
  const [tx1, rx1] = oneshot<number>();
  rx1.drop(); // tokio's `let (tx, _) =` drops the receiver at once
  assert.throws(() => tx1.send(1), SendError);

  const [tx, rx] = oneshot<number>();
  const { cx, woken } = countingWaker();
  assert.equal(pollClosed(tx, cx), PENDING);
  rx.drop();
  // tokio wakes the waker of the last poll_closed; here that future was dropped, so its waker with it
  assert.equal(woken(), 0);
  assert.equal(tx.isClosed, true);
  assert.equal(pollClosed(tx, cx), undefined);
  assert.throws(() => tx.send(1), SendError);
});

test("close_rx (a closed() future kept across the drop is woken)", () => {
  const [tx, rx] = oneshot<number>();
  const closed = mockTask(tx.closed());
  assert.equal(closed.poll(), PENDING);
  rx.drop();
  assert.equal(closed.isWoken(), true);
  assert.equal(closed.poll(), undefined);
});

test("async_rx_closed", async () => {
  const [tx, rx] = oneshot<null>();
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    rx.drop();
    yield* [];
  }());
  const closed = executor.spawn(tx.closed());
  await executor.run();
  assert.equal(await closed, undefined);
});

test("explicit_close_poll", () => {
  {
    const [tx, rx] = oneshot<number>();
    const task = mockTask(rx);
    tx.send(1);
    rx.close();
    assert.equal(task.poll(), 1);
  }
  for (const round of [0, 1]) { // tokio's second and third rounds are the same steps
    const [tx, rx] = oneshot<number>();
    const closed = mockTask(tx.closed());
    const task = mockTask(rx);
    assert.equal(closed.poll(), PENDING, `round ${round}`);
    rx.close();
    assert.equal(closed.isWoken(), true);
    assert.equal(tx.isClosed, true);
    assert.equal(closed.poll(), undefined);
    if (round === 0) assert.throws(() => tx.send(1), SendError);
    assert.throws(() => task.poll(), ClosedError);
  }
});

test("explicit_close_try_recv", () => {
  {
    const [tx, rx] = oneshot<number>();
    tx.send(1);
    rx.close();
    assert.equal(rx.tryRecv(), 1);
  }
  const [tx, rx] = oneshot<number>();
  const closed = mockTask(tx.closed());
  assert.equal(closed.poll(), PENDING);
  rx.close();
  assert.equal(closed.isWoken(), true);
  assert.equal(tx.isClosed, true);
  assert.equal(closed.poll(), undefined);
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("close_try_recv_poll (tokio panics; here the poll throws)", () => {
  const [_tx, rx] = oneshot<number>();
  const task = mockTask(rx);
  rx.close();
  assert.equal(rx.tryRecv(), STREAM_END);
  assert.throws(() => task.poll(), ClosedError);
});

test("close_after_recv", () => {
  const [tx, rx] = oneshot<number>();
  tx.send(17);
  assert.equal(rx.tryRecv(), 17);
  rx.close();
  assert.equal(rx.isTerminated, true);
});

test("try_recv_after_completion", () => {
  const [tx, rx] = oneshot<number>();
  tx.send(17);
  assert.equal(rx.tryRecv(), 17);
  assert.equal(rx.tryRecv(), STREAM_END); // TryRecvError::Closed
  rx.close();
});

test("try_recv_after_completion_await", () => {
  const [tx, rx] = oneshot<number>();
  const task = mockTask(rx);
  tx.send(17);
  assert.equal(task.poll(), 17);
  assert.equal(rx.tryRecv(), STREAM_END);
  rx.close();
});

test("drops_tasks", () => {
  const [tx, rx] = oneshot<number>();
  const txTask = countingWaker();
  const rxTask = countingWaker();
  const closed = tx.closed();
  assert.equal(closed.poll(txTask.cx), PENDING);
  assert.equal(rx.poll(rxTask.cx), PENDING);
  tx.drop();
  rx.drop();
  closed[Symbol.dispose](); // tokio's poll_closed future is gone with the sender
  assert.equal(txTask.counter.live, 1);
  assert.equal(rxTask.counter.live, 1);
});

test("receiver_changes_task", () => {
  const [tx, rx] = oneshot<number>();
  const task1 = countingWaker();
  const task2 = countingWaker();
  assert.equal(rx.poll(task1.cx), PENDING);
  assert.equal(task1.counter.live, 2);
  assert.equal(task2.counter.live, 1);
  assert.equal(rx.poll(task2.cx), PENDING);
  assert.equal(task1.counter.live, 1);
  assert.equal(task2.counter.live, 2);
  tx.send(1);
  assert.equal(task1.woken(), 0);
  assert.equal(task2.woken(), 1);
  assert.equal(rx.poll(task2.cx), 1);
});

test("sender_changes_task", () => {
  const [tx, rx] = oneshot<number>();
  const task1 = countingWaker();
  const task2 = countingWaker();
  assert.equal(pollClosed(tx, task1.cx), PENDING);
  assert.equal(task1.counter.live, 1); // the closed() future polled once is dropped, with its waker
  const closed = tx.closed();
  assert.equal(closed.poll(task2.cx), PENDING);
  assert.equal(task1.counter.live, 1);
  assert.equal(task2.counter.live, 2);
  rx.drop();
  assert.equal(task1.woken(), 0);
  assert.equal(task2.woken(), 1);
  assert.equal(closed.poll(task2.cx), undefined);
});

for (const how of ["send", "try_recv", "drop", "rx_close"] as const) {
  test(`receiver_is_terminated_${how}`, () => {
    const [tx, rx] = oneshot<number>();
    assert.equal(rx.isTerminated, false, "channel is NOT terminated before");
    if (how === "drop") tx.drop();
    else if (how === "rx_close") rx.close();
    else tx.send(17);
    assert.equal(rx.isTerminated, false, "channel is NOT terminated after the send, drop or close");
    const { cx } = countingWaker();
    if (how === "try_recv") assert.equal(rx.tryRecv(), 17);
    else if (how === "send") assert.equal(rx.poll(cx), 17);
    else assert.throws(() => rx.poll(cx), ClosedError);
    assert.equal(rx.isTerminated, true, "channel IS terminated after value is read");
  });

  test(`receiver_is_empty_${how}`, () => {
    const [tx, rx] = oneshot<number>();
    assert.equal(rx.isEmpty, true);
    if (how === "drop") tx.drop();
    else if (how === "rx_close") rx.close();
    else tx.send(17);
    assert.equal(rx.isEmpty, how === "drop" || how === "rx_close");
    if (how === "rx_close") return;
    const { cx } = countingWaker();
    if (how === "try_recv") assert.equal(rx.tryRecv(), 17);
    else if (how === "send") assert.equal(rx.poll(cx), 17);
    else assert.throws(() => rx.poll(cx), ClosedError);
    assert.equal(rx.isEmpty, true);
  });
}
