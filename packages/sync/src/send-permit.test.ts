// mpsc permits: Sender.reserve / reserveMany / tryReserve / tryReserveMany, SendPermit, and
// Sender.availableCapacity. The stress tests drop reservations and permits at random points and
// check that no slot and no value is lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Coroutine,
  type Future,
  LocalExecutor,
  PENDING,
  SpindleError,
  STREAM_END,
  type StreamEnd,
} from "@spindle/core";
import { ClosedError, mpsc, type Receiver, SendError, type SendPermit } from "./mod.ts";
import { random, runWithin, TestTask } from "./test-support/harness.ts";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

test("a permit holds its slot until it sends into it or releases it, and availableCapacity counts it", () => {
  const [tx, rx] = mpsc.bounded<string>(2);
  const permit = blockOn(tx.reserve());
  assert.equal(permit.count, 1);
  assert.equal(tx.availableCapacity, 1);
  assert.equal(tx.capacity, 2);
  assert.equal(tx.trySend("a"), true);
  assert.equal(tx.trySend("b"), false, "the permit's slot is not free for others");
  permit.send("p");
  assert.equal(permit.count, 0);
  assert.deepEqual([rx.tryRecv(), rx.tryRecv()], ["a", "p"]);
  assert.equal(tx.availableCapacity, 2);
  const released = tx.tryReserveMany(2)!;
  released.release();
  released.release(); // idempotent
  assert.equal(tx.availableCapacity, 2);
});

test("reserve waits in the senders' FIFO and completes when a slot is received, without suspending when free", async () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  const order: string[] = [];
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    const first = yield* tx.reserve();
    order.push("reserved 1");
    first.send(1);
    const second = yield* tx.reserve(); // full: waits for the receiver
    order.push("reserved 2");
    second.send(2);
    tx.drop();
  }());
  executor.spawn(function* (): Coroutine<void> {
    for (let v; (v = yield* rx.recv()) !== STREAM_END;) order.push(`got ${v}`);
  }());
  await runWithin(executor, 10_000, "reserve/recv");
  assert.deepEqual(order, ["reserved 1", "got 1", "reserved 2", "got 2"]);
});

test("a permit (and a pending reserve) counts as a sender: the receiver ends only after the last one is used or released", () => {
  const [tx, rx] = mpsc.bounded<string>(2);
  const permit = tx.tryReserveMany(2)!;
  tx.drop();
  assert.equal(rx.isClosed, false);
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  permit.send("x");
  assert.equal(task.pollNext(rx), "x");
  assert.equal(task.pollNext(rx), PENDING);
  const wakes = task.wakes;
  permit.release();
  assert.equal(task.wakes, wakes + 1, "the last permit released woke the receiver");
  assert.equal(task.pollNext(rx), STREAM_END);

  const [tx2, rx2] = mpsc.bounded<string>(1);
  tx2.trySend("full");
  const reserving = tx2.reserve();
  assert.equal(new TestTask().poll(reserving), PENDING);
  tx2.drop();
  assert.equal(rx2.tryRecv(), "full");
  assert.equal(rx2.tryRecv(), PENDING, "the pending reserve keeps the channel open");
  reserving[Symbol.dispose]();
  assert.equal(rx2.tryRecv(), STREAM_END);
});

test("after rx.close() permits held still deliver, reservations fail with ClosedError, and the receiver ends once no slot is held", () => {
  const [tx, rx] = mpsc.bounded<number>(3);
  const permit = tx.tryReserveMany(2)!;
  const task = new TestTask();
  const waiting = tx.reserveMany(2);
  assert.equal(task.poll(waiting), PENDING);
  rx.close();
  assert.equal(task.wakes, 1);
  assert.throws(() => task.poll(waiting), (e) => e instanceof ClosedError && /closed the channel/.test(e.message));
  assert.throws(() => tx.tryReserve(), ClosedError);
  assert.throws(() => blockOn(tx.reserve()), ClosedError);
  permit.send(1);
  assert.equal(rx.tryRecv(), 1);
  assert.equal(rx.tryRecv(), PENDING, "one slot is still held");
  permit.send(2);
  assert.equal(rx.tryRecv(), 2);
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("a permit used after the receiver was dropped throws SendError with the value; used up or released it throws ClosedError", () => {
  const [tx, rx] = mpsc.bounded<{ id: number }>(2);
  const permit = tx.tryReserveMany(2)!;
  rx[Symbol.dispose]();
  const value = { id: 7 };
  assert.throws(() => permit.send(value), (e) => e instanceof SendError && e.value === value);
  assert.equal(permit.count, 1, "the slot is used up all the same");
  permit.release();
  assert.throws(
    () => permit.send({ id: 8 }),
    (e) => e instanceof ClosedError && e.what === "permit" && /SendPermit\.send\(an object\)/.test(e.message),
  );
  const [tx2] = mpsc.bounded<number>(1);
  const once = tx2.tryReserve()!;
  once.send(1);
  assert.throws(() => once.send(2), (e) => e instanceof ClosedError && /used or released/.test(e.message));
});

test("reserveMany and tryReserveMany reject counts that are not integers from 0 to the capacity, naming the value", () => {
  const [tx] = mpsc.bounded<number>(4);
  for (const bad of [-1, 0.5, NaN, Infinity, "2", null, 5, 2 ** 31]) {
    for (const call of [() => tx.reserveMany(bad as number), () => tx.tryReserveMany(bad as number)]) {
      assert.throws(
        call,
        (e) =>
          e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /from 0 to 4/.test(e.message) &&
          e.message.includes(typeof bad === "string" ? `"${bad}"` : String(bad)),
      );
    }
  }
  assert.equal(tx.availableCapacity, 4, "a rejected call took nothing");
  tx.drop();
  assert.throws(() => tx.reserve(), (e) => e instanceof ClosedError && /Sender\.reserve\(\)/.test(e.message));
  assert.throws(() => tx.tryReserveMany(1), (e) => e instanceof ClosedError && /tryReserveMany/.test(e.message));
  assert.equal(tx.availableCapacity, 4, "a dropped sender still reads the channel's true free slots");
});

test("a reserve future polled after it completed throws FUTURE_COMPLETED", () => {
  const [tx] = mpsc.bounded<number>(1);
  const reserve = tx.reserve();
  const task = new TestTask();
  const permit = task.poll(reserve) as SendPermit<number>;
  assert.throws(() => task.poll(reserve), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
  permit.release();
});

/**
 * Producers reserve 1..capacity slots (future or try), send into part of them, and release the
 * rest; reservations are dropped while pending and permits released at random points. Invariant
 * at every step with no reservation pending: free slots + buffered values + slots held by permits
 * = capacity (no slot lost or made up). Every value sent is received once, in per-producer order.
 */
test("stress: reservations and permits dropped at random points lose no slot and no value", () => {
  for (const seed of SEEDS) {
    const rand = random(seed);
    const capacity = 1 + Math.floor(rand() * 6);
    const [tx, rx] = mpsc.bounded<[number, number]>(capacity);
    type Producer = {
      task: TestTask;
      reserving: Future<SendPermit<[number, number]>> | null;
      permit: SendPermit<[number, number]> | null;
      next: number;
      wakesSeen: number;
    };
    const producers: Producer[] = Array.from(
      { length: 4 },
      () => ({ task: new TestTask(), reserving: null, permit: null, next: 0, wakesSeen: 0 }),
    );
    const senders = producers.map(() => tx.clone());
    tx.drop();
    const received = producers.map(() => [] as number[]);
    const sent = producers.map(() => 0);
    const held = (): number => producers.reduce((sum, p) => sum + (p.permit?.count ?? 0), 0);
    const check = (step: number): void => {
      if (producers.some((p) => p.reserving !== null)) return;
      assert.equal(
        senders[0]!.availableCapacity + rx.length + held(),
        capacity,
        `seed ${seed} step ${step}: a slot was lost or made up`,
      );
    };
    const pollReserve = (p: Producer): void => {
      p.wakesSeen = p.task.wakes;
      const out = p.task.poll(p.reserving!);
      if (out !== PENDING) {
        p.reserving = null;
        p.permit = out;
      }
    };
    for (let step = 0; step < 4000; step++) {
      const p = producers[Math.floor(rand() * producers.length)]!;
      const i = producers.indexOf(p);
      const r = rand();
      if (p.reserving !== null) {
        if (r < 0.3) {
          p.reserving[Symbol.dispose](); // cancelled while pending (or woken, not yet polled)
          p.reserving = null;
        } else if (p.task.wakes > p.wakesSeen) pollReserve(p);
      } else if (p.permit !== null) {
        if (r < 0.6 && p.permit.count > 0) {
          p.permit.send([i, p.next++]);
          sent[i]!++;
        } else p.permit.release();
        if (p.permit.count === 0) p.permit = null;
      } else if (r < 0.5) {
        p.reserving = senders[i]!.reserveMany(1 + Math.floor(rand() * capacity));
        pollReserve(p);
      } else if (r < 0.7) {
        p.permit = senders[i]!.tryReserveMany(1 + Math.floor(rand() * capacity));
      }
      if (rand() < 0.4) {
        const item = rx.tryRecv();
        if (item !== PENDING && item !== STREAM_END) received[item[0]]!.push(item[1]);
      }
      check(step);
    }
    for (const p of producers) {
      p.reserving?.[Symbol.dispose]();
      p.permit?.release();
    }
    for (const s of senders) s.drop();
    for (let item; (item = rx.tryRecv()) !== STREAM_END;) {
      assert.notEqual(item, PENDING, `seed ${seed}: the receiver did not end after every sender and permit was gone`);
      received[(item as [number, number])[0]]!.push((item as [number, number])[1]);
    }
    for (const [i, values] of received.entries()) {
      assert.deepEqual(values, Array.from({ length: sent[i]! }, (_, n) => n), `seed ${seed} producer ${i}`);
    }
  }
});

/**
 * With waiters of every size queued, a random close() of the receiver: every reservation then
 * fails or completes, permits still deliver, and the receiver ends exactly when the last held slot
 * comes back, having received every value the permits sent.
 */
test("stress: rx.close() at a random point ends the receiver only after the held slots come back, with every value", () => {
  for (const seed of SEEDS) {
    const rand = random(seed + 100);
    const capacity = 2 + Math.floor(rand() * 4);
    const [tx, rx] = mpsc.bounded<number>(capacity);
    const permits: SendPermit<number>[] = [];
    const waiting: { task: TestTask; future: Future<SendPermit<number>> }[] = [];
    for (let i = 0; i < 6; i++) {
      const future = tx.reserveMany(1 + Math.floor(rand() * capacity));
      const task = new TestTask();
      const out = task.poll(future);
      if (out === PENDING) waiting.push({ task, future });
      else permits.push(out);
    }
    rx.close();
    for (const { task, future } of waiting) {
      if (rand() < 0.5) future[Symbol.dispose]();
      else assert.throws(() => task.poll(future), ClosedError, `seed ${seed}`);
    }
    let sent = 0;
    const got: number[] = [];
    const receiver: Receiver<number> = rx;
    while (permits.length > 0) {
      assert.notEqual(receiver.tryRecv(), STREAM_END, `seed ${seed}: ended while a permit was held`);
      const permit = permits[Math.floor(rand() * permits.length)]!;
      if (rand() < 0.7) permit.send(sent++);
      else permit.release();
      if (permit.count === 0) permits.splice(permits.indexOf(permit), 1);
      for (let v; (v = receiver.tryRecv()) !== PENDING && v !== STREAM_END;) got.push(v as number);
    }
    let last: number | StreamEnd | typeof PENDING;
    while ((last = receiver.tryRecv()) !== STREAM_END && last !== PENDING) got.push(last);
    assert.equal(last, STREAM_END, `seed ${seed}: the receiver did not end once every slot came back`);
    assert.deepEqual(got, Array.from({ length: sent }, (_, n) => n), `seed ${seed}`);
    assert.equal(tx.isClosed, true);
  }
});
