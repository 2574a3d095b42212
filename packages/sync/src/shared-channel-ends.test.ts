// The live-end counts of a shared channel: the last sender dropped (on any thread) closes it after
// the receivers drained it, the last receiver dropped makes sends fail with the value back, and a
// handle counts from handle() until the end opened from it is dropped.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Worker } from "node:worker_threads";
import { blockOn, type Coroutine, type Future, LocalExecutor, PENDING, STREAM_END } from "@spindle/core";
import { collectGarbage, collectUntil, nextMessage, startWorker, within } from "@spindle/test-support";
import { ClosedError, SendError, sharedChannel, SharedReceiver, SharedSender } from "./mod.ts";
import type { EndsData, EndsMessage } from "./test-support/shared-channel-ends.ts";

const THREADS = 4;
/** A hang bound for a loaded 2-vCPU machine (Deno type-checks each worker as it starts: 25–40 s). */
const LIMIT_MS = 150_000;
const WORKER = new URL("./test-support/shared-channel-ends.ts", import.meta.url);

async function run<T>(future: Future<T> | Coroutine<T>, what: string): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(future);
  await within(executor.run(), LIMIT_MS, what);
  return await handle;
}

test("one thread: the channel closes exactly when the last of its senders (clones, handles, pending sends) is dropped", async () => {
  const [tx, rx] = sharedChannel<number>(3);
  const clone = tx.clone();
  const opened = SharedSender.from<number>(structuredClone(tx.handle()));
  const neverOpened = tx.handle();
  assert.equal(rx.senderCount, 4);
  tx.trySend(1);
  const pending = clone.send(2);
  tx.drop();
  tx.drop(); // idempotent: counted once
  clone.drop();
  opened.drop();
  assert.equal(rx.isClosed, false, "a handle not opened yet counts as a live sender");
  const there = SharedSender.from<number>(structuredClone(neverOpened));
  assert.equal(rx.senderCount, 2, "the opened handle took over its count; the pending send counts too");
  there.trySend(3);
  there.drop();
  assert.equal(rx.isClosed, false, "the pending send still counts");
  assert.equal(await run(pending, "the pending send"), undefined);
  assert.equal(rx.isClosed, true, "the settled send was the last sender");
  assert.deepEqual([rx.tryRecv(), rx.tryRecv(), rx.tryRecv(), rx.tryRecv()], [1, 3, 2, STREAM_END]);
  assert.throws(() => tx.trySend(9), (e) => e instanceof ClosedError && e.what === "sender");
  assert.equal(tx.isClosed, true);
});

test("one thread: after the last receiver is dropped a send fails with SendError holding the value", async () => {
  const [tx, rx] = sharedChannel<string>(1);
  const rx2 = SharedReceiver.from<string>(rx.handle());
  tx.trySend("queued");
  const waiting = tx.send("waiting"); // the channel is full: it waits
  const executor = new LocalExecutor();
  const settled = executor.spawn(waiting);
  const run1 = executor.run();
  rx.drop();
  assert.equal(tx.isClosed, false, "one receiver is left");
  rx2[Symbol.dispose]();
  await within(run1, LIMIT_MS, "the waiting send woken by the last receiver's drop");
  await assert.rejects(async () => await settled, (e) => e instanceof SendError && e.value === "waiting");
  assert.throws(() => tx.trySend("late"), (e) => e instanceof SendError && e.value === "late");
  assert.throws(() => tx.sendBlocking("blocked", 0), (e) => e instanceof SendError && e.value === "blocked");
  assert.equal(tx.receiverCount, 0);
});

test("one thread: an end collected without drop() counts as dropped; a handle never opened keeps counting", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  (() => void tx.clone())(); // lost without drop()
  tx.drop();
  assert.equal(rx.senderCount, 1);
  assert.ok(await collectUntil(() => rx.isClosed), "the collected clone's drop closes the channel");
  assert.equal(rx.senderCount, 0);
  assert.equal(rx.tryRecv(), STREAM_END);

  const [tx2, rx2] = sharedChannel<number>(1);
  void tx2.handle(); // plain data, posted nowhere: it cannot be told from one in flight
  tx2.drop();
  for (let i = 0; i < 3; i++) collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(rx2.isClosed, false, "a handle never opened counts as a live sender");
  assert.equal(rx2.senderCount, 1);
  rx2.close(); // what a program does about it: close explicitly
  assert.equal(rx2.tryRecv(), STREAM_END);
});

test("one thread: a pending recv keeps its receiver alive, so collecting garbage does not close the channel under it", async () => {
  // Only the future is kept: the receiver it came from is otherwise unreachable.
  const [tx, recv] = ((): [SharedSender<number>, Future<number | typeof STREAM_END>] => {
    const [tx, rx] = sharedChannel<number>(1);
    return [tx, rx.recv()];
  })();
  assert.equal(await collectUntil(() => tx.receiverCount === 0, 20), false, "the receiver was collected and dropped");
  assert.equal(tx.trySend(7), true);
  assert.equal(blockOn(recv), 7);
});

test("a handle of the wrong end or not a handle is refused naming it", () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.throws(() => SharedSender.from(rx.handle() as never), /not a shared channel sender's handle/);
  assert.throws(() => SharedReceiver.from(tx.handle() as never), /not a shared channel receiver's handle/);
  assert.throws(() => SharedReceiver.from(null as never), /receiver's handle: null/);
});

function startEnds(data: EndsData): { worker: Worker; dropped: Promise<string> } {
  const worker = startWorker(WORKER, data);
  return { worker, dropped: nextMessage<string>(worker) };
}

test(`${THREADS} threads: the channel closes when the last sender, on any thread, is dropped, after every message was received`, async () => {
  const PER = 2_000;
  const [tx, rx] = sharedChannel<EndsMessage>(8, { slotBytes: 32 });
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const dropped = new Int32Array(new SharedArrayBuffer(4));
  const workers: Worker[] = [];
  const drops: Promise<string>[] = [];
  try {
    for (let index = 0; index < THREADS; index++) {
      const data: EndsData = { op: "produce", index, count: PER, gated: index === 0, gate, dropped, tx: tx.handle() };
      const { worker, dropped: done } = startEnds(data);
      workers.push(worker);
      drops.push(done);
    }
    tx.drop(); // the handles on their way keep the channel open
    const last = new Array<number>(THREADS).fill(-1);
    let received = 0;
    function* receive(until: number): Coroutine<void> {
      while (received < until) {
        const message = yield* rx.recv();
        assert.notEqual(message, STREAM_END, `the end came after ${received} messages, ${dropped[0]} drops`);
        const { p, s } = message as EndsMessage;
        assert.equal(s, last[p]! + 1, `producer ${p}: ${s} after ${last[p]} (lost, repeated or out of order)`);
        last[p] = s;
        received++;
      }
    }
    // Every message but producer 0's last, which waits behind the gate with its sender live.
    await run(receive(THREADS * PER - 1), "all but the gated message");
    await within(Promise.all(drops.slice(1)), LIMIT_MS, "three producers dropped their senders");
    assert.equal(Atomics.load(dropped, 0), THREADS - 1);
    assert.equal(rx.isClosed, false, "one sender is live on another thread");
    assert.equal(rx.tryRecv(), PENDING);
    assert.equal(rx.senderCount, 1);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await run(receive(THREADS * PER), "the gated message");
    assert.equal(await run(rx.recv(), "the end"), STREAM_END);
    assert.equal(Atomics.load(dropped, 0), THREADS, "the end came after the last drop");
    assert.deepEqual(last, new Array(THREADS).fill(PER - 1), "every message of every producer");
    assert.equal(rx.senderCount, 0);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
});

test(`${THREADS} threads: once the receivers on every thread are dropped, a waiting send fails with SendError and the value`, async () => {
  const [tx, rx] = sharedChannel<EndsMessage>(1, { slotBytes: 32 });
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const dropped = new Int32Array(new SharedArrayBuffer(4));
  const workers: Worker[] = [];
  const drops: Promise<string>[] = [];
  try {
    for (let index = 0; index < THREADS; index++) {
      const data: EndsData = { op: "hold-receiver", index, count: 0, gated: true, gate, dropped, rx: rx.handle() };
      const { worker, dropped: done } = startEnds(data);
      workers.push(worker);
      drops.push(done);
    }
    rx.drop();
    assert.equal(tx.trySend({ p: 0, s: 0 }), true);
    const value = { p: 0, s: 1 };
    const executor = new LocalExecutor();
    const send = executor.spawn(tx.send(value)); // full: waits
    const running = executor.run();
    assert.equal(tx.isClosed, false, "receivers are live on other threads");
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await within(running, LIMIT_MS, "the waiting send woken by the last receiver's drop");
    await assert.rejects(async () => await send, (e) => e instanceof SendError && e.value === value);
    assert.equal(Atomics.load(dropped, 0), THREADS);
    assert.throws(() => tx.trySend({ p: 0, s: 2 }), (e) => e instanceof SendError && (e.value as EndsMessage).s === 2);
    await within(Promise.all(drops), LIMIT_MS, "the workers");
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
});
