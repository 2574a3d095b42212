// tokio's tests/sync_broadcast.rs, ported test by test onto the public API (PEER-TESTS.md maps each
// one). tokio's `assert_recv!` / `assert_empty!` / `assert_lagged!` / `assert_closed!` are tryRecv()
// giving a value / PENDING / throwing LaggedError / STREAM_END. Spindle keeps exactly `capacity`
// values where tokio rounds the capacity up to a power of two: the tests written for that rounding
// use a power-of-two capacity.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  Context,
  type Coroutine,
  LocalExecutor,
  PENDING,
  type RawWakerVTable,
  select,
  SpindleError,
  STREAM_END,
  Waker,
  yieldNow,
} from "@spindle/core";
import { broadcast, type BroadcastReceiver, BroadcastSender, LaggedError, SendError } from "@spindle/sync";
import { mockTask } from "./test-support/mock-task.ts";
import { random } from "./test-support/harness.ts";

function assertRecv<T>(rx: BroadcastReceiver<T>): T {
  const value = rx.tryRecv();
  assert.ok(value !== PENDING && value !== STREAM_END, `expected a value, got ${String(value)}`);
  return value as T;
}
const assertEmpty = (rx: BroadcastReceiver<unknown>) => assert.equal(rx.tryRecv(), PENDING);
const assertClosed = (rx: BroadcastReceiver<unknown>) => assert.equal(rx.tryRecv(), STREAM_END);
const assertLagged = (rx: BroadcastReceiver<unknown>, n: number) =>
  assert.throws(() => rx.tryRecv(), (e) => e instanceof LaggedError && e.missed === n);

test("send_try_recv_bounded", () => {
  const [tx, rx] = broadcast<string>(16);
  assertEmpty(rx);
  assert.equal(tx.send("hello"), 1);
  assert.equal(assertRecv(rx), "hello");
  assertEmpty(rx);
});

test("send_two_recv", () => {
  const [tx, rx1] = broadcast<string>(16);
  const rx2 = tx.subscribe();
  assertEmpty(rx1);
  assertEmpty(rx2);
  assert.equal(tx.send("hello"), 2);
  assert.equal(assertRecv(rx1), "hello");
  assert.equal(assertRecv(rx2), "hello");
  assertEmpty(rx1);
  assertEmpty(rx2);
});

test("send_recv_bounded", () => {
  const [tx, rx] = broadcast<string>(16);
  const recv = mockTask(rx.recv());
  assert.equal(recv.poll(), PENDING);
  tx.send("hello");
  assert.equal(recv.isWoken(), true);
  assert.equal(recv.poll(), "hello");
});

test("send_two_recv_bounded", () => {
  const [tx, rx1] = broadcast<string>(16);
  const rx2 = tx.subscribe();
  let recv1 = mockTask(rx1.recv());
  let recv2 = mockTask(rx2.recv());
  assert.equal(recv1.poll(), PENDING);
  assert.equal(recv2.poll(), PENDING);
  tx.send("hello");
  assert.equal(recv1.isWoken(), true);
  assert.equal(recv2.isWoken(), true);
  assert.equal(recv1.poll(), "hello");
  assert.equal(recv2.poll(), "hello");
  recv1 = mockTask(rx1.recv());
  recv2 = mockTask(rx2.recv());
  assert.equal(recv1.poll(), PENDING);
  tx.send("world");
  assert.equal(recv1.isWoken(), true);
  assert.equal(recv2.isWoken(), false);
  assert.equal(recv1.poll(), "world");
  assert.equal(recv2.poll(), "world");
});

test("change_tasks", () => {
  const [tx, rx] = broadcast<string>(1);
  const recv = rx.recv();
  const task1 = mockTask(recv);
  assert.equal(task1.poll(), PENDING);
  const task2 = mockTask(recv);
  assert.equal(task2.poll(), PENDING);
  tx.send("hello");
  assert.equal(task2.isWoken(), true);
  assert.equal(task1.isWoken(), false);
});

test("send_slow_rx", () => {
  const [tx, rx1] = broadcast<string>(16);
  const rx2 = tx.subscribe();
  const recv2 = mockTask(rx2.recv());
  {
    const recv1 = mockTask(rx1.recv());
    assert.equal(recv1.poll(), PENDING);
    assert.equal(recv2.poll(), PENDING);
    tx.send("one");
    assert.equal(recv1.isWoken(), true);
    assert.equal(recv2.isWoken(), true);
    tx.send("two");
    assert.equal(recv1.poll(), "one");
  }
  assert.equal(mockTask(rx1.recv()).poll(), "two");
  const recv1 = mockTask(rx1.recv());
  assert.equal(recv1.poll(), PENDING);
  tx.send("three");
  assert.equal(recv1.isWoken(), true);
  assert.equal(recv1.poll(), "three");
  assert.equal(recv2.poll(), "one");
  assert.equal(assertRecv(rx2), "two");
  assert.equal(assertRecv(rx2), "three");
});

test("drop_rx_while_values_remain", () => {
  const [tx, rx1] = broadcast<string>(16);
  const rx2 = tx.subscribe();
  tx.send("one");
  tx.send("two");
  assertRecv(rx1);
  assertRecv(rx2);
  rx2.drop();
  rx1.drop();
  assert.equal(tx.receiverCount, 0);
  assert.throws(() => tx.send("three"), SendError);
});

test("lagging_rx", () => {
  const [tx, rx1] = broadcast<string>(2);
  const rx2 = tx.subscribe();
  tx.send("one");
  tx.send("two");
  assert.equal(assertRecv(rx1), "one");
  tx.send("three");
  assertLagged(rx2, 1);
  assert.equal(assertRecv(rx2), "two");
  assert.equal(assertRecv(rx1), "two");
  assert.equal(assertRecv(rx1), "three");
  tx.send("four");
  tx.send("five");
  assertLagged(rx2, 1);
  tx.send("six");
  assertLagged(rx2, 1);
});

test("send_no_rx", () => {
  const [tx, rx0] = broadcast<string>(16);
  rx0.drop(); // tokio's `let (tx, _) =`
  assert.throws(() => tx.send("hello"), (e) => e instanceof SendError && e.value === "hello");
  const rx = tx.subscribe();
  tx.send("world");
  assert.equal(assertRecv(rx), "world");
});

const invalid = (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";

test("zero_capacity", () => {
  assert.throws(() => broadcast(0), invalid);
});

test("capacity_too_big", () => {
  assert.throws(() => broadcast(2 ** 31), invalid);
});

test("dropping_tx_notifies_rx", () => {
  const [tx, rx1] = broadcast<null>(16);
  const rx2 = tx.subscribe();
  const tx2 = tx.clone();
  const recv1 = mockTask(rx1.recv());
  const recv2 = mockTask(rx2.recv());
  assert.equal(recv1.poll(), PENDING);
  assert.equal(recv2.poll(), PENDING);
  tx.drop();
  assert.equal(recv1.poll(), PENDING);
  assert.equal(recv2.poll(), PENDING);
  tx2.drop();
  assert.equal(recv1.isWoken(), true);
  assert.equal(recv2.isWoken(), true);
  assert.equal(recv1.poll(), STREAM_END); // RecvError::Closed
  assert.equal(recv2.poll(), STREAM_END);
});

test("single_capacity_recvs", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  assert.equal(assertRecv(rx), 1);
  assertEmpty(rx);
});

test("single_capacity_recvs_after_drop_1", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  tx.drop();
  assert.equal(assertRecv(rx), 1);
  assertClosed(rx);
});

test("single_capacity_recvs_after_drop_2", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  tx.send(2);
  tx.drop();
  assertLagged(rx, 1);
  assert.equal(assertRecv(rx), 2);
  assertClosed(rx);
});

test("dropping_sender_does_not_overwrite", () => {
  const [tx, rx] = broadcast<number>(2);
  tx.send(1);
  tx.send(2);
  tx.drop();
  assert.equal(assertRecv(rx), 1);
  assert.equal(assertRecv(rx), 2);
  assertClosed(rx);
});

for (
  const [name, sent, lag, closed] of [
    ["lagging_receiver_recovers_after_wrap_closed_1", 3, 1, true],
    ["lagging_receiver_recovers_after_wrap_closed_2", 4, 2, true],
    ["lagging_receiver_recovers_after_wrap_open", 3, 1, false],
  ] as const
) {
  test(name, () => {
    const [tx, rx] = broadcast<number>(2);
    for (let i = 1; i <= sent; i++) tx.send(i);
    if (closed) tx.drop();
    assertLagged(rx, lag);
    assert.equal(assertRecv(rx), sent - 1);
    assert.equal(assertRecv(rx), sent);
    if (closed) assertClosed(rx);
    else assertEmpty(rx);
  });
}

test("receiver_len_with_lagged (capacity 4 for tokio's 3, rounded up)", () => {
  const [tx, rx] = broadcast<number>(4);
  for (const v of [10, 20, 30, 40]) tx.send(v);
  assert.equal(rx.length, 4);
  assert.equal(assertRecv(rx), 10);
  tx.send(50);
  tx.send(60);
  assert.equal(rx.length, 5);
  assertLagged(rx, 1);
});

test("resubscribe_points_to_tail", () => {
  const [tx, rx] = broadcast<number>(3);
  tx.send(1);
  const rxResub = rx.resubscribe();
  assertEmpty(rxResub);
  assert.equal(assertRecv(rx), 1);
  tx.send(2);
  assert.equal(assertRecv(rxResub), 2);
  tx.send(3);
  assert.equal(assertRecv(rx), 2);
  assert.equal(assertRecv(rx), 3);
  assertEmpty(rx);
  assert.equal(assertRecv(rxResub), 3);
  assertEmpty(rxResub);
});

test("resubscribe_lagged", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  tx.send(2);
  const rxResub = rx.resubscribe();
  assertLagged(rx, 1);
  assertEmpty(rxResub);
  assert.equal(assertRecv(rx), 2);
  assertEmpty(rx);
  assertEmpty(rxResub);
});

test("resubscribe_to_closed_channel", () => {
  const [tx, rx] = broadcast<number>(2);
  tx.drop();
  assertClosed(rx.resubscribe());
});

test("sender_len", () => {
  const [tx, rx1] = broadcast<number>(4);
  const rx2 = tx.subscribe();
  assert.equal(tx.length, 0);
  for (const v of [1, 2, 3]) tx.send(v);
  assert.equal(tx.length, 3);
  assertRecv(rx1);
  assertRecv(rx1);
  assert.equal(tx.length, 3);
  assertRecv(rx2);
  assert.equal(tx.length, 2);
  for (const v of [4, 5, 6]) tx.send(v);
  assert.equal(tx.length, 4);
});

test("sender_len_random (seeded)", () => {
  const [tx, rx1] = broadcast<number>(16);
  const rx2 = tx.subscribe();
  const next = random(0x5eed);
  const tryRecv = (rx: BroadcastReceiver<number>) => {
    try {
      rx.tryRecv();
    } catch (e) {
      if (!(e instanceof LaggedError)) throw e;
    }
  };
  for (let i = 0; i < 1000; i++) {
    const pick = Math.floor(next() * 4);
    if (pick === 0) tryRecv(rx1);
    else if (pick === 1) tryRecv(rx2);
    else tx.send(0);
    assert.equal(tx.length, Math.min(Math.max(rx1.length, rx2.length), 16));
  }
});

/** A waker whose drop runs `onDrop` (futures' ArcWake whose Drop sends). */
function wakerDroppedWith(onDrop: () => void): Context {
  const vtable: RawWakerVTable<null> = {
    clone: () => ({ data: null, vtable }),
    wake: onDrop,
    wakeByRef: () => {},
    drop: onDrop,
  };
  return new Context(Waker.fromRaw({ data: null, vtable }));
}

test("send_in_waker_drop", () => {
  {
    const [tx, rx] = broadcast<null>(16);
    const recv = rx.recv();
    assert.equal(recv.poll(wakerDroppedWith(() => tx.send(null))), PENDING);
    // the second poll replaces the stored waker, whose drop sends: no re-entrancy trouble
    assert.notEqual(recv.poll(Context.noop()), undefined);
  }
  const [tx, rx] = broadcast<null>(16);
  const recv = rx.recv();
  const tx2 = tx.clone();
  assert.equal(recv.poll(wakerDroppedWith(() => tx2.send(null))), PENDING);
  assert.equal(tx.send(null), 1); // wakes the stored waker, which sends again from inside the wake
  assert.equal(assertRecv(rx), null);
  assert.equal(assertRecv(rx), null);
});

test("receiver_recv_is_cooperative", async () => {
  const [tx, rx] = broadcast<null>(8);
  let loops = 0;
  const executor = new LocalExecutor();
  const done = executor.spawn(select(
    function* (): Coroutine<void> {
      for (;;) {
        tx.send(null);
        assert.equal(yield* rx.recv(), null);
        loops++;
      }
    }(),
    yieldNow(),
  ));
  await executor.run();
  assert.equal((await done).index, 1); // yield_now won: the receive loop gave the executor back
  assert.ok(loops > 0);
});

test("broadcast_sender_closed", () => {
  const [tx, rx] = broadcast<null>(1);
  const rx2 = tx.subscribe();
  const task = mockTask(tx.closed());
  assert.equal(task.poll(), PENDING);
  rx.drop();
  assert.equal(task.isWoken(), false);
  assert.equal(task.poll(), PENDING);
  rx2.drop();
  assert.equal(task.isWoken(), true);
  assert.equal(task.poll(), undefined);
});

test("broadcast_sender_closed_with_extra_subscribe", () => {
  const [tx, rx] = broadcast<null>(1);
  const rx2 = tx.subscribe();
  const task = mockTask(tx.closed());
  assert.equal(task.poll(), PENDING);
  rx.drop();
  assert.equal(task.isWoken(), false);
  assert.equal(task.poll(), PENDING);
  rx2.drop();
  assert.equal(task.isWoken(), true);
  const rx3 = tx.subscribe();
  assert.equal(task.poll(), PENDING);
  rx3.drop();
  assert.equal(task.isWoken(), true);
  assert.equal(task.poll(), undefined);
  assert.equal(mockTask(tx.closed()).poll(), undefined);
  const rx4 = tx.subscribe();
  const task3 = mockTask(tx.closed());
  assert.equal(task3.poll(), PENDING);
  rx4.drop();
  assert.equal(task3.isWoken(), true);
  assert.equal(task3.poll(), undefined);
});

test("broadcast_sender_new_must_be_closed", () => {
  const tx = BroadcastSender.create<null>(1);
  assert.equal(mockTask(tx.closed()).poll(), undefined);
  const _rx = tx.subscribe();
  assert.equal(mockTask(tx.closed()).poll(), PENDING);
});

test("slow_receiver_within_capacity_does_not_lag", () => {
  const [tx, slow] = broadcast<number>(2);
  const fast = tx.subscribe();
  tx.send(1);
  tx.send(2);
  assert.equal(assertRecv(fast), 1);
  assert.equal(assertRecv(fast), 2);
  assertEmpty(fast);
  assert.equal(assertRecv(slow), 1);
  assert.equal(assertRecv(slow), 2);
  assertEmpty(slow);
});

test("capacity_overflow_reports_lagged_then_oldest_retained", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [10, 20, 30]) tx.send(v);
  assertLagged(rx, 1);
  assert.equal(assertRecv(rx), 20);
  assert.equal(assertRecv(rx), 30);
  assertEmpty(rx);
});

test("lagged_count_matches_number_of_overwritten_messages", () => {
  const [tx, rx] = broadcast<number>(4);
  for (let i = 1; i <= 4; i++) tx.send(i);
  assert.equal(assertRecv(rx), 1);
  for (let i = 5; i <= 8; i++) tx.send(i);
  assertLagged(rx, 3);
  for (let i = 5; i <= 8; i++) assert.equal(assertRecv(rx), i);
  assertEmpty(rx);
});

test("lag_uses_power_of_two_buffer_length (capacity 4: Spindle does not round up, so the same steps with 4)", () => {
  const [tx, rx] = broadcast<number>(4);
  for (let i = 1; i <= 4; i++) tx.send(i);
  assert.equal(rx.length, 4);
  assert.equal(assertRecv(rx), 1);
  tx.send(5);
  assert.equal(rx.length, 4);
  tx.send(6);
  assert.equal(rx.length, 5);
  assertLagged(rx, 1);
  for (let i = 3; i <= 6; i++) assert.equal(assertRecv(rx), i);
  assertEmpty(rx);
});

test("capacity 3 keeps exactly 3 values (tokio keeps 4: its capacity is rounded up to a power of two)", () => {
  const [tx, rx] = broadcast<number>(3);
  for (let i = 1; i <= 4; i++) tx.send(i);
  assertLagged(rx, 1);
  assert.equal(assertRecv(rx), 2);
});

test("async_recv_lagged_then_resumes_from_oldest_retained", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [10, 20, 30]) tx.send(v);
  assert.throws(() => blockOn(rx.recv()), (e) => e instanceof LaggedError && e.missed === 1);
  assert.equal(blockOn(rx.recv()), 20);
  assert.equal(blockOn(rx.recv()), 30);
});

test("lag_catch_up_then_lag_again", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3]) tx.send(v);
  assertLagged(rx, 1);
  assert.equal(assertRecv(rx), 2);
  assert.equal(assertRecv(rx), 3);
  assertEmpty(rx);
  for (const v of [4, 5, 6]) tx.send(v);
  assertLagged(rx, 1);
  assert.equal(assertRecv(rx), 5);
  assert.equal(assertRecv(rx), 6);
  assertEmpty(rx);
});

test("lag_is_per_receiver", () => {
  const [tx, slow] = broadcast<number>(2);
  const fast = tx.subscribe();
  tx.send(1);
  tx.send(2);
  assert.equal(assertRecv(fast), 1);
  assert.equal(assertRecv(fast), 2);
  tx.send(3);
  tx.send(4);
  assert.equal(assertRecv(fast), 3);
  assert.equal(assertRecv(fast), 4);
  assertLagged(slow, 2);
  assert.equal(assertRecv(slow), 3);
  assert.equal(assertRecv(slow), 4);
  assertEmpty(slow);
  assertEmpty(fast);
});

test("lag_again_before_reading_retained_messages", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3]) tx.send(v);
  assertLagged(rx, 1);
  for (const v of [4, 5, 6]) tx.send(v);
  assertLagged(rx, 3);
  assert.equal(assertRecv(rx), 5);
  assert.equal(assertRecv(rx), 6);
  assertEmpty(rx);
});

test("single_slot_capacity_lag_semantics", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  assert.equal(assertRecv(rx), 1);
  tx.send(2);
  tx.send(3);
  assertLagged(rx, 1);
  assert.equal(assertRecv(rx), 3);
  assertEmpty(rx);
});

test("receiver_len_after_lag_error_advances_cursor", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3, 4]) tx.send(v);
  assert.equal(rx.length, 4);
  assertLagged(rx, 2);
  assert.equal(rx.length, 2);
  assert.equal(assertRecv(rx), 3);
  assert.equal(rx.length, 1);
  assert.equal(assertRecv(rx), 4);
  assert.equal(rx.length, 0);
});
