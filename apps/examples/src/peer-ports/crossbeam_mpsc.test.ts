// Port of crossbeam-channel's tests/mpsc.rs (crossbeam-rs/crossbeam
// 7de845aa13ce5d80084ce0889e014ae0aa0d19ce; std's `sync::mpsc` tests run on crossbeam), its parts
// on a bounded channel: `sync_channel_tests` (`sync_channel(n)` is crossbeam's `bounded(n)`) and the
// `select_tests` over one (`sync1`, `sync2`, `sync3`), onto @spindle/sync's sharedChannel, written
// from the sync README. The mapping of calls and threads is crossbeam_array.test.ts's; a test
// thread that blocks while the threads it spawned run is a thread of the scope too
// (crossbeam/mpsc-bodies.ts), `Box<T>` is the value itself, `()` is `null`, and `stress_factor()`
// is 1 (its default).
// Differs: sharedChannel has no zero-capacity (rendezvous) channel (a capacity is 1 or more), so
// `sync_channel(0)` is capacity 1 where the test does not depend on a send waiting for a
// receiver; the tests that do are not portable: `oneshot_single_thread_try_send_closed2` and
// `try_send1` (a `try_send` on a zero-capacity channel with no receiver waiting is Full), `send2`
// and `send4` (a send fails once the receiver is dropped: with room in the channel it completes
// first). `shared_chan_stress` runs 16 threads where upstream runs 101; `stream_send_recv_stress`'s
// chains of threads, each spawning the next after its send (receive), are one thread per side doing
// the ten in the same order. `select!` over one channel is core's `race` (sync3: two) over the
// receivers' futures, on a LocalExecutor of the test thread. Not ported: `channel_tests` and the
// other `select_tests` (std's unbounded `channel()`; crossbeam's unbounded channel has no
// cross-thread counterpart here).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, type Future, LocalExecutor, PENDING, race, STREAM_END } from "@spindle/core";
import {
  SendError,
  sharedChannel,
  type SharedReceiver,
  type SharedReceiverHandle,
  type SharedSender,
  type SharedSenderHandle,
} from "@spindle/sync";
import { scope, type Spawn } from "./crossbeam/support.ts";

/** A handle of `end` for a thread, which the test gives up (a Rust `move` into the thread). */
function moved<T>(end: SharedSender<T>): SharedSenderHandle<T>;
function moved<T>(end: SharedReceiver<T>): SharedReceiverHandle<T>;
function moved<T>(end: SharedSender<T> | SharedReceiver<T>): SharedSenderHandle<T> | SharedReceiverHandle<T> {
  const handle = end.handle();
  end.drop();
  return handle;
}

async function onExecutor<T>(body: Future<T> | Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(body);
  await executor.run();
  return await handle;
}

const fails = (value: unknown) => (e: unknown): boolean => e instanceof SendError && Object.is(e.value, value);

test("smoke", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.sendBlocking(1), true);
  assert.equal(rx.recvBlocking(), 1);
});

test("drop_full", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.sendBlocking(1), true);
  tx.drop();
  rx.drop();
  assert.equal(rx.length, 0);
});

test("smoke_shared", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.sendBlocking(1), true);
  assert.equal(rx.recvBlocking(), 1);
  const tx2 = tx.clone();
  assert.equal(tx2.sendBlocking(1), true);
  assert.equal(rx.recvBlocking(), 1);
});

test("recv_timeout", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(rx.recvBlocking(1), PENDING);
  assert.equal(tx.sendBlocking(1), true);
  assert.equal(rx.recvBlocking(1), 1);
});

test("smoke_threads", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.send", data: { s: moved(tx), values: [1] } },
    { body: "mpsc.recv", data: { r: moved(rx), values: [1] } },
  ]);
});

test("smoke_port_gone", () => {
  const [tx, rx] = sharedChannel<number>(1);
  rx.drop();
  assert.throws(() => tx.sendBlocking(1), fails(1));
});

test("smoke_shared_port_gone2", () => {
  const [tx, rx] = sharedChannel<number>(1);
  rx.drop();
  const tx2 = tx.clone();
  tx.drop();
  assert.throws(() => tx2.sendBlocking(1), fails(1));
});

test("port_gone_concurrent", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.recvOne", data: { r: moved(rx) } },
    { body: "mpsc.sendUntilError", data: { s: [moved(tx)], value: 1 } },
  ]);
});

test("port_gone_concurrent_shared", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  const tx2 = tx.clone();
  await scope([
    { body: "mpsc.recvOne", data: { r: moved(rx) } },
    { body: "mpsc.sendUntilError", data: { s: [moved(tx), moved(tx2)], value: 1 } },
  ]);
});

test("smoke_chan_gone", () => {
  const [tx, rx] = sharedChannel<number>(1);
  tx.drop();
  assert.equal(rx.recvBlocking(), STREAM_END);
});

test("smoke_chan_gone_shared", () => {
  const [tx, rx] = sharedChannel<null>(1);
  const tx2 = tx.clone();
  tx.drop();
  tx2.drop();
  assert.equal(rx.recvBlocking(), STREAM_END);
});

test("chan_gone_concurrent", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.send", data: { s: moved(tx), values: [1, 1] } },
    { body: "mpsc.drainUntilEnd", data: { r: moved(rx) } },
  ]);
});

test("stress", async () => {
  const N = 10_000;
  const [tx, rx] = sharedChannel<number>(1, { slotBytes: 8 });
  const ones = new Array<number>(N).fill(1);
  await scope([
    { body: "mpsc.send", data: { s: moved(tx), values: ones } },
    { body: "mpsc.recv", data: { r: moved(rx), values: ones } },
  ]);
});

test("stress_recv_timeout_two_threads", async () => {
  const N = 10_000;
  const [tx, rx] = sharedChannel<number>(1, { slotBytes: 8 });
  await scope([
    { body: "mpsc.send", data: { s: moved(tx), values: new Array<number>(N).fill(1) } },
    { body: "mpsc.recvTimeoutCount", data: { r: moved(rx), timeoutMs: 1, value: 1, count: N } },
  ]);
});

test("stress_recv_timeout_shared", async () => {
  const AMT = 1000;
  const NTHREADS = 8;
  const [tx, rx] = sharedChannel<number>(1, { slotBytes: 8 });
  const [dtx, drx] = sharedChannel<null>(1);
  const spawns: Spawn[] = [{
    body: "mpsc.recvTimeoutCount",
    data: { r: moved(rx), timeoutMs: 10, value: 1, count: AMT * NTHREADS, done: moved(dtx) },
  }];
  for (let i = 0; i < NTHREADS; i++) {
    spawns.push({ body: "mpsc.send", data: { s: tx.handle(), values: new Array<number>(AMT).fill(1) } });
  }
  tx.drop();
  spawns.push({ body: "mpsc.recv", data: { r: moved(drx), values: [null] } }); // the test thread's drx.recv()
  await scope(spawns);
});

test("stress_shared", async () => {
  const AMT = 1000;
  const NTHREADS = 8;
  const [tx, rx] = sharedChannel<number>(1, { slotBytes: 8 });
  const [dtx, drx] = sharedChannel<null>(1);
  const spawns: Spawn[] = [{
    body: "mpsc.stress_shared.receiver",
    data: { r: moved(rx), value: 1, count: AMT * NTHREADS, done: moved(dtx) },
  }];
  for (let i = 0; i < NTHREADS; i++) {
    spawns.push({ body: "mpsc.send", data: { s: tx.handle(), values: new Array<number>(AMT).fill(1) } });
  }
  tx.drop();
  spawns.push({ body: "mpsc.recv", data: { r: moved(drx), values: [null] } });
  await scope(spawns);
});

test("oneshot_single_thread_close_port_first", () => {
  const [tx, rx] = sharedChannel<number>(1);
  rx.drop();
  assert.equal(tx.receiverCount, 0);
});

test("oneshot_single_thread_close_chan_first", () => {
  const [tx, rx] = sharedChannel<number>(1);
  tx.drop();
  assert.equal(rx.senderCount, 0);
});

test("oneshot_single_thread_send_port_close", () => {
  const [tx, rx] = sharedChannel<number>(1);
  rx.drop();
  assert.throws(() => tx.sendBlocking(0), fails(0));
});

test("oneshot_single_thread_recv_chan_close", () => {
  const [tx, rx] = sharedChannel<number>(1);
  tx.drop();
  assert.equal(rx.recvBlocking(), STREAM_END);
});

test("oneshot_single_thread_send_then_recv", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.sendBlocking(10), true);
  assert.equal(rx.recvBlocking(), 10);
});

test("oneshot_single_thread_try_send_open", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.trySend(10), true);
  assert.equal(rx.recvBlocking(), 10);
});

test("oneshot_single_thread_try_send_closed", () => {
  const [tx, rx] = sharedChannel<number>(1);
  rx.drop();
  assert.throws(() => tx.trySend(10), fails(10));
});

// Not portable: `oneshot_single_thread_try_send_closed2` (a zero-capacity channel's `try_send` with
// no receiver waiting is Full; a sharedChannel has room for at least one value).

test("oneshot_single_thread_try_recv_open", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.sendBlocking(10), true);
  assert.equal(rx.recvBlocking(), 10);
});

test("oneshot_single_thread_try_recv_closed", () => {
  const [tx, rx] = sharedChannel<number>(1);
  tx.drop();
  assert.equal(rx.recvBlocking(), STREAM_END);
});

test("oneshot_single_thread_try_recv_closed_with_data", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.sendBlocking(10), true);
  tx.drop();
  assert.equal(rx.tryRecv(), 10);
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("oneshot_single_thread_peek_data", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(rx.tryRecv(), PENDING);
  assert.equal(tx.sendBlocking(10), true);
  assert.equal(rx.tryRecv(), 10);
});

test("oneshot_single_thread_peek_close", () => {
  const [tx, rx] = sharedChannel<number>(1);
  tx.drop();
  assert.equal(rx.tryRecv(), STREAM_END);
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("oneshot_single_thread_peek_open", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(rx.tryRecv(), PENDING);
  tx.drop(); // `_tx` lives to here (else the garbage collector may drop it, closing the channel)
});

test("oneshot_multi_task_recv_then_send", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.recv", data: { r: moved(rx), values: [10] } },
    { body: "mpsc.send", data: { s: moved(tx), values: [10] } },
  ]);
});

test("oneshot_multi_task_recv_then_close", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.drop", data: { s: moved(tx) } },
    { body: "mpsc.recvEnd", data: { r: moved(rx) } },
  ]);
});

test("oneshot_multi_thread_close_stress", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.drop", data: { r: moved(rx) } },
    { body: "mpsc.drop", data: { s: moved(tx) } },
  ]);
  assert.equal(tx.senderCount + tx.receiverCount, 0);
});

test("oneshot_multi_thread_send_close_stress", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.drop", data: { r: moved(rx) } },
    { body: "mpsc.sendIgnoringError", data: { s: moved(tx), value: 1 } },
  ]);
});

test("oneshot_multi_thread_recv_close_stress", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.recvEnd", data: { r: moved(rx) } },
    { body: "mpsc.drop", data: { s: moved(tx) } },
  ]);
});

test("oneshot_multi_thread_send_recv_stress", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.send", data: { s: moved(tx), values: [10] } },
    { body: "mpsc.recv", data: { r: moved(rx), values: [10] } },
  ]);
});

test("stream_send_recv_stress", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  const ten = Array.from({ length: 10 }, (_, i) => i);
  await scope([
    { body: "mpsc.send", data: { s: moved(tx), values: ten } },
    { body: "mpsc.recv", data: { r: moved(rx), values: ten } },
  ]);
});

test("recv_a_lot", () => {
  const N = 10_000;
  const [tx, rx] = sharedChannel<null>(N, { slotBytes: 8 });
  for (let i = 0; i < N; i++) assert.equal(tx.sendBlocking(null), true);
  for (let i = 0; i < N; i++) assert.equal(rx.recvBlocking(), null);
});

test("shared_chan_stress", async () => {
  const total = 16;
  const [tx, rx] = sharedChannel<null>(1);
  const spawns: Spawn[] = Array.from({ length: total }, () => ({
    body: "mpsc.send" as const,
    data: { s: tx.handle(), values: [null] },
  }));
  spawns.push({ body: "mpsc.recv", data: { r: moved(rx), values: new Array(total).fill(null) } });
  await scope(spawns);
  tx.drop();
});

test("test_nested_recv_iter", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  const [totalTx, totalRx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.test_nested_recv_iter.thread", data: { r: moved(rx), total: moved(totalTx) } },
    { body: "mpsc.send", data: { s: moved(tx), values: [3, 1, 2] } },
    { body: "mpsc.recv", data: { r: moved(totalRx), values: [6] } },
  ]);
});

test("test_recv_iter_break", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  const [countTx, countRx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.test_recv_iter_break.thread", data: { r: moved(rx), countS: moved(countTx) } },
    { body: "mpsc.test_recv_iter_break.main", data: { s: moved(tx), countR: moved(countRx) } },
  ]);
});

test("try_recv_states", async () => {
  const [tx1, rx1] = sharedChannel<number>(1);
  const [tx2, rx2] = sharedChannel<null>(1);
  const [tx3, rx3] = sharedChannel<null>(1);
  await scope([
    { body: "mpsc.try_recv_states.thread", data: { tx1: moved(tx1), rx2: moved(rx2), tx3: moved(tx3) } },
    { body: "mpsc.try_recv_states.main", data: { rx1: moved(rx1), tx2: moved(tx2), rx3: moved(rx3) } },
  ]);
});

test("destroy_upgraded_shared_port_when_sender_still_active", async () => {
  const [tx, rx] = sharedChannel<null>(1);
  const [tx2, rx2] = sharedChannel<null>(1);
  await scope([
    { body: "mpsc.destroy_upgraded.thread", data: { r: moved(rx), tx2: moved(tx2) } },
    { body: "mpsc.destroy_upgraded.main", data: { s: moved(tx), rx2: moved(rx2) } },
  ]);
});

test("send1", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  await scope([
    { body: "mpsc.recv", data: { r: moved(rx), values: [1] } },
    { body: "mpsc.send", data: { s: moved(tx), values: [1] } },
  ]);
});

// Not portable: `send2`, `send4` (a send on a zero-capacity channel fails once its receiver is
// dropped, as it waits for one; with room, a sharedChannel send completes first).

test("send3", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.sendBlocking(1), true);
  await scope([
    { body: "mpsc.drop", data: { r: moved(rx) } },
    { body: "mpsc.send3.main", data: { s: moved(tx) } },
  ]);
});

// Not portable: `try_send1` (Full on a zero-capacity channel with no receiver waiting).

test("try_send2", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.trySend(1), true);
  assert.equal(tx.trySend(1), false);
  rx.drop(); // `_rx` lives to here
});

test("try_send3", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.trySend(1), true);
  rx.drop();
  assert.throws(() => tx.trySend(1), fails(1));
});

test("issue_15761", async () => {
  for (let i = 0; i < 100; i++) {
    const [tx1, rx1] = sharedChannel<null>(3);
    const [tx2, rx2] = sharedChannel<null>(3);
    await scope([
      { body: "mpsc.issue_15761.thread", data: { rx1: moved(rx1), tx2: moved(tx2) } },
      { body: "mpsc.issue_15761.main", data: { tx1: moved(tx1), rx2: moved(rx2) } },
    ]);
  }
});

test("sync1", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.equal(tx.sendBlocking(1), true);
  assert.equal(await onExecutor(race([rx.recv()])), 1);
});

test("sync2", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  const [got] = await Promise.all([
    onExecutor(race([rx.recv()])),
    scope([{ body: "mpsc.sync2.thread", data: { s: moved(tx) } }]),
  ]);
  assert.equal(got, 1);
});

test("sync3", async () => {
  const [tx1, rx1] = sharedChannel<number>(1);
  const [tx2, rx2] = sharedChannel<number>(1);
  const tagged = (tag: string, rx: SharedReceiver<number>) =>
    function* (): Coroutine<[string, unknown]> {
      return [tag, yield* rx.recv()];
    }();
  const [branch] = await Promise.all([
    onExecutor(function* (): Coroutine<string> {
      // The select completes with one receive; its branch's body runs after it.
      const [tag, n] = yield* race([tagged("rx1", rx1), tagged("rx2", rx2)]);
      if (tag === "rx1") {
        assert.equal(n, 1);
        assert.equal(yield* rx2.recv(), 2);
      } else {
        assert.equal(n, 2);
        assert.equal(yield* rx1.recv(), 1);
      }
      return tag;
    }()),
    scope([
      { body: "mpsc.send", data: { s: moved(tx1), values: [1] } },
      { body: "mpsc.send", data: { s: moved(tx2), values: [2] } },
    ]),
  ]);
  assert.ok(branch === "rx1" || branch === "rx2");
});
