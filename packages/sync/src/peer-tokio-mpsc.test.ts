// tokio's tests/sync_mpsc.rs, ported test by test onto the public API (PEER-TESTS.md maps each one).
// `#[tokio::test]` becomes blockOn (when nothing waits for another task) or a LocalExecutor run;
// `tokio_test::task::spawn` + `assert_pending!` / `is_woken()` become a MockTask polled by hand.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Coroutine,
  LocalExecutor,
  next,
  PENDING,
  SpindleError,
  STREAM_END,
  type StreamEnd,
} from "@spindle/core";
import { countingWaker } from "@spindle/test-support";
import { ClosedError, mpsc, type Sender, SendError, type SendPermit } from "@spindle/sync";
import { mockTask } from "./test-support/mock-task.ts";

/** Runs `tasks` on one LocalExecutor to the end (tokio::spawn + .await). */
async function runTasks(...tasks: Coroutine<unknown>[]): Promise<void> {
  const executor = new LocalExecutor();
  for (const task of tasks) executor.spawn(task);
  await executor.run();
}

const invalid = (error: unknown) => error instanceof SpindleError && error.code === "INVALID_ARGUMENT";

/** The bounded and unbounded variants tokio tests twice (`test_rx_*` and `test_rx_unbounded_*`). */
const kinds = [
  {
    name: "",
    make: <T>() => {
      const [tx, rx] = mpsc.bounded<T>(100);
      return { send: (v: T) => blockOn(tx.send(v)), drop: () => tx.drop(), rx };
    },
  },
  {
    name: "unbounded_",
    make: <T>() => {
      const [tx, rx] = mpsc.unbounded<T>();
      return { send: (v: T) => tx.send(v), drop: () => tx.drop(), rx };
    },
  },
];

test("send_recv_with_buffer", () => {
  const [tx, rx] = mpsc.bounded<number>(16);
  blockOn(tx.reserve()).send(1);
  assert.equal(tx.trySend(2), true);
  tx.drop();
  assert.equal(blockOn(rx.recv()), 1);
  assert.equal(blockOn(rx.recv()), 2);
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

test("reserve_disarm", () => {
  const [tx, rx] = mpsc.bounded<number>(2);
  const [tx1, tx2, tx3, tx4] = [tx.clone(), tx.clone(), tx.clone(), tx];
  const permit1 = blockOn(tx1.reserve());
  const permit2 = blockOn(tx2.reserve());
  const r3 = mockTask(tx3.reserve());
  assert.equal(r3.poll(), PENDING);
  const r4 = mockTask(tx4.reserve());
  assert.equal(r4.poll(), PENDING);
  permit1.send(1);
  assert.equal(r3.isWoken(), false); // the slot is freed by the receive, not the send
  assert.equal(blockOn(rx.recv()), 1);
  assert.equal(r3.isWoken(), true);
  assert.equal(r4.isWoken(), false);
  permit2.release();
  assert.equal(r4.isWoken(), true);
  const r1 = mockTask(tx1.reserve());
  assert.equal(r1.poll(), PENDING);
});

for (const name of ["send_recv_stream_with_buffer", "async_send_recv_with_buffer"]) {
  test(name, async () => {
    const [tx, rx] = mpsc.bounded<number>(16);
    const got: (number | StreamEnd)[] = [];
    await runTasks(
      function* () {
        yield* tx.send(1);
        yield* tx.send(2);
        tx.drop();
      }(),
      function* () {
        for (let i = 0; i < 3; i++) got.push(yield* (name.includes("stream") ? next(rx) : rx.recv()));
      }(),
    );
    assert.deepEqual(got, [1, 2, STREAM_END]);
  });
}

test("async_send_recv_many_with_buffer (recvMany(0) is an INVALID_ARGUMENT RangeError, not 0)", async () => {
  const [tx, rx] = mpsc.bounded<number>(2);
  assert.throws(() => rx.recvMany(0), RangeError);
  const buffer: number[] = [];
  await runTasks(
    function* () {
      for (const v of [1, 2, 7, 0]) yield* tx.send(v);
      tx.drop();
    }(),
    function* () {
      while (buffer.length < 4) {
        const chunk = yield* rx.recvMany(3);
        assert.notEqual(chunk, STREAM_END);
        buffer.push(...chunk as number[]);
      }
      assert.equal(yield* rx.recvMany(3), STREAM_END);
    }(),
  );
  assert.deepEqual(buffer, [1, 2, 7, 0]);
});

test("start_send_past_cap", () => {
  const [tx1, rx] = mpsc.bounded<null>(1);
  const tx2 = tx1.clone();
  assert.equal(tx1.trySend(null), true);
  const r1 = mockTask(tx1.reserve());
  assert.equal(r1.poll(), PENDING);
  const r2 = mockTask(tx2.reserve());
  assert.equal(r2.poll(), PENDING);
  r1.drop();
  assert.equal(blockOn(rx.recv()), null);
  assert.equal(r2.isWoken(), true);
  assert.equal(r1.isWoken(), false);
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

test("send_recv_many_unbounded (recvMany(0) is a RangeError)", () => {
  const [tx, rx] = mpsc.unbounded<number>();
  assert.throws(() => rx.recvMany(0), RangeError);
  for (const v of [7, 13, 100, 1002]) tx.send(v);
  const buffer: number[] = [];
  while (buffer.length < 4) buffer.push(...blockOn(rx.recvMany(1)) as number[]);
  assert.deepEqual(buffer, [7, 13, 100, 1002]);
  for (const v of [5, 6, 7, 2]) tx.send(v);
  assert.deepEqual(blockOn(rx.recvMany(32)), [5, 6, 7, 2]);
  tx.drop();
  assert.equal(blockOn(rx.recvMany(4)), STREAM_END);
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

for (const kind of ["bounded", "unbounded"] as const) {
  test(`send_recv_many_${kind}_capacity`, async () => {
    const limit = 9;
    const [tx, rx] = kind === "bounded" ? mpsc.bounded<string>(100) : mpsc.unbounded<string>();
    const send = (v: string) => kind === "bounded" ? blockOn((tx as Sender<string>).send(v)) : tx.send(v);
    const expected = Array.from({ length: limit }, (_, i) => `${i}`);
    for (const x of expected) send(x);
    send("one more");
    assert.deepEqual(blockOn(rx.recvMany(limit)), expected);
    assert.deepEqual(blockOn(rx.recvMany(limit)), ["one more"]);
    await runTasks(
      function* () {
        if (kind === "bounded") yield* (tx as Sender<string>).send("final");
        else tx.send("final");
        tx.drop();
      }(),
      function* () {
        assert.deepEqual(yield* rx.recvMany(limit), ["final"]);
        assert.equal(yield* rx.recvMany(limit), STREAM_END);
      }(),
    );
  });

  test(`recv_many_with_non_empty_buffer_${kind}_rx_closed_and_idle`, () => {
    const [_tx, rx] = kind === "bounded" ? mpsc.bounded<number>(1) : mpsc.unbounded<number>();
    rx.close();
    assert.equal(blockOn(rx.recvMany(1)), STREAM_END);
  });
}

for (const name of ["async_send_recv_unbounded", "send_recv_stream_unbounded"]) {
  test(name, async () => {
    const [tx, rx] = mpsc.unbounded<number>();
    const got: (number | StreamEnd)[] = [];
    await runTasks(
      function* () {
        tx.send(1);
        tx.send(2);
        tx.drop();
        yield* [];
      }(),
      function* () {
        for (let i = 0; i < 3; i++) got.push(yield* (name.includes("stream") ? next(rx) : rx.recv()));
      }(),
    );
    assert.deepEqual(got, [1, 2, STREAM_END]);
  });
}

class NoImpls {}

test("no_t_bounds_buffer (any value, handed over as is; senders clone whatever T is)", () => {
  const [tx, rx] = mpsc.bounded<NoImpls>(100);
  const value = new NoImpls();
  assert.equal(tx.clone().trySend(value), true);
  assert.equal(blockOn(rx.recv()), value);
});

test("no_t_bounds_unbounded", () => {
  const [tx, rx] = mpsc.unbounded<NoImpls>();
  const value = new NoImpls();
  tx.clone().send(value);
  assert.equal(blockOn(rx.recv()), value);
});

test("send_recv_buffer_limited", () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  blockOn(tx.reserve()).send(1);
  const p2 = mockTask(tx.reserve());
  assert.equal(p2.poll(), PENDING);
  assert.equal(blockOn(rx.recv()), 1);
  assert.equal(p2.isWoken(), true);
  assert.equal(tx.trySend(1337), false); // the freed slot went to the waiting reservation
  const permit = p2.poll();
  assert.notEqual(permit, PENDING);
  (permit as SendPermit<number>).send(2);
  assert.equal(blockOn(rx.recv()), 2);
});

test("recv_close_gets_none_idle", () => {
  const [tx, rx] = mpsc.bounded<number>(10);
  rx.close();
  assert.equal(blockOn(rx.recv()), STREAM_END);
  assert.throws(() => blockOn(tx.send(1)), SendError);
});

test("recv_close_gets_none_reserved", () => {
  const [tx1, rx] = mpsc.bounded<number>(1);
  const tx2 = tx1.clone();
  const permit1 = blockOn(tx1.reserve());
  const permit2 = mockTask(tx2.reserve());
  assert.equal(permit2.poll(), PENDING);
  rx.close();
  assert.equal(permit2.isWoken(), true);
  assert.throws(() => permit2.poll(), ClosedError);
  const recv = mockTask(rx.recv());
  assert.equal(recv.poll(), PENDING);
  permit1.send(123);
  assert.equal(recv.isWoken(), true);
  assert.equal(recv.poll(), 123);
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

for (const many of [true, false]) {
  const reserveOf = (tx: Sender<null>) => many ? tx.reserveMany(2) : tx.reserve();
  test(`failed_reserve${many ? "_many" : ""}_wakes_closed_receiver`, () => {
    const [tx, rx] = mpsc.bounded<null>(many ? 2 : 1);
    const permit = tx.tryReserve()!;
    const reserve = mockTask(reserveOf(tx));
    assert.equal(reserve.poll(), PENDING);
    if (!many) {
      permit.release(); // the slot goes to the queued reservation, not yet polled
      assert.equal(reserve.isWoken(), true);
    }
    rx.close();
    const recv = mockTask(rx.recv());
    assert.equal(recv.poll(), PENDING);
    if (many) {
      permit.release();
      assert.equal(recv.isWoken(), false); // the reservation still holds a slot
    }
    assert.throws(() => reserve.poll(), ClosedError);
    assert.equal(recv.isWoken(), true);
    assert.equal(recv.poll(), STREAM_END);
  });

  test(`cancelled_reserve${many ? "_many" : ""}_wakes_closed_receiver`, () => {
    const [tx, rx] = mpsc.bounded<null>(many ? 2 : 1);
    const permit = tx.tryReserve()!;
    const reserve = mockTask(reserveOf(tx));
    assert.equal(reserve.poll(), PENDING);
    if (!many) {
      permit.release();
      assert.equal(reserve.isWoken(), true);
    }
    rx.close();
    const recv = mockTask(rx.recv());
    assert.equal(recv.poll(), PENDING);
    if (many) {
      permit.release();
      assert.equal(recv.isWoken(), false);
    }
    reserve.drop();
    assert.equal(recv.isWoken(), true);
    assert.equal(recv.poll(), STREAM_END);
  });
}

test("tx_close_gets_none", () => {
  const [tx, rx] = mpsc.bounded<number>(10);
  tx.drop();
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

test("try_send_fail", () => {
  const [tx, rx] = mpsc.bounded<string>(1);
  assert.equal(tx.trySend("hello"), true);
  assert.equal(tx.trySend("fail"), false); // full
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
  assert.equal(rx.tryRecv(), STREAM_END); // TryRecvError::Disconnected
});

test("reserve_many_above_cap (INVALID_ARGUMENT at the call, not an error from the future)", () => {
  const [tx, _rx] = mpsc.bounded<null>(1);
  for (const n of [2, 2 ** 31, Number.MAX_SAFE_INTEGER]) assert.throws(() => tx.reserveMany(n), invalid);
});

test("try_reserve_many_zero", () => {
  const [tx, rx] = mpsc.bounded<null>(1);
  assert.equal(tx.tryReserveMany(0)!.count, 0);
  assert.equal(tx.trySend(null), true);
  assert.equal(tx.tryReserveMany(0)!.count, 0); // even when full
  rx.drop();
  assert.throws(() => tx.tryReserveMany(0), ClosedError);
});

test("reserve_many_zero", () => {
  const [tx, rx] = mpsc.bounded<null>(1);
  assert.equal(blockOn(tx.reserveMany(0)).count, 0);
  blockOn(tx.send(null));
  assert.equal(blockOn(tx.reserveMany(0)).count, 0);
  rx.drop();
  assert.throws(() => blockOn(tx.reserveMany(0)), ClosedError);
});

test("try_reserve_many_edge_cases (beyond the capacity is INVALID_ARGUMENT, not Full)", () => {
  const [tx, rx] = mpsc.bounded<null>(1);
  assert.equal(tx.tryReserveMany(0)!.count, 0);
  assert.throws(() => tx.tryReserveMany(2 ** 31), invalid);
  assert.throws(() => tx.tryReserveMany(Number.MAX_SAFE_INTEGER), invalid);
  rx.drop();
  assert.throws(() => blockOn(tx.reserveMany(0)), ClosedError);
});

test("try_reserve_fails", () => {
  const [tx, rx] = mpsc.bounded<string>(1);
  const permit = tx.tryReserve()!;
  assert.equal(tx.tryReserve(), null); // Full
  permit.send("foo");
  assert.equal(blockOn(rx.recv()), "foo");
  tx.tryReserve()!.release();
  assert.notEqual(tx.tryReserve(), null);
});

for (const name of ["reserve_many_and_send", "try_reserve_many_and_send"]) {
  test(name, () => {
    const [tx, rx] = mpsc.bounded<string>(100);
    for (let i = 0; i < 100; i++) {
      const permit = name.startsWith("try") ? tx.tryReserveMany(i)! : blockOn(tx.reserveMany(i));
      while (permit.count > 0) {
        permit.send("foo");
        assert.equal(blockOn(rx.recv()), "foo");
      }
      assert.equal(rx.tryRecv(), PENDING); // TryRecvError::Empty
    }
  });
}

test("reserve_many_on_closed_channel", () => {
  const [tx, rx] = mpsc.bounded<null>(100);
  rx.drop();
  assert.throws(() => blockOn(tx.reserveMany(10)), ClosedError);
});

test("try_reserve_many_on_closed_channel", () => {
  const [tx, rx] = mpsc.bounded<number>(100);
  rx.drop();
  assert.throws(() => tx.tryReserveMany(10), ClosedError);
});

test("try_reserve_many_full", () => {
  for (let n = 1; n < 100; n++) {
    for (let k = 0; k < n; k++) {
      const [tx, rx] = mpsc.bounded<number>(n);
      const permits = tx.tryReserveMany(n)!;
      assert.equal(permits.count, n);
      assert.equal(tx.availableCapacity, 0);
      assert.equal(tx.tryReserveMany(1), null);
      for (let i = 0; i < k; i++) permits.send(0);
      assert.equal(tx.availableCapacity, 0); // k sent values hold their slots until received
      permits.release(); // tokio's `permits.take(k)` drops the iterator's other permits
      assert.equal(tx.availableCapacity, n - k);
      tx.tryReserveMany(1)!.release(); // tokio drops the permit at once
      // tokio answers Full for n - k + 1 slots; beyond the capacity (k = 0) it is INVALID_ARGUMENT here
      if (k === 0) assert.throws(() => tx.tryReserveMany(n + 1), invalid);
      else assert.equal(tx.tryReserveMany(n - k + 1), null);
      for (let i = 0; i < k; i++) assert.equal(rx.tryRecv(), 0);
      assert.equal(tx.availableCapacity, n);
    }
  }
});

test("drop_permit_releases_permit", () => {
  const [tx1, _rx] = mpsc.bounded<number>(1);
  const tx2 = tx1.clone();
  const permit = blockOn(tx1.reserve());
  const reserve2 = mockTask(tx2.reserve());
  assert.equal(reserve2.poll(), PENDING);
  permit.release();
  assert.equal(reserve2.isWoken(), true);
  assert.notEqual(reserve2.poll(), PENDING);
});

test("drop_permit_iterator_releases_permits", () => {
  for (let n = 1; n < 100; n++) {
    const [tx1, _rx] = mpsc.bounded<number>(n);
    const tx2 = tx1.clone();
    const permits = blockOn(tx1.reserveMany(n));
    const reserve2 = mockTask(tx2.reserveMany(n));
    assert.equal(reserve2.poll(), PENDING);
    permits.release();
    assert.equal(reserve2.isWoken(), true);
    const second = reserve2.poll();
    assert.notEqual(second, PENDING);
    (second as SendPermit<number>).release();
    assert.equal(tx1.availableCapacity, n);
  }
});

for (
  const [name, end] of [
    ["dropping_last_permit_wakes_closed_receiver", "release"],
    ["dropping_last_owned_permit_wakes_closed_receiver", "dispose"],
    ["dropping_last_permit_iterator_wakes_closed_receiver", "many"],
    ["sending_last_permit_wakes_closed_receiver", "send"],
    ["sending_last_owned_permit_wakes_closed_receiver", "send"],
    ["releasing_last_owned_permit_wakes_closed_receiver", "release"],
  ] as const
) {
  test(name, () => {
    const [tx, rx] = mpsc.bounded<null>(100);
    const permit = end === "many" ? tx.tryReserveMany(1)! : tx.tryReserve()!;
    rx.close();
    const recv = mockTask(rx.recv());
    assert.equal(recv.poll(), PENDING);
    if (end === "send") permit.send(null);
    else if (end === "dispose") permit[Symbol.dispose]();
    else permit.release();
    assert.equal(recv.isWoken(), true);
    assert.notEqual(recv.poll(), PENDING);
  });
}

test("dropping_rx_closes_channel", () => {
  const [tx, rx] = mpsc.bounded<object>(100);
  assert.equal(tx.trySend({}), true);
  rx.drop();
  assert.equal(rx.length, 0); // the buffered value was dropped with the receiver
  assert.throws(() => blockOn(tx.reserve()), ClosedError);
  assert.throws(() => blockOn(tx.reserveMany(10)), ClosedError);
});

test("dropping_rx_closes_channel_for_try", () => {
  const [tx, rx] = mpsc.bounded<object>(100);
  const msg = {};
  assert.equal(tx.trySend(msg), true);
  rx.drop();
  assert.throws(() => tx.trySend(msg), (e) => e instanceof SendError && e.value === msg);
  assert.throws(() => tx.tryReserve(), ClosedError);
});

test("ready_close_cancel_bounded", () => {
  const [tx, rx] = mpsc.bounded<null>(100);
  const _tx2 = tx.clone();
  const permit = blockOn(tx.reserve());
  rx.close();
  const recv = mockTask(rx.recv());
  assert.equal(recv.poll(), PENDING);
  permit.release();
  assert.equal(recv.isWoken(), true);
  assert.equal(recv.poll(), STREAM_END);
});

test("permit_available_not_acquired_close", () => {
  const [tx1, rx] = mpsc.bounded<null>(1);
  const tx2 = tx1.clone();
  const permit1 = blockOn(tx1.reserve());
  const permit2 = mockTask(tx2.reserve());
  assert.equal(permit2.poll(), PENDING);
  rx.close();
  permit1.release();
  assert.equal(permit2.isWoken(), true);
  permit2.drop();
  assert.equal(blockOn(rx.recv()), STREAM_END);
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

test("try_recv_after_receiver_close_with_permit", () => {
  const [tx, rx] = mpsc.bounded<null>(5);
  const permit = tx.tryReserve()!;
  assert.equal(rx.tryRecv(), PENDING);
  rx.close();
  assert.equal(rx.tryRecv(), PENDING);
  permit.release();
  assert.equal(rx.tryRecv(), STREAM_END);
});

for (const kind of ["bounded", "unbounded"] as const) {
  test(`try_recv_close_while_empty_${kind}`, () => {
    const [tx, rx] = kind === "bounded" ? mpsc.bounded<null>(5) : mpsc.unbounded<null>();
    assert.equal(rx.tryRecv(), PENDING);
    tx.drop();
    assert.equal(rx.tryRecv(), STREAM_END);
  });
}

test("test_tx_capacity", () => {
  const [tx, _rx] = mpsc.bounded<null>(10);
  assert.equal(tx.availableCapacity, 10);
  assert.equal(tx.capacity, 10);
  const _permit = blockOn(tx.reserve());
  assert.equal(tx.availableCapacity, 9);
  assert.equal(tx.capacity, 10);
  blockOn(tx.send(null));
  assert.equal(tx.availableCapacity, 8);
  assert.equal(tx.capacity, 10);
});

for (const { name: u, make } of kinds) {
  test(`test_rx_${u}is_closed_when_calling_close_with_sender`, () => {
    const { rx } = make<null>();
    rx.close();
    assert.equal(rx.isClosed, true);
  });

  test(`test_rx_${u}is_closed_when_dropping_all_senders`, async () => {
    const { rx, drop } = make<null>();
    drop();
    assert.equal(rx.isClosed, true);
  });

  test(`test_rx_${u}is_not_closed_when_there_are_senders`, () => {
    assert.equal(make<null>().rx.isClosed, false);
  });

  test(`test_rx_${u}is_closed_when_there_are_no_senders_and_there_are_messages`, () => {
    const { rx, send, drop } = make<number>();
    for (let i = 0; i < 10; i++) send(i);
    drop();
    assert.equal(rx.isClosed, true);
  });

  test(`test_rx_${u}is_closed_when_there_are_messages_and_close_is_called`, () => {
    const { rx, send } = make<number>();
    for (let i = 0; i < 10; i++) send(i);
    rx.close();
    assert.equal(rx.isClosed, true);
  });

  test(`test_rx_${u}is_empty_when_no_messages_were_sent`, () => {
    assert.equal(make<null>().rx.isEmpty, true);
  });

  test(`test_rx_${u}is_not_empty_when_there_are_messages_in_the_buffer`, () => {
    const { rx, send } = make<null>();
    send(null);
    assert.equal(rx.isEmpty, false);
  });

  test(`test_rx_${u}is_not_empty_when_all_but_one_messages_are_consumed`, () => {
    const { rx, send } = make<number>();
    for (let i = 0; i < 10; i++) send(i);
    for (let i = 0; i < 9; i++) assert.notEqual(blockOn(rx.recv()), STREAM_END);
    assert.equal(rx.isEmpty, false);
  });

  test(`test_rx_${u}is_empty_when_all_messages_are_consumed`, () => {
    const { rx, send } = make<number>();
    for (let i = 0; i < 10; i++) send(i);
    while (rx.tryRecv() !== PENDING);
    assert.equal(rx.isEmpty, true);
  });

  test(`test_rx_${u}is_empty_all_senders_are_dropped_and_messages_consumed`, () => {
    const { rx, send, drop } = make<number>();
    for (let i = 0; i < 10; i++) send(i);
    drop();
    for (let i = 0; i < 10; i++) assert.notEqual(blockOn(rx.recv()), STREAM_END);
    assert.equal(rx.isEmpty, true);
  });

  test(`test_rx_${u}len_on_empty_channel`, () => {
    assert.equal(make<null>().rx.length, 0);
  });

  test(`test_rx_${u}len_on_empty_channel_without_senders`, () => {
    const { rx, drop } = make<null>();
    drop();
    assert.equal(rx.length, 0);
  });

  test(`test_rx_${u}len_${u ? "with_multiple_messages" : "on_filled_channel"}`, () => {
    const { rx, send } = make<number>();
    for (let i = 0; i < 100; i++) send(i);
    assert.equal(rx.length, 100);
  });

  test(`test_rx_${u}len_${u ? "with_multiple_messages_and_dropped_senders" : "on_filled_channel_without_senders"}`, () => {
    const { rx, send, drop } = make<number>();
    for (let i = 0; i < 100; i++) send(i);
    drop();
    assert.equal(rx.length, 100);
  });

  test(`test_rx_${u}len_when_consuming_all_messages`, () => {
    const { rx, send, drop } = make<number>();
    for (let i = 0; i < 100; i++) {
      send(i);
      assert.equal(rx.length, i + 1);
    }
    drop();
    for (let i = 99; i >= 0; i--) {
      assert.notEqual(blockOn(rx.recv()), STREAM_END);
      assert.equal(rx.length, i);
    }
  });

  for (const order of ["", "_before_dropping_sender", "_after_dropping_sender"]) {
    test(`test_rx_${u}len_when_close_is_called${order}`, () => {
      const { rx, send, drop } = make<null>();
      send(null);
      if (order === "_after_dropping_sender") drop();
      rx.close();
      if (order === "_before_dropping_sender") drop();
      assert.equal(rx.length, 1);
    });
  }
}

test("test_rx_is_not_closed_when_there_are_permits_but_not_senders", () => {
  const [tx, rx] = mpsc.bounded<null>(10);
  const _permit = blockOn(tx.reserve());
  tx.drop();
  assert.equal(rx.isClosed, false);
});

test("test_rx_is_not_closed_when_there_are_senders_and_buffer_filled", () => {
  const [tx, rx] = mpsc.bounded<number>(10);
  for (let i = 0; i < 10; i++) blockOn(tx.send(i));
  assert.equal(rx.isClosed, false);
});

test("test_rx_is_not_empty_when_the_buffer_is_full", () => {
  const [tx, rx] = mpsc.bounded<number>(10);
  for (let i = 0; i < 10; i++) blockOn(tx.send(i));
  assert.equal(rx.isEmpty, false);
});

test("test_is_empty_32_msgs", () => {
  const [tx, rx] = mpsc.bounded<number>(33);
  for (let value = 1; value < 257; value++) {
    blockOn(tx.send(value));
    assert.equal(blockOn(rx.recv()), value);
    assert.equal(rx.isEmpty, true, `${value}. len: ${rx.length}`);
  }
});

test("release_waker_on_rx_drop", () => {
  const { cx, counter } = countingWaker();
  const [_tx, rx] = mpsc.bounded<null>(1);
  assert.equal(rx.pollNext(cx), PENDING);
  assert.equal(counter.live, 2); // the waker and the clone the receiver keeps
  rx.drop();
  assert.equal(counter.live, 1, "dropping rx did not drop its waker");
});
