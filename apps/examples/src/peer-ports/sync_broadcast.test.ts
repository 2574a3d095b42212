// Port of tokio/tests/sync_broadcast.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's broadcast, written from the package README. tokio's TryRecvError::Empty is
// PENDING from tryRecv(), Closed is STREAM_END, Lagged(n) is a thrown LaggedError with missed = n.
// Differs: tokio rounds the capacity up to a power of two; Spindle keeps exactly `capacity` values.
// A receiver's `length` counts every value it has not read, the missed ones too, as tokio's len().
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Context,
  type Coroutine,
  fromGenerator,
  type Future,
  LocalExecutor,
  PENDING,
  race,
  type RawWakerVTable,
  SpindleError,
  STREAM_END,
  Waker,
  yieldNow,
} from "@spindle/core";
import { broadcast, type BroadcastReceiver, BroadcastSender, LaggedError, SendError } from "@spindle/sync";
import { collectedLater, collectUntil } from "@spindle/test-support";
import { pending, ready, spawn } from "./support.ts";

function recv<T>(rx: BroadcastReceiver<T>): T {
  const item = rx.tryRecv();
  assert.ok(item !== PENDING && item !== STREAM_END, `expected a value, got ${String(item)}`);
  return item as T;
}
const empty = (rx: BroadcastReceiver<unknown>): void => assert.equal(rx.tryRecv(), PENDING);
const closed = (rx: BroadcastReceiver<unknown>): void => assert.equal(rx.tryRecv(), STREAM_END);
const lagged = (rx: BroadcastReceiver<unknown>, n: number): void =>
  assert.throws(() => rx.tryRecv(), (e) => e instanceof LaggedError && e.missed === n);
const invalid = (e: unknown): boolean => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";

test("send_try_recv_bounded", () => {
  const [tx, rx] = broadcast<string>(16);
  empty(rx);
  assert.equal(tx.send("hello"), 1);
  assert.equal(recv(rx), "hello");
  empty(rx);
});

test("send_two_recv", () => {
  const [tx, rx1] = broadcast<string>(16);
  const rx2 = tx.subscribe();
  empty(rx1);
  empty(rx2);
  assert.equal(tx.send("hello"), 2);
  assert.equal(recv(rx1), "hello");
  assert.equal(recv(rx2), "hello");
  empty(rx1);
  empty(rx2);
});

test("send_recv_bounded", () => {
  const [tx, rx] = broadcast<string>(16);
  const r = spawn(rx.recv());
  pending(r.poll());
  tx.send("hello");
  assert.ok(r.isWoken());
  assert.equal(ready(r.poll()), "hello");
});

test("send_two_recv_bounded", () => {
  const [tx, rx1] = broadcast<string>(16);
  const rx2 = tx.subscribe();
  let r1 = spawn(rx1.recv());
  let r2 = spawn(rx2.recv());
  pending(r1.poll());
  pending(r2.poll());
  tx.send("hello");
  assert.ok(r1.isWoken());
  assert.ok(r2.isWoken());
  assert.equal(ready(r1.poll()), "hello");
  assert.equal(ready(r2.poll()), "hello");

  r1 = spawn(rx1.recv());
  r2 = spawn(rx2.recv());
  pending(r1.poll());
  tx.send("world");
  assert.ok(r1.isWoken());
  assert.ok(!r2.isWoken());
  assert.equal(ready(r1.poll()), "world");
  assert.equal(ready(r2.poll()), "world");
});

test("change_tasks", () => {
  const [tx, rx] = broadcast<string>(1);
  const r = rx.recv();
  const task1 = spawn(r);
  pending(task1.poll());
  const task2 = spawn(r);
  pending(task2.poll());
  tx.send("hello");
  assert.ok(task2.isWoken());
});

test("send_slow_rx", () => {
  const [tx, rx1] = broadcast<string>(16);
  const rx2 = tx.subscribe();
  const r2 = spawn(rx2.recv());
  {
    const r1 = spawn(rx1.recv());
    pending(r1.poll());
    pending(r2.poll());
    tx.send("one");
    assert.ok(r1.isWoken());
    assert.ok(r2.isWoken());
    tx.send("two");
    assert.equal(ready(r1.poll()), "one");
  }
  assert.equal(ready(spawn(rx1.recv()).poll()), "two");
  const r1 = spawn(rx1.recv());
  pending(r1.poll());
  tx.send("three");
  assert.ok(r1.isWoken());
  assert.equal(ready(r1.poll()), "three");
  assert.equal(ready(r2.poll()), "one");
  assert.equal(recv(rx2), "two");
  assert.equal(recv(rx2), "three");
});

test("drop_rx_while_values_remain", () => {
  const [tx, rx1] = broadcast<string>(16);
  const rx2 = tx.subscribe();
  tx.send("one");
  tx.send("two");
  recv(rx1);
  recv(rx2);
  rx2[Symbol.dispose]();
  rx1[Symbol.dispose]();
  assert.equal(tx.receiverCount, 0);
});

test("lagging_rx", () => {
  const [tx, rx1] = broadcast<string>(2);
  const rx2 = tx.subscribe();
  tx.send("one");
  tx.send("two");
  assert.equal(recv(rx1), "one");
  tx.send("three");
  lagged(rx2, 1);
  assert.equal(recv(rx2), "two");
  assert.equal(recv(rx1), "two");
  assert.equal(recv(rx1), "three");
  tx.send("four");
  tx.send("five");
  lagged(rx2, 1);
  tx.send("six");
  lagged(rx2, 1);
});

test("send_no_rx", () => {
  const [tx, rx0] = broadcast<string>(16);
  rx0[Symbol.dispose]();
  assert.throws(() => tx.send("hello"), (e) => e instanceof SendError && e.value === "hello");
  const rx = tx.subscribe();
  tx.send("world");
  assert.equal(recv(rx), "world");
});

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
  const r1 = spawn(rx1.recv());
  const r2 = spawn(rx2.recv());
  pending(r1.poll());
  pending(r2.poll());
  tx.drop();
  pending(r1.poll());
  pending(r2.poll());
  tx2.drop();
  assert.ok(r1.isWoken());
  assert.ok(r2.isWoken());
  assert.equal(ready(r1.poll()), STREAM_END);
  assert.equal(ready(r2.poll()), STREAM_END);
});

test("single_capacity_recvs", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  assert.equal(recv(rx), 1);
  empty(rx);
});

test("single_capacity_recvs_after_drop_1", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  tx.drop();
  assert.equal(recv(rx), 1);
  closed(rx);
});

test("single_capacity_recvs_after_drop_2", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  tx.send(2);
  tx.drop();
  lagged(rx, 1);
  assert.equal(recv(rx), 2);
  closed(rx);
});

test("dropping_sender_does_not_overwrite", () => {
  const [tx, rx] = broadcast<number>(2);
  tx.send(1);
  tx.send(2);
  tx.drop();
  assert.equal(recv(rx), 1);
  assert.equal(recv(rx), 2);
  closed(rx);
});

test("lagging_receiver_recovers_after_wrap_closed_1", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3]) tx.send(v);
  tx.drop();
  lagged(rx, 1);
  assert.equal(recv(rx), 2);
  assert.equal(recv(rx), 3);
  closed(rx);
});

test("lagging_receiver_recovers_after_wrap_closed_2", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3, 4]) tx.send(v);
  tx.drop();
  lagged(rx, 2);
  assert.equal(recv(rx), 3);
  assert.equal(recv(rx), 4);
  closed(rx);
});

test("lagging_receiver_recovers_after_wrap_open", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3]) tx.send(v);
  lagged(rx, 1);
  assert.equal(recv(rx), 2);
  assert.equal(recv(rx), 3);
  empty(rx);
});

test("receiver_len_with_lagged (differs: exact capacity)", () => {
  const [tx, rx] = broadcast<number>(3);
  for (const v of [10, 20, 30, 40]) tx.send(v);
  assert.equal(rx.length, 4);
  lagged(rx, 1); // tokio: 10 is still there (its buffer holds 4)
  assert.equal(recv(rx), 20);
  tx.send(50);
  tx.send(60);
  assert.equal(rx.length, 4); // tokio: 5
  lagged(rx, 1);
});

test("resubscribe_points_to_tail", () => {
  const [tx, rx] = broadcast<number>(3);
  tx.send(1);
  const rxResub = rx.resubscribe();
  empty(rxResub);
  assert.equal(recv(rx), 1);
  tx.send(2);
  assert.equal(recv(rxResub), 2);
  tx.send(3);
  assert.equal(recv(rx), 2);
  assert.equal(recv(rx), 3);
  empty(rx);
  assert.equal(recv(rxResub), 3);
  empty(rxResub);
});

test("resubscribe_lagged", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  tx.send(2);
  const rxResub = rx.resubscribe();
  lagged(rx, 1);
  empty(rxResub);
  assert.equal(recv(rx), 2);
  empty(rx);
  empty(rxResub);
});

test("resubscribe_to_closed_channel", () => {
  const [tx, rx] = broadcast<number>(2);
  tx.drop();
  const rxResub = rx.resubscribe();
  closed(rxResub);
});

test("send_in_waker_drop", () => {
  // A waker whose drop (or consuming wake) sends on the channel, re-entering it.
  const sendOnDrop = (send: () => void): Context => {
    const vtable: RawWakerVTable<null> = {
      clone: (data) => ({ data, vtable }),
      wake: () => send(),
      wakeByRef: () => {},
      drop: () => send(),
    };
    return new Context(Waker.fromRaw({ data: null, vtable }));
  };
  {
    const [tx, rx] = broadcast<null>(16);
    const fut = rx.recv();
    assert.equal(fut.poll(sendOnDrop(() => void tx.send(null))), PENDING);
    fut.poll(Context.noop()); // replaces (drops) the stored waker, which sends
  }
  {
    const [tx, rx] = broadcast<null>(16);
    const tx2 = tx.clone();
    const fut = rx.recv();
    assert.equal(fut.poll(sendOnDrop(() => void tx2.send(null))), PENDING);
    tx.send(null); // wakes the stored waker, which sends again from inside send
    assert.equal(fut.poll(Context.noop()), null);
    assert.equal(recv(rx), null, "the value sent from the waker is there too");
  }
});

async function inTask<T>(future: Future<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(future);
  await executor.run();
  return await handle;
}

test("receiver_recv_is_cooperative", async () => {
  // tokio's `select! { biased; loop { send; recv }, yield_now() }`: the loop must hand the task
  // back (budget), so yield_now completes. The bound turns a hang into a failure.
  const [tx, rx] = broadcast<null>(8);
  let turns = 0;
  const outcome = await inTask(race<string>([
    fromGenerator(function* (): Coroutine<string> {
      while (turns++ < 100_000) {
        tx.send(null);
        assert.equal(yield* rx.recv(), null);
      }
      return "the loop never yielded";
    }()),
    fromGenerator(function* (): Coroutine<string> {
      yield* yieldNow();
      return "yielded";
    }()),
  ]));
  assert.equal(outcome, "yielded");
});

test("slow_receiver_within_capacity_does_not_lag", () => {
  const [tx, slow] = broadcast<number>(2);
  const fast = tx.subscribe();
  tx.send(1);
  tx.send(2);
  assert.equal(recv(fast), 1);
  assert.equal(recv(fast), 2);
  empty(fast);
  assert.equal(recv(slow), 1);
  assert.equal(recv(slow), 2);
  empty(slow);
});

test("capacity_overflow_reports_lagged_then_oldest_retained", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [10, 20, 30]) tx.send(v);
  lagged(rx, 1);
  assert.equal(recv(rx), 20);
  assert.equal(recv(rx), 30);
  empty(rx);
});

test("lagged_count_matches_number_of_overwritten_messages", () => {
  const [tx, rx] = broadcast<number>(4);
  for (let i = 1; i <= 4; i++) tx.send(i);
  assert.equal(recv(rx), 1);
  for (let i = 5; i <= 8; i++) tx.send(i);
  lagged(rx, 3);
  for (const v of [5, 6, 7, 8]) assert.equal(recv(rx), v);
  empty(rx);
});

test("lag_uses_power_of_two_buffer_length (differs: the capacity is exact)", () => {
  const [tx, rx] = broadcast<number>(3);
  for (let i = 1; i <= 4; i++) tx.send(i);
  assert.equal(rx.length, 4); // tokio: 4, and 1 still readable
  lagged(rx, 1);
  assert.equal(recv(rx), 2);
  tx.send(5);
  assert.equal(rx.length, 3);
  tx.send(6);
  assert.equal(rx.length, 4); // one more than the capacity: the next receive lags
  lagged(rx, 1);
  for (const v of [4, 5, 6]) assert.equal(recv(rx), v);
  empty(rx);
});

test("async_recv_lagged_then_resumes_from_oldest_retained", async () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [10, 20, 30]) tx.send(v);
  const seen = await inTask(fromGenerator(function* (): Coroutine<unknown[]> {
    const out: unknown[] = [];
    try {
      yield* rx.recv();
    } catch (e) {
      out.push(e instanceof LaggedError ? `lagged ${e.missed}` : e);
    }
    out.push(yield* rx.recv(), yield* rx.recv());
    return out;
  }()));
  assert.deepEqual(seen, ["lagged 1", 20, 30]);
});

test("lag_catch_up_then_lag_again", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3]) tx.send(v);
  lagged(rx, 1);
  assert.equal(recv(rx), 2);
  assert.equal(recv(rx), 3);
  empty(rx);
  for (const v of [4, 5, 6]) tx.send(v);
  lagged(rx, 1);
  assert.equal(recv(rx), 5);
  assert.equal(recv(rx), 6);
  empty(rx);
});

test("lag_is_per_receiver", () => {
  const [tx, slow] = broadcast<number>(2);
  const fast = tx.subscribe();
  tx.send(1);
  tx.send(2);
  assert.equal(recv(fast), 1);
  assert.equal(recv(fast), 2);
  tx.send(3);
  tx.send(4);
  assert.equal(recv(fast), 3);
  assert.equal(recv(fast), 4);
  lagged(slow, 2);
  assert.equal(recv(slow), 3);
  assert.equal(recv(slow), 4);
  empty(slow);
  empty(fast);
});

test("lag_again_before_reading_retained_messages", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3]) tx.send(v);
  lagged(rx, 1);
  for (const v of [4, 5, 6]) tx.send(v);
  lagged(rx, 3);
  assert.equal(recv(rx), 5);
  assert.equal(recv(rx), 6);
  empty(rx);
});

test("single_slot_capacity_lag_semantics", () => {
  const [tx, rx] = broadcast<number>(1);
  tx.send(1);
  assert.equal(recv(rx), 1);
  tx.send(2);
  tx.send(3);
  lagged(rx, 1);
  assert.equal(recv(rx), 3);
  empty(rx);
});

test("receiver_len_after_lag_error_advances_cursor", () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3, 4]) tx.send(v);
  assert.equal(rx.length, 4);
  lagged(rx, 2);
  assert.equal(rx.length, 2);
  assert.equal(recv(rx), 3);
  assert.equal(rx.length, 1);
  assert.equal(recv(rx), 4);
  assert.equal(rx.length, 0);
});

test("sender_len", () => {
  const [tx, rx1] = broadcast<number>(4);
  const rx2 = tx.subscribe();
  assert.equal(tx.length, 0);
  assert.ok(tx.isEmpty);
  tx.send(1);
  tx.send(2);
  tx.send(3);
  assert.equal(tx.length, 3);
  assert.ok(!tx.isEmpty);
  recv(rx1);
  recv(rx1);
  assert.equal(tx.length, 3);
  assert.ok(!tx.isEmpty);
  recv(rx2);
  assert.equal(tx.length, 2);
  assert.ok(!tx.isEmpty);
  tx.send(4);
  tx.send(5);
  tx.send(6);
  assert.equal(tx.length, 4);
  assert.ok(!tx.isEmpty);
});

// tokio counts the message's references; here, a value nobody references is garbage-collected,
// which a FinalizationRegistry sees. The value is made in a function of its own, so that no
// runtime's stack scan (Bun's is conservative) finds it.
test("unconsumed_messages_are_dropped", async () => {
  const [tx, rx] = broadcast<object>(16);
  const collected = ((): () => boolean => {
    const msg = {};
    tx.send(msg);
    return collectedLater(msg);
  })();
  assert.ok(!(await collectUntil(collected, 3)), "kept for its receiver");
  rx.drop();
  assert.ok(await collectUntil(collected), "dropped with the last receiver");
});

// tokio draws from an unseeded generator; a seeded one (mulberry32) makes a failure replayable.
test("sender_len_random", () => {
  let seed = 0x5eed;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const tryRecv = (rx: BroadcastReceiver<number>): void => {
    try {
      rx.tryRecv();
    } catch (e) {
      assert.ok(e instanceof LaggedError); // tokio ignores the result, Lagged included
    }
  };
  const [tx, rx1] = broadcast<number>(16);
  const rx2 = tx.subscribe();
  for (let i = 0; i < 1000; i++) {
    const choice = Math.floor(random() * 4);
    if (choice === 0) tryRecv(rx1);
    else if (choice === 1) tryRecv(rx2);
    else tx.send(0);
    assert.equal(tx.length, Math.min(Math.max(rx1.length, rx2.length), 16), `step ${i}`);
  }
});

test("broadcast_sender_closed", () => {
  const [tx, rx] = broadcast<null>(1);
  const rx2 = tx.subscribe();
  const task = spawn(tx.closed());
  pending(task.poll());
  rx[Symbol.dispose]();
  assert.ok(!task.isWoken());
  pending(task.poll());
  rx2[Symbol.dispose]();
  assert.ok(task.isWoken());
  ready(task.poll());
});

test("broadcast_sender_closed_with_extra_subscribe", () => {
  const [tx, rx] = broadcast<null>(1);
  const rx2 = tx.subscribe();
  const task = spawn(tx.closed());
  pending(task.poll());
  rx[Symbol.dispose]();
  assert.ok(!task.isWoken());
  pending(task.poll());
  rx2[Symbol.dispose]();
  assert.ok(task.isWoken());
  const rx3 = tx.subscribe();
  pending(task.poll());
  rx3[Symbol.dispose]();
  assert.ok(task.isWoken());
  ready(task.poll());
  ready(spawn(tx.closed()).poll());
  const rx4 = tx.subscribe();
  const task3 = spawn(tx.closed());
  pending(task3.poll());
  rx4[Symbol.dispose]();
  assert.ok(task3.isWoken());
  ready(task3.poll());
});

test("broadcast_sender_new_must_be_closed", () => {
  const tx = BroadcastSender.create<null>(1);
  ready(spawn(tx.closed()).poll());
  const _rx = tx.subscribe();
  pending(spawn(tx.closed()).poll());
});
