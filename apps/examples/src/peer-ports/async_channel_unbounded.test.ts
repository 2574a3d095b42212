// Port of smol-rs/async-channel tests/unbounded.rs (smol-rs/async-channel
// 34e669e0571930913535ee8e50c92f01bce3795c) onto @spindle/sync's mpsc.unbounded, written from the
// sync README. Differs: Spindle's unbounded channel has one receiver (mpsc) and lives on one
// thread, so the upstream threads are tasks of one LocalExecutor (sleeps real, halved, as in
// async_channel_bounded.test.ts); `send` never waits, so `block_on(s.send(v))` and `try_send`
// are both `send(v)`; `recv_blocking` is `blockOn(r.recv())`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, fromPromise, LocalExecutor, PENDING, STREAM_END } from "@spindle/core";
import { mpsc, SendError } from "@spindle/sync";

async function parallel(...bodies: ((sleep: (ms: number) => Coroutine<void>) => Coroutine<void>)[]): Promise<void> {
  function* sleep(ms: number): Coroutine<void> {
    yield* fromPromise(new Promise<void>((resolve) => setTimeout(resolve, ms / 2)));
  }
  const executor = new LocalExecutor();
  const handles = bodies.map((body) => executor.spawn(body(sleep)));
  await executor.run();
  for (const handle of handles) await handle;
}

test("smoke", () => {
  const [s, r] = mpsc.unbounded<number>();
  s.send(7);
  assert.equal(r.tryRecv(), 7);
  s.send(8);
  assert.equal(blockOn(r.recv()), 8);
  assert.equal(r.tryRecv(), PENDING);
});

test("smoke_blocking", () => {
  const [s, r] = mpsc.unbounded<number>();
  s.send(7);
  assert.equal(r.tryRecv(), 7);
  s.send(8);
  assert.equal(blockOn(r.recv()), 8);
  s.send(9);
  assert.equal(blockOn(r.recv()), 9);
  assert.equal(r.tryRecv(), PENDING);
});

// Ported in part: the unbounded senders have no len(); the receiver's `length` is read for both.
test("len_empty_full", () => {
  const [s, r] = mpsc.unbounded<boolean>();
  assert.equal(r.length, 0);
  s.send(true);
  assert.equal(r.length, 1);
  blockOn(r.recv());
  assert.equal(r.length, 0);
});

test("sender_count (mpsc counts senders as tokio does: strongCount, senderStrongCount)", () => {
  const [s, r] = mpsc.unbounded<null>();
  const clones = Array.from({ length: 20 }, () => s.clone());
  assert.equal(s.strongCount, 21);
  assert.equal(r.senderStrongCount, 21);
  for (const clone of clones) clone.drop();
  assert.equal(s.strongCount, 1);
  assert.equal(r.senderStrongCount, 1);
});

test("try_recv", async () => {
  const [s, r] = mpsc.unbounded<number>();
  await parallel(
    function* (sleep): Coroutine<void> {
      assert.equal(r.tryRecv(), PENDING);
      yield* sleep(1500);
      assert.equal(r.tryRecv(), 7);
      yield* sleep(500);
      assert.equal(r.tryRecv(), STREAM_END);
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(1000);
      s.send(7);
      s.drop();
    },
  );
});

test("recv", async () => {
  const [s, r] = mpsc.unbounded<number>();
  await parallel(
    function* (sleep): Coroutine<void> {
      assert.equal(yield* r.recv(), 7);
      yield* sleep(1000);
      assert.equal(yield* r.recv(), 8);
      yield* sleep(1000);
      assert.equal(yield* r.recv(), 9);
      assert.equal(yield* r.recv(), STREAM_END);
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(1500);
      s.send(7);
      s.send(8);
      s.send(9);
      s.drop();
    },
  );
});

test("try_send", async () => {
  const [s, r] = mpsc.unbounded<number>();
  await parallel(
    function* (sleep): Coroutine<void> {
      s.send(1);
      yield* sleep(1500);
      s.send(2);
      yield* sleep(500);
      assert.throws(() => s.send(3), (e) => e instanceof SendError && e.value === 3);
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(1000);
      assert.equal(r.tryRecv(), 1);
      assert.equal(r.tryRecv(), PENDING);
      assert.equal(yield* r.recv(), 2);
      r[Symbol.dispose]();
    },
  );
});

test("send", async () => {
  const [s, r] = mpsc.unbounded<number>();
  await parallel(
    function* (sleep): Coroutine<void> {
      s.send(7);
      yield* sleep(1000);
      s.send(8);
      yield* sleep(1000);
      s.send(9);
      yield* sleep(1000);
      s.send(10);
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(1500);
      assert.equal(yield* r.recv(), 7);
      assert.equal(yield* r.recv(), 8);
      assert.equal(yield* r.recv(), 9);
    },
  );
});

test("send_after_close", () => {
  const [s, r] = mpsc.unbounded<number>();
  s.send(1);
  s.send(2);
  s.send(3);
  r[Symbol.dispose]();
  for (const v of [4, 5, 6]) assert.throws(() => s.send(v), (e) => e instanceof SendError && e.value === v);
});

test("recv_after_close", () => {
  const [s, r] = mpsc.unbounded<number>();
  s.send(1);
  s.send(2);
  s.send(3);
  s.drop();
  assert.equal(blockOn(r.recv()), 1);
  assert.equal(blockOn(r.recv()), 2);
  assert.equal(blockOn(r.recv()), 3);
  assert.equal(blockOn(r.recv()), STREAM_END);
});

test("len", () => {
  const [s, r] = mpsc.unbounded<number>();
  assert.equal(r.length, 0);
  for (let i = 0; i < 50; i++) {
    s.send(i);
    assert.equal(r.length, i + 1);
  }
  for (let i = 0; i < 50; i++) {
    blockOn(r.recv());
    assert.equal(r.length, 50 - i - 1);
  }
  assert.equal(r.length, 0);
});

test("close_wakes_receiver", async () => {
  const [s, r] = mpsc.unbounded<null>();
  await parallel(
    function* (): Coroutine<void> {
      assert.equal(yield* r.recv(), STREAM_END);
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(1000);
      s.drop();
    },
  );
});

// COUNT is 20,000 instead of 100,000 (both sides share one thread here).
test("spsc", async () => {
  const COUNT = 20_000;
  const [s, r] = mpsc.unbounded<number>();
  await parallel(
    function* (): Coroutine<void> {
      for (let i = 0; i < COUNT; i++) assert.equal(yield* r.recv(), i);
      assert.equal(yield* r.recv(), STREAM_END);
    },
    function* (): Coroutine<void> {
      for (let i = 0; i < COUNT; i++) s.send(i);
      s.drop();
    },
  );
});
