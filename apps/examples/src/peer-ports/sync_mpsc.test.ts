// Port of tokio/tests/sync_mpsc.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's mpsc, written from the package README. tokio's `recv() -> None` is
// STREAM_END; TryRecvError::Empty is PENDING and Disconnected is STREAM_END from tryRecv();
// TrySendError::Full is `trySend` returning false, Closed a thrown SendError; `is_empty()` is
// `length === 0`. Spindle has no `reserve`/permits: where tokio reserves a slot only to wait for
// room, a pending `send` future does the same here (README: a waiting send holds its reserved slot).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Coroutine,
  type Future,
  LocalExecutor,
  next,
  PENDING,
  ready as readyFuture,
  SpindleError,
  STREAM_END,
} from "@spindle/core";
import { mpsc, type Receiver, SendError } from "@spindle/sync";
import { pending, ready, spawn } from "./support.ts";

const invalid = (e: unknown): boolean => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";
const notAllowed = (e: unknown): boolean => e instanceof SpindleError && e.code === "BLOCKING_NOT_ALLOWED";

async function inTask<T>(future: Future<T> | Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(future);
  await executor.run();
  return await handle;
}

/** Sends 0..n-1 on a bounded channel of capacity n (every send is ready at once). */
function filled(n: number): [ReturnType<typeof mpsc.bounded<number>>[0], Receiver<number>] {
  const [tx, rx] = mpsc.bounded<number>(n);
  for (let i = 0; i < n; i++) blockOn(tx.send(i));
  return [tx, rx];
}

test("send_recv_with_buffer", () => {
  const [tx, rx] = mpsc.bounded<number>(16);
  blockOn(tx.send(1)); // tokio: reserve().await, then permit.send(1)
  assert.equal(tx.trySend(2), true);
  tx.drop();
  assert.equal(blockOn(rx.recv()), 1);
  assert.equal(blockOn(rx.recv()), 2);
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

test("send_recv_stream_with_buffer", async () => {
  const [tx, rx] = mpsc.bounded<number>(16);
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    yield* tx.send(1);
    yield* tx.send(2);
    tx.drop();
  }());
  const got = executor.spawn(function* (): Coroutine<unknown[]> {
    return [yield* next(rx), yield* next(rx), yield* next(rx)];
  }());
  await executor.run();
  assert.deepEqual(await got, [1, 2, STREAM_END]);
});

test("async_send_recv_with_buffer", async () => {
  const [tx, rx] = mpsc.bounded<number>(16);
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    yield* tx.send(1);
    yield* tx.send(2);
    tx.drop();
  }());
  const got = executor.spawn(function* (): Coroutine<unknown[]> {
    return [yield* rx.recv(), yield* rx.recv(), yield* rx.recv()];
  }());
  await executor.run();
  assert.deepEqual(await got, [1, 2, STREAM_END]);
});

test("start_send_past_cap", () => {
  const [tx1, rx] = mpsc.bounded<null>(1);
  const tx2 = tx1.clone();
  assert.equal(tx1.trySend(null), true);
  const r1 = spawn(tx1.send(null));
  pending(r1.poll());
  const r2 = spawn(tx2.send(null));
  pending(r2.poll());
  r1.drop(); // the first waiting send is cancelled: its place goes to the next
  assert.notEqual(blockOn(rx.recv()), STREAM_END);
  assert.ok(r2.isWoken());
  assert.ok(!r1.isWoken());
  r2.drop();
  tx1.drop();
  tx2.drop();
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

test("buffer_gteq_one", () => {
  assert.throws(() => mpsc.bounded(0), invalid);
});

test("send_recv_unbounded", () => {
  const [tx, rx] = mpsc.unbounded<number>();
  tx.send(1);
  tx.send(2);
  assert.equal(blockOn(rx.recv()), 1);
  assert.equal(blockOn(rx.recv()), 2);
  tx.drop();
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

test("async_send_recv_unbounded", async () => {
  const [tx, rx] = mpsc.unbounded<number>();
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    tx.send(1);
    tx.send(2);
    tx.drop();
  }());
  const got = executor.spawn(function* (): Coroutine<unknown[]> {
    return [yield* rx.recv(), yield* rx.recv(), yield* rx.recv()];
  }());
  await executor.run();
  assert.deepEqual(await got, [1, 2, STREAM_END]);
});

test("send_recv_stream_unbounded", async () => {
  const [tx, rx] = mpsc.unbounded<number>();
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    tx.send(1);
    tx.send(2);
    tx.drop();
  }());
  const got = executor.spawn(function* (): Coroutine<unknown[]> {
    return [yield* next(rx), yield* next(rx), yield* next(rx)];
  }());
  await executor.run();
  assert.deepEqual(await got, [1, 2, STREAM_END]);
});

test("send_recv_buffer_limited", () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  blockOn(tx.send(1));
  const p2 = spawn(tx.send(2));
  pending(p2.poll());
  assert.notEqual(blockOn(rx.recv()), STREAM_END);
  assert.ok(p2.isWoken());
  assert.equal(tx.trySend(1337), false, "the woken send holds the free slot");
  ready(p2.poll());
  assert.equal(blockOn(rx.recv()), 2);
});

test("recv_close_gets_none_idle", () => {
  const [tx, rx] = mpsc.bounded<number>(10);
  rx.close();
  assert.equal(blockOn(rx.recv()), STREAM_END);
  assert.throws(() => blockOn(tx.send(1)), (e) => e instanceof SendError && e.value === 1);
});

test("tx_close_gets_none", () => {
  const [tx, rx] = mpsc.bounded<number>(10);
  tx.drop();
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

test("try_send_fail", () => {
  const [tx, rx] = mpsc.bounded<string>(1);
  assert.equal(tx.trySend("hello"), true);
  assert.equal(tx.trySend("fail"), false);
  assert.equal(blockOn(rx.recv()), "hello");
  assert.equal(tx.trySend("goodbye"), true);
  tx.drop();
  assert.equal(blockOn(rx.recv()), "goodbye");
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

test("try_send_fail_with_try_recv", () => {
  const [tx, rx] = mpsc.bounded<string>(1);
  assert.equal(tx.trySend("hello"), true);
  assert.equal(tx.trySend("fail"), false);
  assert.equal(rx.tryRecv(), "hello");
  assert.equal(tx.trySend("goodbye"), true);
  tx.drop();
  assert.equal(rx.tryRecv(), "goodbye");
  assert.equal(rx.tryRecv(), STREAM_END);
});

// Ported in part: tokio's reserve()/reserve_many() become send(); the Arc count (the value freed
// with the receiver) is not observable in JavaScript.
test("dropping_rx_closes_channel", () => {
  const [tx, rx] = mpsc.bounded<object>(100);
  assert.equal(tx.trySend({}), true);
  rx[Symbol.dispose]();
  const msg = {};
  assert.throws(() => blockOn(tx.send(msg)), (e) => e instanceof SendError && e.value === msg);
});

test("dropping_rx_closes_channel_for_try", () => {
  const [tx, rx] = mpsc.bounded<object>(100);
  assert.equal(tx.trySend({}), true);
  rx[Symbol.dispose]();
  const msg = {};
  assert.throws(() => tx.trySend(msg), (e) => e instanceof SendError && e.value === msg);
  assert.equal(tx.isClosed, true);
});

// tokio's blocking_recv/blocking_send inside a runtime panic; blockOn inside a task throws.
test("blocking_recv_async", async () => {
  const [_tx, rx] = mpsc.bounded<null>(1);
  await assert.rejects(
    inTask(function* (): Coroutine<unknown> {
      return blockOn(rx.recv());
    }()),
    notAllowed,
  );
});

test("blocking_send_async", async () => {
  const [tx, _rx] = mpsc.bounded<null>(1);
  await assert.rejects(
    inTask(function* (): Coroutine<void> {
      blockOn(tx.send(null));
    }()),
    notAllowed,
  );
  assert.equal(_rx.length, 0, "the refused send sent nothing");
});

test("try_recv_bounded", () => {
  const [tx, rx] = mpsc.bounded<string>(5);
  for (let i = 0; i < 5; i++) assert.equal(tx.trySend("hello"), true);
  assert.equal(tx.trySend("hello"), false);
  for (let i = 0; i < 5; i++) assert.equal(rx.tryRecv(), "hello");
  assert.equal(rx.tryRecv(), PENDING);
  for (let i = 0; i < 4; i++) assert.equal(tx.trySend("hello"), true);
  assert.equal(rx.tryRecv(), "hello");
  assert.equal(tx.trySend("hello"), true);
  assert.equal(tx.trySend("hello"), true);
  assert.equal(tx.trySend("hello"), false);
  for (let i = 0; i < 5; i++) assert.equal(rx.tryRecv(), "hello");
  assert.equal(rx.tryRecv(), PENDING);
  for (let i = 0; i < 3; i++) assert.equal(tx.trySend("hello"), true);
  tx.drop();
  for (let i = 0; i < 3; i++) assert.equal(rx.tryRecv(), "hello");
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("try_recv_unbounded", () => {
  for (let num = 0; num < 100; num++) {
    const [tx, rx] = mpsc.unbounded<number>();
    for (let i = 0; i < num; i++) tx.send(i);
    for (let i = 0; i < num; i++) assert.equal(rx.tryRecv(), i);
    assert.equal(rx.tryRecv(), PENDING);
    tx.drop();
    assert.equal(rx.tryRecv(), STREAM_END);
  }
});

test("try_recv_after_receiver_close", () => {
  const [_tx, rx] = mpsc.bounded<null>(5);
  assert.equal(rx.tryRecv(), PENDING);
  rx.close();
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("try_recv_close_while_empty_bounded", () => {
  const [tx, rx] = mpsc.bounded<null>(5);
  assert.equal(rx.tryRecv(), PENDING);
  tx.drop();
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("try_recv_close_while_empty_unbounded", () => {
  const [tx, rx] = mpsc.unbounded<null>();
  assert.equal(rx.tryRecv(), PENDING);
  tx.drop();
  assert.equal(rx.tryRecv(), STREAM_END);
});

// Ported in part: Spindle's `capacity` is tokio's max_capacity(); tokio's capacity() (free
// slots) has no counterpart.
test("test_tx_capacity", () => {
  const [tx, _rx] = mpsc.bounded<null>(10);
  assert.equal(tx.capacity, 10);
  blockOn(tx.send(null));
  assert.equal(tx.capacity, 10);
});

for (const kind of ["bounded", "unbounded"] as const) {
  const prefix = kind === "bounded" ? "test_rx" : "test_rx_unbounded";
  // One channel of each kind, with a `send` that completes at once.
  const channel = (): [{ send(v: number): void; clone(): { drop(): void }; drop(): void }, Receiver<number>] => {
    if (kind === "unbounded") return mpsc.unbounded<number>();
    const [tx, rx] = mpsc.bounded<number>(100);
    return [{ send: (v) => blockOn(tx.send(v)), clone: () => tx.clone(), drop: () => tx.drop() }, rx];
  };
  const sendTen = (tx: { send(v: number): void }): void => {
    for (let i = 0; i < 10; i++) tx.send(i);
  };

  test(`${prefix}_is_closed_when_calling_close_with_sender`, () => {
    const [_tx, rx] = channel();
    rx.close();
    assert.equal(rx.isClosed, true);
  });

  test(`${prefix}_is_closed_when_dropping_all_senders`, async () => {
    const [tx, rx] = channel();
    const another = tx.clone();
    await inTask(function* (): Coroutine<void> {
      another.drop();
    }());
    tx.drop();
    assert.equal(rx.isClosed, true);
  });

  test(`${prefix}_is_not_closed_when_there_are_senders`, () => {
    const [_tx, rx] = channel();
    assert.equal(rx.isClosed, false);
  });

  if (kind === "bounded") {
    test("test_rx_is_not_closed_when_there_are_senders_and_buffer_filled", () => {
      const [_tx, rx] = filled(10);
      assert.equal(rx.isClosed, false);
    });
  }

  test(`${prefix}_is_closed_when_there_are_no_senders_and_there_are_messages`, () => {
    const [tx, rx] = channel();
    sendTen(tx);
    tx.drop();
    assert.equal(rx.isClosed, true);
  });

  test(`${prefix}_is_closed_when_there_are_messages_and_close_is_called`, () => {
    const [tx, rx] = channel();
    sendTen(tx);
    rx.close();
    assert.equal(rx.isClosed, true);
  });

  test(`${prefix}_is_empty_when_no_messages_were_sent`, () => {
    const [_tx, rx] = channel();
    assert.equal(rx.length, 0);
  });

  test(`${prefix}_is_not_empty_when_there_are_messages_in_the_buffer`, () => {
    const [tx, rx] = channel();
    tx.send(0);
    assert.notEqual(rx.length, 0);
  });

  if (kind === "bounded") {
    test("test_rx_is_not_empty_when_the_buffer_is_full", () => {
      const [_tx, rx] = filled(10);
      assert.notEqual(rx.length, 0);
    });
  }

  test(`${prefix}_is_not_empty_when_all_but_one_messages_are_consumed`, () => {
    const [tx, rx] = channel();
    sendTen(tx);
    for (let i = 0; i < 9; i++) assert.notEqual(blockOn(rx.recv()), STREAM_END);
    assert.notEqual(rx.length, 0);
  });

  test(`${prefix}_is_empty_when_all_messages_are_consumed`, () => {
    const [tx, rx] = channel();
    sendTen(tx);
    while (rx.tryRecv() !== PENDING);
    assert.equal(rx.length, 0);
  });

  test(`${prefix}_is_empty_all_senders_are_dropped_and_messages_consumed`, () => {
    const [tx, rx] = channel();
    sendTen(tx);
    tx.drop();
    for (let i = 0; i < 10; i++) assert.notEqual(blockOn(rx.recv()), STREAM_END);
    assert.equal(rx.length, 0);
  });

  test(`${prefix}_len_on_empty_channel`, () => {
    const [_tx, rx] = channel();
    assert.equal(rx.length, 0);
  });

  test(`${prefix}_len_on_empty_channel_without_senders`, () => {
    const [tx, rx] = channel();
    tx.drop();
    assert.equal(rx.length, 0);
  });

  const bounded = kind === "bounded";
  test(`${prefix}_len_${bounded ? "on_filled_channel" : "with_multiple_messages"}`, () => {
    const [tx, rx] = channel();
    for (let i = 0; i < 100; i++) tx.send(i);
    assert.equal(rx.length, 100);
  });

  test(
    `${prefix}_len_${bounded ? "on_filled_channel_without_senders" : "with_multiple_messages_and_dropped_senders"}`,
    () => {
      const [tx, rx] = channel();
      for (let i = 0; i < 100; i++) tx.send(i);
      tx.drop();
      assert.equal(rx.length, 100);
    },
  );

  test(`${prefix}_len_when_consuming_all_messages`, () => {
    const [tx, rx] = channel();
    for (let i = 0; i < 100; i++) {
      tx.send(i);
      assert.equal(rx.length, i + 1);
    }
    tx.drop();
    for (let i = 99; i >= 0; i--) {
      assert.notEqual(blockOn(rx.recv()), STREAM_END);
      assert.equal(rx.length, i);
    }
  });

  test(`${prefix}_len_when_close_is_called`, () => {
    const [tx, rx] = channel();
    tx.send(0);
    rx.close();
    assert.equal(rx.length, 1);
  });

  test(`${prefix}_len_when_close_is_called_before_dropping_sender`, () => {
    const [tx, rx] = channel();
    tx.send(0);
    rx.close();
    tx.drop();
    assert.equal(rx.length, 1);
  });

  test(`${prefix}_len_when_close_is_called_after_dropping_sender`, () => {
    const [tx, rx] = channel();
    tx.send(0);
    tx.drop();
    rx.close();
    assert.equal(rx.length, 1);
  });
}

test("test_is_empty_32_msgs", () => {
  const [sender, receiver] = mpsc.bounded<number>(33);
  for (let value = 1; value < 257; value++) {
    blockOn(sender.send(value));
    assert.equal(blockOn(receiver.recv()), value);
    assert.equal(receiver.length, 0, `${value}. len: ${receiver.length}`);
  }
});

test("release_waker_on_rx_drop", () => {
  const [_tx, rx] = mpsc.bounded<null>(1);
  const task = spawn(readyFuture(null)); // only its waker is used: rx is polled directly, as tokio's poll_recv
  assert.equal(task.wakerRefCount, 1);
  assert.equal(rx.pollNext(task.cx), PENDING);
  assert.equal(task.wakerRefCount, 2);
  rx[Symbol.dispose]();
  assert.equal(task.wakerRefCount, 1, "dropping rx did not drop its waker");
});
