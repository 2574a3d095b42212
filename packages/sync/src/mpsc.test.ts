import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Coroutine,
  fold,
  LocalExecutor,
  next,
  PENDING,
  SpindleError,
  Stream,
  STREAM_END,
} from "@spindle/core";
import { ClosedError, mpsc, type Receiver, Sender, SendError } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("the receiver is a core Stream that yields values in order, then ends after the last sender is dropped", async () => {
  const [tx, rx] = mpsc.bounded<number>(4);
  assert.ok(rx instanceof Stream);
  function* produce(tx: Sender<number>, from: number): Coroutine<void> {
    for (let i = from; i < from + 100; i++) yield* tx.send(i);
    tx.drop();
  }
  function* consume(rx: Receiver<number>): Coroutine<number[]> {
    const seen: number[] = [];
    for (let n; (n = yield* next(rx)) !== STREAM_END;) seen.push(n);
    return seen;
  }
  const executor = new LocalExecutor();
  executor.spawn(produce(tx.clone(), 1000));
  executor.spawn(produce(tx, 0));
  const seen = executor.spawn(consume(rx));
  await executor.run();
  const values = await seen;
  assert.equal(values.length, 200);
  for (const from of [0, 1000]) {
    assert.deepEqual(
      values.filter((v) => v >= from && v < from + 100),
      Array.from({ length: 100 }, (_, i) => from + i),
    );
  }
});

test("a bounded send waits while the buffer is full and proceeds when the receiver takes a value", () => {
  const [tx, rx] = mpsc.bounded<string>(1);
  const [sender, receiver] = [new TestTask(), new TestTask()];
  assert.equal(sender.poll(tx.send("a")), undefined);
  const second = tx.send("b");
  assert.equal(sender.poll(second), PENDING);
  assert.equal(tx.trySend("c"), false);
  assert.equal(receiver.pollNext(rx), "a");
  assert.equal(sender.wakes, 1);
  assert.equal(sender.poll(second), undefined);
  assert.equal(rx.tryRecv(), "b");
  assert.equal(rx.tryRecv(), PENDING);
});

test("the receiver waits for a value and is woken by a send", () => {
  const [tx, rx] = mpsc.unbounded<number>();
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  tx.send(5);
  assert.equal(task.wakes, 1);
  assert.equal(task.pollNext(rx), 5);
});

test("values buffered when the last sender is dropped are drained before the end", () => {
  const [tx, rx] = mpsc.unbounded<string>();
  const other = tx.clone();
  tx.send("x");
  tx.drop();
  other.send("y");
  assert.equal(rx.isClosed, false);
  other[Symbol.dispose]();
  assert.equal(blockOn(rx.recv()), "x");
  assert.equal(blockOn(rx.recv()), "y");
  assert.equal(blockOn(rx.recv()), STREAM_END);
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("the last sender dropped wakes a waiting receiver, which sees the end", () => {
  const [tx, rx] = mpsc.bounded<number>(2);
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  tx.drop();
  assert.equal(task.wakes, 1);
  assert.equal(task.pollNext(rx), STREAM_END);
});

test("a pending send keeps the channel open until it settles: the value is not cut off", () => {
  const [tx, rx] = mpsc.bounded<string>(1);
  tx.trySend("first");
  const task = new TestTask();
  const pending = tx.send("second");
  assert.equal(task.poll(pending), PENDING);
  tx.drop();
  assert.equal(rx.tryRecv(), "first");
  assert.equal(task.poll(pending), undefined);
  assert.equal(rx.tryRecv(), "second");
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("send to a closed channel fails with SendError handing the value back (unbounded, bounded, waiting, trySend)", () => {
  const [utx, urx] = mpsc.unbounded<{ id: number }>();
  urx[Symbol.dispose]();
  const value = { id: 1 };
  assert.throws(() => utx.send(value), (e) => e instanceof SendError && e.value === value);

  const [tx, rx] = mpsc.bounded<string>(1);
  tx.trySend("fills");
  const task = new TestTask();
  const waiting = tx.send("waits");
  assert.equal(task.poll(waiting), PENDING);
  rx.close();
  assert.equal(task.wakes, 1);
  assert.throws(() => task.poll(waiting), (e) => e instanceof SendError && e.value === "waits");
  assert.throws(() => blockOn(tx.send("later")), (e) => e instanceof SendError && e.value === "later");
  assert.throws(() => tx.trySend("try"), (e) => e instanceof SendError && e.value === "try");
  assert.equal(tx.isClosed, true);
  assert.equal(rx.tryRecv(), "fills", "close() keeps what is buffered for draining");
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("a send given a slot but closed out before it runs hands its value back and ends the sender count; a finished send polled again throws", () => {
  const [tx, rx] = mpsc.bounded<string>(1);
  tx.trySend("fills");
  const task = new TestTask();
  const waiting = tx.send("given a slot");
  assert.equal(task.poll(waiting), PENDING);
  assert.equal(rx.tryRecv(), "fills"); // frees the slot: the waiting send is given it and woken
  assert.equal(task.wakes, 1);
  rx.close(); // before the woken send runs
  assert.throws(() => task.poll(waiting), (e) => e instanceof SendError && e.value === "given a slot");
  tx.drop(); // the failed send no longer counts as a sender: this was the last one
  assert.equal(rx.tryRecv(), STREAM_END);

  const [tx2, rx2] = mpsc.bounded<number>(1);
  const sent = tx2.send(1);
  assert.equal(task.poll(sent), undefined);
  assert.throws(() => task.poll(sent), (e) => (e as { code?: string }).code === "FUTURE_COMPLETED");
  assert.equal(rx2.tryRecv(), 1);
});

test("using a dropped sender or receiver throws ClosedError", () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  tx.drop();
  tx.drop();
  assert.throws(() => tx.send(1), (e) => e instanceof ClosedError && e.what === "sender");
  assert.throws(() => tx.trySend(1), ClosedError);
  assert.throws(() => tx.clone(), ClosedError);
  rx[Symbol.dispose]();
  assert.throws(() => rx.tryRecv(), (e) => e instanceof ClosedError && e.what === "receiver");
  const [utx] = mpsc.unbounded<number>();
  utx.drop();
  assert.throws(() => utx.send(1), ClosedError);
});

test("a dropped pending recv takes no value", () => {
  const [tx, rx] = mpsc.bounded<number>(4);
  const task = new TestTask();
  const recv = rx.recv();
  assert.equal(task.poll(recv), PENDING);
  recv[Symbol.dispose]();
  tx.trySend(1);
  assert.equal(rx.tryRecv(), 1);
});

test("recvMany waits for the first value and takes up to max buffered with it; its slots go back to waiting senders; STREAM_END once drained", () => {
  const [tx, rx] = mpsc.bounded<number>(3);
  const [sender, receiver] = [new TestTask(), new TestTask()];
  const many = rx.recvMany(2);
  assert.equal(receiver.poll(many), PENDING);
  for (const n of [1, 2, 3]) assert.equal(tx.trySend(n), true);
  const fourth = tx.send(4);
  const fifth = tx.send(5);
  assert.equal(sender.poll(fourth), PENDING);
  assert.equal(sender.poll(fifth), PENDING);
  assert.equal(receiver.wakes, 1);
  assert.deepEqual(receiver.poll(many), [1, 2]);
  assert.throws(() => receiver.poll(many), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
  assert.equal(sender.poll(fourth), undefined, "both slots the receiver freed went to the waiting sends");
  assert.equal(sender.poll(fifth), undefined);
  tx.drop();
  assert.deepEqual(blockOn(rx.recvMany(10)), [3, 4, 5]);
  assert.equal(blockOn(rx.recvMany(10)), STREAM_END);
});

test("a dropped pending recvMany takes nothing; a bad max is a RangeError naming it", () => {
  const [tx, rx] = mpsc.unbounded<number>();
  const task = new TestTask();
  const many = rx.recvMany(5);
  assert.equal(task.poll(many), PENDING);
  many[Symbol.dispose]();
  tx.send(1);
  assert.equal(rx.tryRecv(), 1);
  for (const bad of [0, -2, 1.5, Number.NaN, "3"]) {
    assert.throws(() => rx.recvMany(bad as number), (e) => e instanceof RangeError && e.message.includes(String(bad)));
  }
});

test("fold over a receiver takes what is buffered in chunks and sees every value once, in order, across waits", async () => {
  const [tx, rx] = mpsc.bounded<number>(64);
  function* produce(): Coroutine<void> {
    for (let i = 0; i < 10_000; i++) yield* tx.send(i);
    tx.drop();
  }
  const executor = new LocalExecutor();
  executor.spawn(produce());
  const seen = executor.spawn(fold(rx, [] as number[], (all, n) => {
    all.push(n);
    return all;
  }));
  await executor.run();
  assert.deepEqual(await seen, Array.from({ length: 10_000 }, (_, i) => i));
});

test("a dropped pending send sends nothing and passes its slot to the next waiting sender", () => {
  const [tx, rx] = mpsc.bounded<string>(1);
  tx.trySend("full");
  const [a, b] = [new TestTask(), new TestTask()];
  const first = tx.send("dropped");
  const second = tx.send("kept");
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  assert.equal(rx.tryRecv(), "full"); // frees the slot, which goes to `first`
  assert.equal(a.wakes, 1);
  first[Symbol.dispose]();
  assert.equal(b.wakes, 1, "the slot went on");
  assert.equal(b.poll(second), undefined);
  assert.equal(rx.tryRecv(), "kept");
  assert.equal(rx.tryRecv(), PENDING);
  tx.drop();
  assert.equal(rx.tryRecv(), STREAM_END, "the dropped send no longer holds the channel open");
});

test("a dropped send counts out as a sender once, however often it is dropped, and throws FUTURE_COMPLETED when polled", () => {
  for (const pending of [false, true]) {
    const [tx, rx] = mpsc.bounded<string>(1);
    if (pending) tx.trySend("full");
    const task = new TestTask();
    const send = tx.send("dropped");
    if (pending) assert.equal(task.poll(send), PENDING);
    assert.equal(rx.senderStrongCount, 2, "the send counts while it is live");
    send[Symbol.dispose]();
    send[Symbol.dispose]();
    assert.equal(rx.senderStrongCount, 1, "out once");
    assert.throws(() => task.poll(send), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
    if (pending) assert.equal(rx.tryRecv(), "full");
    assert.equal(rx.tryRecv(), PENDING, "the dropped send sent nothing, and the sender keeps the channel open");
    tx.drop();
    assert.equal(rx.tryRecv(), STREAM_END);
  }
});

test("capacity and length report the channel's state", () => {
  const [tx, rx] = mpsc.bounded<number>(3);
  assert.equal(tx.capacity, 3);
  tx.trySend(1);
  tx.trySend(2);
  assert.equal(rx.length, 2);
});

test("tx.closed() waits while the receiver is open, completes on its close() or drop, and a dropped one keeps no waker", () => {
  for (
    const [name, make] of [["bounded", () => mpsc.bounded<number>(2)], [
      "unbounded",
      () => mpsc.unbounded<number>(),
    ]] as const
  ) {
    for (const how of ["close", "drop"] as const) {
      const [tx, rx] = make();
      const task = new TestTask();
      const closed = tx.closed();
      assert.equal(task.poll(closed), PENDING, `${name}: open`);
      const dropped = tx.clone().closed();
      assert.equal(task.poll(dropped), PENDING);
      dropped[Symbol.dispose]();
      assert.equal(task.live, 1, `${name}: a dropped closed() keeps no waker`);
      if (tx instanceof Sender) assert.equal(tx.trySend(1), true);
      else tx.send(1);
      assert.equal(task.wakes, 0, `${name}: a send is not the end`);
      if (how === "close") rx.close();
      else rx.drop();
      assert.equal(task.wakes, 1, `${name}, ${how}: woken`);
      assert.equal(task.poll(closed), undefined);
      assert.equal(task.live, 0);
      assert.throws(() => task.poll(closed), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
      assert.equal(blockOn(tx.closed()), undefined, `${name}: ready at once once closed`);
      tx.drop();
      assert.throws(() => tx.closed(), (e) => e instanceof ClosedError && /closed\(\)/.test(e.message));
    }
  }
});

test("isEmpty says whether a value is buffered", () => {
  const [tx, rx] = mpsc.bounded<number>(2);
  assert.equal(rx.isEmpty, true);
  assert.equal(tx.trySend(1), true);
  assert.equal(rx.isEmpty, false);
  assert.equal(rx.tryRecv(), 1);
  assert.equal(rx.isEmpty, true);
});
