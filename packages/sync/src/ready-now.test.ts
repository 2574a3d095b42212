// The fast path of `yield*` on an operation that is ready at once (ready-now.ts): it completes in
// the coroutine without suspending it, and only then: a wait, an operation that would overtake a
// waiter, and a used-up cooperative budget take the ordinary path. Driven by hand (the generator's
// own `next()`), so that a suspension shows as a step that is not done.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, type Future, LocalExecutor, PENDING, STREAM_END } from "@spindle/core";
import { broadcast, mpsc, Mutex, RwLock, Semaphore } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("yield* on a send, receive, lock or acquire that is ready completes it without suspending the coroutine", () => {
  const [tx, rx] = mpsc.bounded<number>(2);
  const [btx, brx] = broadcast<string>(2);
  const mutex = new Mutex("m");
  const lock = new RwLock(1);
  const semaphore = new Semaphore(1);
  function* body(): Coroutine<unknown[]> {
    yield* tx.send(1);
    yield* tx.send(2);
    const a = yield* rx.recv();
    btx.send("b");
    const b = yield* brx.recv();
    const guard = yield* mutex.lock();
    const m = guard.value;
    guard.release();
    const reader = yield* lock.read();
    reader.release();
    const writer = yield* lock.write();
    writer.release();
    const permit = yield* semaphore.acquire();
    permit.release();
    tx.drop();
    const c = yield* rx.recv();
    const end = yield* rx.recv();
    return [a, b, m, c, end];
  }
  assert.deepEqual(body().next(), { done: true, value: [1, "b", "m", 2, STREAM_END] });
});

test("yield* on an operation that must wait suspends with its future, and a fresh send does not overtake a waiting one", async () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  tx.trySend(0);
  const waiting = tx.send(1);
  assert.equal(new TestTask().poll(waiting), PENDING); // queued for the next free slot
  rx.tryRecv(); // frees the slot: it is assigned to the waiting send, not to a newcomer
  function* late(): Coroutine<void> {
    yield* tx.send(2);
  }
  const step = late().next();
  assert.equal(step.done, false, "the late send suspends instead of taking the waiting one's slot");
  assert.equal(new TestTask().poll(waiting), undefined);
  assert.equal(rx.tryRecv(), 1);

  const empty = mpsc.unbounded<number>()[1];
  function* receive(): Coroutine<unknown> {
    return yield* empty.recv();
  }
  const pending = receive().next();
  assert.equal(pending.done, false, "nothing buffered: the receive suspends with its future");
  assert.equal(typeof (pending.value as Future<unknown>).poll, "function");
});

test("within an executor the fast path still spends the cooperative budget: a task returns every 128 operations", async () => {
  const [tx, rx] = mpsc.unbounded<number>();
  for (let i = 0; i < 1000; i++) tx.send(i);
  let otherRan = 0;
  let received = 0;
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    for (let i = 0; i < 1000; i++) {
      yield* rx.recv();
      received++;
    }
  }());
  executor.spawn(function* (): Coroutine<void> {
    otherRan = received;
  }());
  await executor.run();
  assert.equal(received, 1000);
  assert.ok(otherRan > 0 && otherRan <= 128, `the other task ran after ${otherRan} receives`);
});

test("a send or receive that waited hands its own output to the coroutine's yield*, and its poll's error is thrown there", () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  tx.trySend(0);
  function* sendThenReceive(): Coroutine<unknown[]> {
    const sent = yield* tx.send(1);
    const received = yield* rx.recv();
    return [sent, received];
  }
  const coroutine = sendThenReceive();
  const sendStep = coroutine.next();
  assert.equal(sendStep.done, false, "the buffer is full: the send suspends with its future");
  const send = sendStep.value as Future<void>;
  const task = new TestTask();
  assert.equal(task.poll(send), PENDING);
  assert.equal(rx.tryRecv(), 0);
  assert.equal(task.poll(send), undefined);
  // The coroutine's input is ignored: what resumes the `yield*` is the future's own output.
  const receiveStep = coroutine.next("not the output");
  assert.deepEqual(receiveStep, { done: true, value: [undefined, 1] }, "1 was buffered: the receive took it at once");

  const [, empty] = mpsc.unbounded<string>();
  function* receiveOne(): Coroutine<unknown> {
    try {
      return yield* empty.recv();
    } catch (error) {
      return error;
    }
  }
  const waiting = receiveOne();
  const recv = waiting.next().value as Future<unknown>;
  assert.equal(task.poll(recv), PENDING);
  empty.drop();
  const failure = new Error("the poll failed");
  assert.deepEqual(waiting.throw(failure), { done: true, value: failure }, "the error reaches the coroutine's catch");
});

test("yield* on a send or receive that already completed hands it to the task, whose poll throws FUTURE_COMPLETED", () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  const send = tx.send(1);
  const task = new TestTask();
  assert.equal(task.poll(send), undefined);
  const recv = rx.recv();
  assert.equal(task.poll(recv), 1);
  for (const done of [send, recv] as Future<unknown>[]) {
    const step = (function* (): Coroutine<unknown> {
      return yield* done;
    })().next();
    assert.equal(step.done, false);
    assert.throws(() => task.poll(step.value as Future<unknown>), { code: "FUTURE_COMPLETED" });
  }
});
