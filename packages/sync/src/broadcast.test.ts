import { collectedLater, collectUntil } from "@spindle/test-support";
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
  toAsyncIterable,
  yieldNow,
} from "@spindle/core";
import { broadcast, type BroadcastReceiver, BroadcastSender, ClosedError, LaggedError, SendError } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("every receiver sees every value sent after it subscribed, then the end", async () => {
  const [tx, rx1] = broadcast<number>(8);
  const rx2 = tx.subscribe();
  function* collect(rx: BroadcastReceiver<number>): Coroutine<number[]> {
    const seen: number[] = [];
    for (let n; (n = yield* next(rx)) !== STREAM_END;) seen.push(n);
    return seen;
  }
  const executor = new LocalExecutor();
  const a = executor.spawn(collect(rx1));
  const b = executor.spawn(collect(rx2));
  executor.spawn(function* (): Coroutine<void> {
    for (let i = 0; i < 20; i++) {
      assert.equal(tx.send(i), 2);
      if (i % 4 === 3) yield* yieldNow();
    }
    tx.drop();
  }());
  await executor.run();
  const expected = Array.from({ length: 20 }, (_, i) => i);
  assert.deepEqual(await a, expected);
  assert.deepEqual(await b, expected);
});

test("a receiver that fell behind learns how many values it missed, then reads the oldest kept", () => {
  const [tx, rx] = broadcast<number>(3);
  const fast = tx.subscribe();
  for (let i = 1; i <= 7; i++) {
    tx.send(i);
    assert.equal(fast.tryRecv(), i);
  }
  assert.equal(rx.length, 7, "the values it missed count, as tokio's len: more than the capacity tells the lag");
  assert.throws(() => rx.tryRecv(), (e) => e instanceof LaggedError && e.missed === 4);
  assert.equal(rx.length, 3);
  assert.deepEqual([rx.tryRecv(), rx.tryRecv(), rx.tryRecv()], [5, 6, 7]);
  assert.equal(rx.tryRecv(), PENDING);
});

test("a lag is reported through pollNext too, and the stream goes on after it", () => {
  const [tx, rx] = broadcast<string>(1);
  tx.send("a");
  tx.send("b");
  const task = new TestTask();
  assert.throws(() => task.pollNext(rx), LaggedError);
  assert.equal(task.pollNext(rx), "b");
});

test("waiting receivers are all woken by a send", () => {
  const [tx, rx1] = broadcast<number>(2);
  const rx2 = rx1.resubscribe();
  const [a, b] = [new TestTask(), new TestTask()];
  assert.equal(a.pollNext(rx1), PENDING);
  assert.equal(b.pollNext(rx2), PENDING);
  tx.send(1);
  assert.deepEqual([a.wakes, b.wakes], [1, 1]);
  assert.deepEqual([a.pollNext(rx1), b.pollNext(rx2)], [1, 1]);
});

test("the last sender dropped: receivers read what is left, then end; waiting ones are woken", () => {
  const [tx, rx] = broadcast<number>(4);
  const waiting = tx.subscribe();
  const task = new TestTask();
  assert.equal(task.pollNext(waiting), PENDING);
  const other = tx.clone();
  tx.send(1);
  tx.drop();
  other.drop();
  assert.equal(rx.tryRecv(), 1);
  assert.equal(rx.tryRecv(), STREAM_END);
  assert.equal(task.pollNext(waiting), 1);
  assert.equal(task.pollNext(waiting), STREAM_END);
});

test("send with no receiver left fails with SendError handing the value back", () => {
  const [tx, rx] = broadcast<string>(2);
  assert.equal(tx.receiverCount, 1);
  rx[Symbol.dispose]();
  assert.equal(tx.receiverCount, 0);
  assert.throws(() => tx.send("v"), (e) => e instanceof SendError && e.value === "v");
  assert.throws(() => rx.tryRecv(), ClosedError);
});

test("a dropped receiver stops waiting: its waker is dropped and a send no longer counts it", () => {
  const [tx, rx] = broadcast<number>(2);
  const keep = tx.subscribe();
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  rx[Symbol.dispose]();
  assert.equal(task.live, 0);
  assert.equal(tx.send(1), 1);
  assert.equal(task.wakes, 0);
  assert.equal(keep.tryRecv(), 1);
  tx.drop();
  assert.throws(() => tx.send(2), ClosedError);
});

test("a dropped pending receive (next(rx)) takes nothing: the value waits for the next receive", () => {
  const [tx, rx] = broadcast<number>(4);
  const task = new TestTask();
  const recv = rx.recv();
  assert.equal(task.poll(recv), PENDING);
  recv[Symbol.dispose]();
  tx.send(7);
  assert.equal(rx.tryRecv(), 7);
});

test("tx.length is what the slowest live receiver has not read, capped at the capacity; dropped receivers stop counting", () => {
  const [tx, fast] = broadcast<number>(3);
  const slow = tx.subscribe();
  assert.equal(tx.length, 0);
  for (let i = 0; i < 5; i++) tx.send(i);
  assert.equal(tx.length, 3, "capped at the capacity while a receiver lags");
  assert.throws(() => fast.tryRecv(), LaggedError);
  while (fast.tryRecv() !== PENDING);
  assert.equal(tx.length, 3, "the slow receiver still has 3 to read");
  slow[Symbol.dispose]();
  assert.equal(tx.length, 0, "the dropped receiver's unread values no longer count");
  const late = tx.subscribe();
  assert.equal(tx.length, 0, "a new receiver starts with nothing unread");
  tx.send(9);
  assert.equal(tx.length, 1);
  late.tryRecv();
  fast.tryRecv();
  assert.equal(tx.length, 0);
  tx.send(10);
  tx.drop();
  assert.equal(tx.length, 1, "a dropped sender still reads the channel's true length");
});

test("isEmpty: a receiver's says it has read everything, the sender's that every live receiver has", () => {
  const [tx, fast] = broadcast<number>(2);
  const slow = tx.subscribe();
  assert.deepEqual([tx.isEmpty, fast.isEmpty, slow.isEmpty], [true, true, true]);
  tx.send(1);
  tx.send(2);
  assert.deepEqual([tx.isEmpty, fast.isEmpty, slow.isEmpty], [false, false, false]);
  fast.tryRecv();
  fast.tryRecv();
  assert.deepEqual([tx.isEmpty, fast.isEmpty], [false, true], "slow has read nothing");
  tx.send(3);
  assert.equal(slow.isEmpty, false, "a lagging receiver is not empty");
  assert.throws(() => slow.tryRecv(), LaggedError);
  slow.tryRecv();
  slow.tryRecv();
  assert.deepEqual([tx.isEmpty, slow.isEmpty], [false, true], "fast has not read 3");
  fast.drop();
  assert.deepEqual(
    [tx.isEmpty, fast.isEmpty],
    [true, false],
    "a dropped receiver no longer counts; its getter still reads",
  );
  slow.drop();
  assert.equal(tx.isEmpty, true, "no receiver: empty");
});

test("tx.length forgets a receiver collected without being dropped", async () => {
  const [tx, rx] = broadcast<number>(4);
  (() => void tx.subscribe())();
  tx.send(1);
  rx.tryRecv();
  assert.equal(tx.length, 1, "the unread value of the lost receiver");
  assert.ok(await collectUntil(() => tx.length === 0), "the collected receiver's cursor was forgotten");
});

test("the values kept are dropped with the last receiver, dropped or collected, and only then", async () => {
  for (const loseLast of ["drop", "collect"] as const) {
    const [tx, rx] = broadcast<object>(4);
    const collected = (() => {
      const sent = {};
      tx.send(sent);
      return collectedLater(sent);
    })();
    if (loseLast === "drop") {
      const second = tx.subscribe();
      rx.drop();
      assert.ok(!(await collectUntil(collected, 3)), "kept while a receiver lives");
      second.drop();
    } else {
      // The last receiver made in a function of its own, so that no frame here keeps it (Bun's
      // collector scans the stack conservatively).
      (() => void tx.subscribe())();
      rx.drop();
    }
    assert.ok(await collectUntil(collected), `${loseLast}: dropped with the last receiver`);
    assert.equal(tx.receiverCount, 0);
    const later = tx.subscribe();
    assert.equal(later.tryRecv(), PENDING, "a receiver subscribed later starts at the tail");
  }
});

test("tx.closed() waits for the last receiver, counts receivers subscribed meanwhile, and is ready at once without any", () => {
  const [tx, rx] = broadcast<number>(2);
  const task = new TestTask();
  const closed = tx.closed();
  assert.equal(task.poll(closed), PENDING);
  const other = rx.resubscribe();
  rx[Symbol.dispose]();
  assert.equal(task.wakes, 0);
  other[Symbol.dispose]();
  assert.equal(task.wakes, 1);
  assert.equal(task.poll(closed), undefined);
  assert.equal(task.live, 0);
  assert.equal(blockOn(tx.closed()), undefined);
  const dropped = tx.closed();
  const again = tx.subscribe();
  assert.equal(task.poll(dropped), PENDING);
  dropped[Symbol.dispose]();
  assert.equal(task.live, 0, "a dropped closed() keeps no waker");
  again[Symbol.dispose]();
  assert.equal(task.wakes, 1);
});

test("BroadcastSender.create makes a sender without receivers: send fails until one subscribes", () => {
  const tx = BroadcastSender.create<string>(2);
  assert.equal(tx.receiverCount, 0);
  assert.equal(tx.length, 0);
  assert.throws(() => tx.send("nobody"), (e) => e instanceof SendError && e.value === "nobody");
  const rx = tx.subscribe();
  assert.equal(tx.send("somebody"), 1);
  assert.equal(rx.tryRecv(), "somebody");
  for (const bad of [0, -1, 1.5, "2", NaN]) {
    assert.throws(
      () => BroadcastSender.create(bad as number),
      (e) =>
        e instanceof SpindleError && e.code === "INVALID_ARGUMENT" &&
        /BroadcastSender\.create\(capacity\)/.test(e.message),
    );
  }
});

test("a lag ends a for await over the receiver and drops it; yield* recv() in a try goes on (the README's rule)", async () => {
  const [tx, rx] = broadcast<number>(1);
  const other = tx.subscribe();
  for (const n of [1, 2, 3]) tx.send(n);
  tx.drop();
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const n of toAsyncIterable(rx)) seen.push(n);
  }, (e) => e instanceof LaggedError && e.missed === 2);
  assert.deepEqual(seen, []);
  assert.equal(rx.isClosed, true, "the loop's end dropped the receiver");
  const kept = blockOn(function* (): Coroutine<number[]> {
    const got: number[] = [];
    for (;;) {
      try {
        const n = yield* other.recv();
        if (n === STREAM_END) return got;
        got.push(n);
      } catch (error) {
        if (!(error instanceof LaggedError)) throw error;
      }
    }
  }());
  assert.deepEqual(kept, [3]);
});
