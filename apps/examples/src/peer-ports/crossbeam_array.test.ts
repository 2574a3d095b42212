// Port of crossbeam-channel's tests/array.rs (crossbeam-rs/crossbeam
// 7de845aa13ce5d80084ce0889e014ae0aa0d19ce) onto @spindle/sync's sharedChannel, written from the
// sync README: crossbeam's bounded channel is the array flavour, a multi-producer multi-consumer
// ring whose ends go to other threads, as sharedChannel's do. Threads (`scope.spawn`) are worker
// threads (crossbeam/support.ts), each opening the ends it captures from their handles; the bodies
// are in crossbeam/array-bodies.ts. The test thread uses the blocking calls as crossbeam's does.
// Mapping: `send` is `sendBlocking(v)` (true), `send_timeout(v, d)` is `sendBlocking(v, ms)` (false
// for Timeout), `try_send` is `trySend` (false for Full); Disconnected on a send is a thrown
// `SendError` with the value; `recv` is `recvBlocking()`, `recv_timeout(d)` is `recvBlocking(ms)`
// (PENDING for Timeout), `try_recv` is `tryRecv` (PENDING for Empty); Disconnected on a receive is
// STREAM_END; `drop(end)` is `end.drop()`; `()` is `null`; `is_empty()` / `is_full()` are
// `length === 0` / `length === capacity`. Sleeps and timeouts are crossbeam's own, from a start
// that every thread of a scope shares.
// Differs: `select!` is core's `race` over the ends' futures, which polls them in the order given
// (crossbeam picks a ready operation at random), so `fairness` and `fairness_duplicates` assert that
// order; and its branches take values, not lazy expressions (`recv_in_send` in part). `drops` in
// part (counts of values, no destructors). Not portable: `channel_through_channel` (a channel end
// cannot cross inside a sharedChannel: the test asserts the documented refusal), `panic_on_drop`
// (destructors).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor, PENDING, race, ready, STREAM_END } from "@spindle/core";
import { sharedChannel, UncloneableValueError } from "@spindle/sync";
import { sendError } from "./crossbeam/array-bodies.ts";
import { scope } from "./crossbeam/support.ts";

/** Runs `body` as a task of a LocalExecutor: the futures of `race` need a turning event loop. */
async function onExecutor<T>(body: Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(body);
  await executor.run();
  return await handle;
}

test("smoke", () => {
  const [s, r] = sharedChannel<number>(1);
  assert.equal(s.sendBlocking(7), true);
  assert.equal(r.tryRecv(), 7);
  assert.equal(s.sendBlocking(8), true);
  assert.equal(r.recvBlocking(), 8);
  assert.equal(r.tryRecv(), PENDING);
  assert.equal(r.recvBlocking(1000), PENDING);
});

test("capacity", () => {
  for (let i = 1; i < 10; i++) {
    const [s, r] = sharedChannel<null>(i);
    assert.equal(s.capacity, i);
    assert.equal(r.capacity, i);
  }
});

test("len_empty_full", () => {
  const [s, r] = sharedChannel<null>(2);
  const check = (len: number, empty: boolean, full: boolean) => {
    for (const end of [s, r]) {
      assert.equal(end.length, len);
      assert.equal(end.length === 0, empty);
      assert.equal(end.length === end.capacity, full);
    }
  };
  check(0, true, false);
  s.sendBlocking(null);
  check(1, false, false);
  s.sendBlocking(null);
  check(2, false, true);
  assert.notEqual(r.recvBlocking(), STREAM_END);
  check(1, false, false);
});

test("try_recv", async () => {
  const [s, r] = sharedChannel<number>(100);
  const spawns = [
    { body: "array.try_recv.receiver", data: { r: r.handle() } },
    { body: "array.try_recv.sender", data: { s: s.handle() } },
  ] as const;
  s.drop(); // moved into the threads: the handles are the only ends left
  r.drop();
  await scope(spawns);
});

test("recv", async () => {
  const [s, r] = sharedChannel<number>(100);
  const spawns = [
    { body: "array.recv.receiver", data: { r: r.handle() } },
    { body: "array.recv.sender", data: { s: s.handle() } },
  ] as const;
  s.drop();
  r.drop();
  await scope(spawns);
});

test("recv_timeout", async () => {
  const [s, r] = sharedChannel<number>(100);
  const spawns = [
    { body: "array.recv_timeout.receiver", data: { r: r.handle() } },
    { body: "array.recv_timeout.sender", data: { s: s.handle() } },
  ] as const;
  s.drop();
  r.drop();
  await scope(spawns);
});

test("try_send", async () => {
  const [s, r] = sharedChannel<number>(1);
  const spawns = [
    { body: "array.try_send.sender", data: { s: s.handle() } },
    { body: "array.try_send.receiver", data: { r: r.handle() } },
  ] as const;
  s.drop();
  r.drop();
  await scope(spawns);
});

test("send", async () => {
  // The closures borrow s and r: the test keeps its ends until the scope is over.
  const [s, r] = sharedChannel<number>(1);
  await scope([
    { body: "array.send.sender", data: { s: s.handle() } },
    { body: "array.send.receiver", data: { r: r.handle() } },
  ]);
  s.drop();
  r.drop();
});

test("send_timeout", async () => {
  const [s, r] = sharedChannel<number>(2);
  const spawns = [
    { body: "array.send_timeout.sender", data: { s: s.handle() } },
    { body: "array.send_timeout.receiver", data: { r: r.handle() } },
  ] as const;
  s.drop();
  r.drop();
  await scope(spawns);
});

test("send_after_disconnect", () => {
  const [s, r] = sharedChannel<number>(100);
  s.sendBlocking(1);
  s.sendBlocking(2);
  s.sendBlocking(3);
  r.drop();
  assert.throws(() => s.sendBlocking(4), sendError(4));
  assert.throws(() => s.trySend(5), sendError(5));
  assert.throws(() => s.sendBlocking(6, 500), sendError(6));
});

test("recv_after_disconnect", () => {
  const [s, r] = sharedChannel<number>(100);
  s.sendBlocking(1);
  s.sendBlocking(2);
  s.sendBlocking(3);
  s.drop();
  assert.equal(r.recvBlocking(), 1);
  assert.equal(r.recvBlocking(), 2);
  assert.equal(r.recvBlocking(), 3);
  assert.equal(r.recvBlocking(), STREAM_END);
});

test("len", async () => {
  const COUNT = 25_000;
  const CAP = 1000;
  const [s, r] = sharedChannel<number>(CAP, { slotBytes: 16 });
  assert.equal(s.length, 0);
  assert.equal(r.length, 0);
  for (let round = 0; round < CAP / 10; round++) {
    for (let i = 0; i < 50; i++) {
      s.sendBlocking(i);
      assert.equal(s.length, i + 1);
    }
    for (let i = 0; i < 50; i++) {
      assert.notEqual(r.recvBlocking(), STREAM_END);
      assert.equal(r.length, 50 - i - 1);
    }
  }
  assert.equal(s.length, 0);
  assert.equal(r.length, 0);
  for (let i = 0; i < CAP; i++) {
    s.sendBlocking(i);
    assert.equal(s.length, i + 1);
  }
  for (let i = 0; i < CAP; i++) assert.notEqual(r.recvBlocking(), STREAM_END);
  assert.equal(s.length, 0);
  assert.equal(r.length, 0);
  await scope([
    { body: "array.len.receiver", data: { r: r.handle(), count: COUNT, cap: CAP } },
    { body: "array.len.sender", data: { s: s.handle(), count: COUNT, cap: CAP } },
  ]);
  assert.equal(s.length, 0);
  assert.equal(r.length, 0);
  s.drop();
  r.drop();
});

test("disconnect_wakes_sender", async () => {
  const [s, r] = sharedChannel<null>(1);
  const spawns = [
    { body: "array.disconnect_wakes_sender.sender", data: { s: s.handle() } },
    { body: "array.disconnect_wakes_sender.dropper", data: { r: r.handle() } },
  ] as const;
  s.drop();
  r.drop();
  await scope(spawns);
});

test("disconnect_wakes_receiver", async () => {
  const [s, r] = sharedChannel<null>(1);
  const spawns = [
    { body: "array.disconnect_wakes_receiver.receiver", data: { r: r.handle() } },
    { body: "array.disconnect_wakes_receiver.dropper", data: { s: s.handle() } },
  ] as const;
  s.drop();
  r.drop();
  await scope(spawns);
});

test("spsc", async () => {
  const COUNT = 100_000;
  const [s, r] = sharedChannel<number>(3, { slotBytes: 16 });
  const spawns = [
    { body: "array.spsc.receiver", data: { r: r.handle(), count: COUNT } },
    { body: "array.spsc.sender", data: { s: s.handle(), count: COUNT } },
  ] as const;
  s.drop();
  r.drop();
  await scope(spawns);
});

test("mpmc", async () => {
  const COUNT = 25_000;
  const THREADS = 4;
  const [s, r] = sharedChannel<number>(3, { slotBytes: 16 });
  const v = new Int32Array(new SharedArrayBuffer(4 * COUNT));
  await scope([
    ...Array.from(
      { length: THREADS },
      () => ({ body: "array.mpmc.receiver" as const, data: { r: r.handle(), count: COUNT, v } }),
    ),
    ...Array.from(
      { length: THREADS },
      () => ({ body: "array.mpmc.sender" as const, data: { s: s.handle(), count: COUNT } }),
    ),
  ]);
  for (let i = 0; i < COUNT; i++) assert.equal(Atomics.load(v, i), THREADS, `value ${i}`);
  s.drop();
  r.drop();
});

// Crossbeam spawns two threads per iteration; here two threads run every iteration, each on a
// channel made for it, and leave it together (the scope's join) before the next.
test("stress_oneshot", async () => {
  const COUNT = 10_000;
  const ss = [];
  const rs = [];
  for (let i = 0; i < COUNT; i++) {
    const [s, r] = sharedChannel<number>(1, { slotBytes: 8 });
    ss.push(s.handle());
    rs.push(r.handle());
    s.drop();
    r.drop();
  }
  const arrivals = new Int32Array(new SharedArrayBuffer(4));
  await scope([
    { body: "array.stress_oneshot.receiver", data: { rs, arrivals } },
    { body: "array.stress_oneshot.sender", data: { ss, arrivals } },
  ]);
  assert.equal(Atomics.load(arrivals, 0), 2 * COUNT);
});

// The test thread's loop over `request_r.iter()` runs on a thread of its own (it blocks).
test("stress_iter", async () => {
  const COUNT = 100_000;
  const [requestS, requestR] = sharedChannel<null>(1, { slotBytes: 8 });
  const [responseS, responseR] = sharedChannel<number>(1, { slotBytes: 8 });
  const spawns = [
    {
      body: "array.stress_iter.requester",
      data: { count: COUNT, requestS: requestS.handle(), responseR: responseR.handle() },
    },
    { body: "array.stress_iter.responder", data: { requestR: requestR.handle(), responseS: responseS.handle() } },
  ] as const;
  requestS.drop();
  requestR.drop();
  responseS.drop();
  responseR.drop();
  await scope(spawns);
});

test("stress_timeout_two_threads", async () => {
  const COUNT = 100;
  const [s, r] = sharedChannel<number>(2);
  await scope([
    { body: "array.stress_timeout_two_threads.sender", data: { s: s.handle(), count: COUNT } },
    { body: "array.stress_timeout_two_threads.receiver", data: { r: r.handle(), count: COUNT } },
  ]);
  s.drop();
  r.drop();
});

// In part: JavaScript values have no destructor, so DROPS is what a receiver took (each value
// received is gone from the channel) and what the channel holds; after the scope the receiver took
// `steps` and the `additional` values sent after it are in the channel; crossbeam's last count (the
// channel's own values dropped with its last end) is the channel holding nothing once its last
// receiver is gone (crossbeam discards them then, and `len()` answers 0).
test("drops", async () => {
  const RUNS = 100;
  const STEPS = 10_000;
  let seed = 0x2545f491;
  const below = (n: number) => { // xorshift32: a seeded stand-in for fastrand
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  for (let run = 0; run < RUNS; run++) {
    const steps = below(STEPS);
    const additional = below(50);
    const received = new Int32Array(new SharedArrayBuffer(4));
    const [s, r] = sharedChannel<null>(50, { slotBytes: 8 });
    await scope([
      { body: "array.drops.receiver", data: { r: r.handle(), steps, received } },
      { body: "array.drops.sender", data: { s: s.handle(), steps } },
    ]);
    for (let i = 0; i < additional; i++) s.sendBlocking(null);
    assert.equal(Atomics.load(received, 0), steps);
    assert.equal(r.length, additional);
    s.drop();
    r.drop();
    assert.equal(s.length, 0, `run ${run}: values left in a channel with no end`);
  }
});

test("linearizable", async () => {
  const COUNT = 25_000;
  const THREADS = 4;
  const [s, r] = sharedChannel<number>(THREADS, { slotBytes: 8 });
  await scope(
    Array.from({ length: THREADS }, () => ({
      body: "array.linearizable.thread" as const,
      data: { s: s.handle(), r: r.handle(), count: COUNT },
    })),
  );
  s.drop();
  r.drop();
});

// `select!` over two ready receives is core's `race`, which takes the first ready future in the
// order given (crossbeam picks at random: each side at least a quarter); the loser is dropped
// before it took anything, so the other channel keeps every value.
test("fairness", async () => {
  const COUNT = 10_000;
  const [s1, r1] = sharedChannel<null>(COUNT, { slotBytes: 8 });
  const [s2, r2] = sharedChannel<null>(COUNT, { slotBytes: 8 });
  for (let i = 0; i < COUNT; i++) {
    s1.sendBlocking(null);
    s2.sendBlocking(null);
  }
  const hits = await onExecutor(function* (): Coroutine<number[]> {
    const hits = [0, 0];
    for (let i = 0; i < COUNT; i++) {
      const which = yield* race([
        function* (): Coroutine<number> {
          yield* r1.recv();
          return 0;
        }(),
        function* (): Coroutine<number> {
          yield* r2.recv();
          return 1;
        }(),
      ]);
      hits[which]!++;
    }
    return hits;
  }());
  assert.deepEqual(hits, [COUNT, 0]);
  assert.equal(r1.length, 0);
  assert.equal(r2.length, COUNT, "the losing receives took nothing");
  s1.drop();
  s2.drop();
});

test("fairness_duplicates", async () => {
  const COUNT = 10_000;
  const [s, r] = sharedChannel<null>(COUNT, { slotBytes: 8 });
  for (let i = 0; i < COUNT; i++) s.sendBlocking(null);
  const hits = await onExecutor(function* (): Coroutine<number[]> {
    const hits = [0, 0, 0, 0, 0];
    for (let i = 0; i < COUNT; i++) {
      const which = yield* race(
        hits.map((_, k) =>
          function* (): Coroutine<number> {
            yield* r.recv();
            return k;
          }()
        ),
      );
      hits[which]!++;
    }
    return hits;
  }());
  assert.deepEqual(hits, [COUNT, 0, 0, 0, 0]);
  assert.equal(r.length, 0, "each race took exactly one value");
  assert.equal(r.tryRecv(), PENDING);
  s.drop(); // the sender lives to here (else the garbage collector may drop it, closing the channel)
  r.drop();
});

// In part: a `select!` branch's message is an expression evaluated only when that branch is
// chosen; `send(v)` takes a value (and encodes it at once), so the first half's `panic!()` message
// cannot be written. What can: a send to a full channel loses to the default branch and sends
// nothing, and a send whose value was computed by a receive completes.
test("recv_in_send", async () => {
  const [s1, r1] = sharedChannel<null>(1);
  s1.sendBlocking(null);
  const chosen = await onExecutor(function* (): Coroutine<string> {
    return yield* race([
      function* (): Coroutine<string> {
        yield* s1.send(null);
        return "send";
      }(),
      ready("default"),
    ]);
  }());
  assert.equal(chosen, "default");
  assert.equal(r1.length, 1, "the losing send sent nothing");

  const [s, r] = sharedChannel<null>(2);
  s.sendBlocking(null);
  await onExecutor(function* (): Coroutine<void> {
    yield* s.send((assert.equal(r.recvBlocking(), null), null));
  }());
  assert.equal(r.tryRecv(), null);
});

// Not portable: a Receiver sent through a channel. Values cross through @spindle/codec, which
// copies bytes; a handle holds the channel's SharedArrayBuffer, which is not bytes (README: a
// handle crosses by postMessage or workerData). Asserted: the documented refusal, before anything
// is sent.
test("channel_through_channel", () => {
  const [s, r] = sharedChannel<unknown>(1);
  const [, inner] = sharedChannel<unknown>(1);
  assert.throws(() => s.trySend(inner.handle()), UncloneableValueError);
  assert.equal(r.tryRecv(), PENDING);
});

// Not portable: `panic_on_drop` counts the destructor calls of the values left in a dropped channel
// and a destructor that panics; JavaScript values have no destructor, and a sharedChannel holds
// their encoded bytes.

// Messages are dropped when the last receiver is: crossbeam asserts the value's memory is freed
// (its `Rc` has no owner left); the observable counterpart is that the channel holds nothing.
test("drop_unreceived", () => {
  const [tx, rx] = sharedChannel<{ payload: string }>(1);
  assert.equal(tx.sendBlocking({ payload: "x" }), true);
  rx.drop();
  assert.equal(tx.length, 0, "the value no receiver can take is still in the channel");
  tx.drop();
});
