// smol's async-channel tests (tests/bounded.rs, tests/unbounded.rs), ported test by test onto the
// public API (PEER-TESTS.md maps each one). async-channel is multi-producer multi-consumer and
// crosses threads: its counterpart here is `sharedChannel` (bounded only). Its tests order their
// threads with sleeps; where the test is about the order of steps, not threads, the steps run in
// that order on this thread (futures on a LocalExecutor); where it is about threads (spsc, mpmc),
// workers run them, with fewer messages than the original on a 2-vCPU machine.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Worker } from "node:worker_threads";
import { blockOn, type Coroutine, type Future, LocalExecutor, PENDING, STREAM_END, yieldNow } from "@spindle/core";
import { nextMessage, startWorker, within } from "@spindle/test-support";
import { mpsc, SendError, sharedChannel } from "@spindle/sync";
import { mockTask } from "./test-support/mock-task.ts";
import type { AsyncChannelPeerData } from "./test-support/async-channel-peer.ts";

const LIMIT_MS = 60_000;
const PEER = new URL("./test-support/async-channel-peer.ts", import.meta.url);

function peer(data: AsyncChannelPeerData): Promise<unknown> {
  const worker: Worker = startWorker(PEER, data);
  return within(nextMessage(worker), LIMIT_MS, `async-channel peer ${data.op}`).finally(() => worker.terminate());
}

/** async-channel's `future::block_on(f)` for a future that waits on this thread's event loop. */
async function run<T>(future: Future<T> | Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(future);
  await within(executor.run(), LIMIT_MS, "executor run");
  return await handle;
}

test("bounded::smoke", async () => {
  const [s, r] = sharedChannel<number>(1);
  await run(s.send(7));
  assert.equal(r.tryRecv(), 7);
  await run(s.send(8));
  assert.equal(await run(r.recv()), 8);
  assert.equal(r.tryRecv(), PENDING); // TryRecvError::Empty
});

test("bounded::smoke_blocking", async () => {
  const [s, r] = sharedChannel<number>(1);
  s.sendBlocking(7);
  assert.equal(r.tryRecv(), 7);
  s.sendBlocking(8);
  assert.equal(await run(r.recv()), 8);
  await run(s.send(9));
  assert.equal(r.recvBlocking(), 9);
  assert.equal(r.tryRecv(), PENDING);
});

test("bounded::capacity", () => {
  for (let i = 1; i < 10; i++) {
    const [s, r] = sharedChannel<null>(i);
    assert.equal(s.capacity, i);
    assert.equal(r.capacity, i);
  }
});

test("bounded::len_empty_full (is_empty / is_full as length 0 / length === capacity)", async () => {
  const [s, r] = sharedChannel<null>(2);
  const state = () => [s.length, r.length, s.length === s.capacity, r.length === r.capacity];
  assert.deepEqual(state(), [0, 0, false, false]);
  await run(s.send(null));
  assert.deepEqual(state(), [1, 1, false, false]);
  await run(s.send(null));
  assert.deepEqual(state(), [2, 2, true, true]);
  assert.equal(await run(r.recv()), null);
  assert.deepEqual(state(), [1, 1, false, false]);
});

test("bounded::try_recv (the sleeps only order the steps: here they run in that order)", () => {
  const [s, r] = sharedChannel<number>(100);
  assert.equal(r.tryRecv(), PENDING);
  s.sendBlocking(7);
  assert.equal(r.tryRecv(), 7);
  s.drop(); // the sending closure ends, dropping its sender
  assert.equal(r.tryRecv(), STREAM_END); // TryRecvError::Closed
});

test("bounded::recv (a receive waits for a send made after it)", async () => {
  const [s, r] = sharedChannel<number>(100);
  const got: unknown[] = [];
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    for (let i = 0; i < 4; i++) got.push(yield* r.recv());
  }());
  executor.spawn(function* (): Coroutine<void> {
    for (const v of [7, 8, 9]) yield* s.send(v);
    s.drop();
  }());
  await within(executor.run(), LIMIT_MS, "recv");
  assert.deepEqual(got, [7, 8, 9, STREAM_END]);
});

test("bounded::try_send", () => {
  const [s, r] = sharedChannel<number>(1);
  assert.equal(s.trySend(1), true);
  assert.equal(s.trySend(2), false); // TrySendError::Full(2)
  assert.equal(r.tryRecv(), 1);
  assert.equal(r.tryRecv(), PENDING);
  assert.equal(s.trySend(3), true);
  assert.equal(r.recvBlocking(), 3);
  r.drop();
  assert.throws(() => s.trySend(4), (e) => e instanceof SendError && e.value === 4); // TrySendError::Closed(4)
});

test("bounded::send (a send waits for room a receive makes)", async () => {
  const [s, r] = sharedChannel<number>(1);
  const got: unknown[] = [];
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    for (const v of [7, 8, 9, 10]) yield* s.send(v);
  }());
  executor.spawn(function* (): Coroutine<void> {
    for (let i = 0; i < 3; i++) got.push(yield* r.recv());
  }());
  await within(executor.run(), LIMIT_MS, "send");
  assert.deepEqual(got, [7, 8, 9]);
  assert.equal(r.tryRecv(), 10);
});

test("bounded::closed", async () => {
  const [s, r] = sharedChannel<number>(1);
  s.sendBlocking(7);
  const before = mockTask(s.closed());
  assert.equal(before.poll(), PENDING);
  assert.equal(r.recvBlocking(), 7);
  r.drop();
  await within(until(() => before.isWoken()), LIMIT_MS, "the closed() future's wake-up"); // through the event loop
  assert.equal(before.poll(), undefined);
  assert.equal(mockTask(s.closed()).poll(), undefined);
});

test("bounded::send_after_close", async () => {
  const [s, r] = sharedChannel<number>(100);
  for (const v of [1, 2, 3]) s.sendBlocking(v);
  r.drop();
  await assert.rejects(run(s.send(4)), (e) => e instanceof SendError && e.value === 4);
  assert.throws(() => s.trySend(5), (e) => e instanceof SendError && e.value === 5);
  await assert.rejects(run(s.send(6)), (e) => e instanceof SendError && e.value === 6);
});

test("bounded::recv_after_close", async () => {
  const [s, r] = sharedChannel<number>(100);
  for (const v of [1, 2, 3]) s.sendBlocking(v);
  s.drop();
  for (const v of [1, 2, 3]) assert.equal(await run(r.recv()), v);
  assert.equal(await run(r.recv()), STREAM_END); // RecvError
});

test("bounded::len (25,000 messages across two threads become 5,000)", async () => {
  const COUNT = 5_000;
  const CAP = 1000;
  const [s, r] = sharedChannel<number>(CAP);
  assert.equal(s.length, 0);
  assert.equal(r.length, 0);
  for (let round = 0; round < CAP / 10; round++) {
    for (let i = 0; i < 50; i++) {
      s.sendBlocking(i);
      assert.equal(s.length, i + 1);
    }
    for (let i = 0; i < 50; i++) {
      r.recvBlocking();
      assert.equal(r.length, 50 - i - 1);
    }
  }
  for (let i = 0; i < CAP; i++) {
    s.sendBlocking(i);
    assert.equal(s.length, i + 1);
  }
  for (let i = 0; i < CAP; i++) r.recvBlocking();
  assert.equal(s.length, 0);
  const sent = peer({ op: "send", tx: s.handle(), count: COUNT });
  for (let i = 0; i < COUNT; i++) {
    assert.equal(r.recvBlocking(), i);
    assert.ok(r.length <= CAP);
  }
  assert.equal(await sent, "sent");
  assert.equal(s.length, 0);
  assert.equal(r.length, 0);
});

test("bounded::receiver_count", () => {
  const [s, r] = sharedChannel<null>(5);
  const clones = Array.from({ length: 20 }, () => r.clone());
  assert.equal(s.receiverCount, 21);
  assert.equal(r.receiverCount, 21);
  for (const clone of clones) clone.drop();
  assert.equal(s.receiverCount, 1);
  assert.equal(r.receiverCount, 1);
});

test("bounded::sender_count", () => {
  const [s, r] = sharedChannel<null>(5);
  const clones = Array.from({ length: 20 }, () => s.clone());
  assert.equal(s.senderCount, 21);
  assert.equal(r.senderCount, 21);
  for (const clone of clones) clone.drop();
  assert.equal(s.senderCount, 1);
  assert.equal(r.senderCount, 1);
});

test("bounded::close_wakes_sender", async () => {
  const [s, r] = sharedChannel<null>(1);
  s.sendBlocking(null);
  const send = mockTask(s.send(null));
  assert.equal(send.poll(), PENDING);
  r.drop();
  await within(until(() => send.isWoken()), LIMIT_MS, "the pending send's wake-up");
  assert.throws(() => send.poll(), SendError);
});

test("bounded::close_wakes_receiver", async () => {
  const [s, r] = sharedChannel<null>(1);
  const recv = mockTask(r.recv());
  assert.equal(recv.poll(), PENDING);
  s.drop();
  await within(until(() => recv.isWoken()), LIMIT_MS, "the pending receive's wake-up");
  assert.equal(recv.poll(), STREAM_END);
});

/** Resolves once `done()` holds, turning the event loop (shared-channel futures wake through it). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 1));
}

test("bounded::forget_blocked_sender", () => {
  const [s1, r] = sharedChannel<number>(2);
  const s2 = s1.clone();
  s1.sendBlocking(3);
  s1.sendBlocking(7);
  const s1Fut = mockTask(s1.send(13));
  assert.equal(s1Fut.poll(), PENDING); // polled once, kept alive, never polled again
  assert.equal(r.recvBlocking(), 3);
  assert.equal(r.recvBlocking(), 7);
  s2.sendBlocking(42); // the forgotten send holds no slot: the room goes to s2
  assert.equal(r.tryRecv(), 42);
  s1Fut.drop();
});

test("bounded::forget_blocked_receiver", () => {
  const [s, r1] = sharedChannel<number>(2);
  const r2 = r1.clone();
  const r1Fut = mockTask(r1.recv());
  assert.equal(r1Fut.poll(), PENDING); // polled once, kept alive, never polled again
  s.sendBlocking(3);
  s.sendBlocking(7);
  assert.equal(r2.recvBlocking(), 3); // the forgotten receive took nothing
  assert.equal(s.trySend(42), true);
  r1Fut.drop();
});

test("bounded::spsc (100,000 messages become 20,000)", async () => {
  const COUNT = 20_000;
  const [s, r] = sharedChannel<number>(3);
  const received = peer({ op: "recv", rx: r.handle(), count: COUNT, thenEnd: true });
  r.drop();
  for (let i = 0; i < COUNT; i++) s.sendBlocking(i);
  s.drop();
  assert.deepEqual(await received, Array.from({ length: COUNT }, (_, i) => i));
});

for (const stream of [false, true]) {
  test(`bounded::mpmc${stream ? "_stream" : ""} (4 + 4 threads; 25,000 each become 2,000; ${stream ? "this thread receives as a stream" : ""})`, async () => {
    const COUNT = 2_000;
    const THREADS = 4;
    const [s, r] = sharedChannel<number>(3);
    const receivers = Array.from(
      { length: stream ? THREADS - 1 : THREADS },
      () => peer({ op: "recv", rx: r.handle(), count: COUNT }),
    );
    const senders = Array.from({ length: THREADS }, () => peer({ op: "send", tx: s.handle(), count: COUNT }));
    s.drop();
    const counts = new Array<number>(COUNT).fill(0);
    if (stream) {
      // async-channel's Receiver is a Stream; a SharedReceiver is polled through its recv() futures
      const here = await run(function* (): Coroutine<number[]> {
        const got: number[] = [];
        for (let i = 0; i < COUNT; i++) got.push((yield* r.recv()) as number);
        return got;
      }());
      for (const n of here) counts[n] = counts[n]! + 1;
    }
    r.drop();
    for (const values of await Promise.all(receivers) as number[][]) for (const n of values) counts[n] = counts[n]! + 1;
    await Promise.all(senders);
    assert.deepEqual(counts, new Array<number>(COUNT).fill(THREADS));
  });
}

// tests/unbounded.rs: no channel here is unbounded and multi-consumer or cross-thread, so these
// run on the single-thread `mpsc.unbounded` (one receiver), tasks standing for the threads.

test("unbounded::smoke", () => {
  const [s, r] = mpsc.unbounded<number>();
  s.send(7);
  assert.equal(r.tryRecv(), 7);
  s.send(8);
  assert.equal(blockOn(r.recv()), 8);
  assert.equal(r.tryRecv(), PENDING);
});

test("unbounded::len_empty_full (the receiver's length and isEmpty; an unbounded channel is never full)", () => {
  const [s, r] = mpsc.unbounded<null>();
  assert.deepEqual([r.length, r.isEmpty], [0, true]);
  s.send(null);
  assert.deepEqual([r.length, r.isEmpty], [1, false]);
  assert.equal(blockOn(r.recv()), null);
  assert.deepEqual([r.length, r.isEmpty], [0, true]);
});

test("unbounded::try_recv", () => {
  const [s, r] = mpsc.unbounded<number>();
  assert.equal(r.tryRecv(), PENDING);
  s.send(7);
  assert.equal(r.tryRecv(), 7);
  s.drop();
  assert.equal(r.tryRecv(), STREAM_END);
});

test("unbounded::recv", async () => {
  const [s, r] = mpsc.unbounded<number>();
  const got: unknown[] = [];
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    for (let i = 0; i < 4; i++) got.push(yield* r.recv());
  }());
  executor.spawn(function* (): Coroutine<void> {
    yield* yieldNow(); // the receiver waits first, as the sleep makes it
    for (const v of [7, 8, 9]) s.send(v);
    s.drop();
  }());
  await within(executor.run(), LIMIT_MS, "recv");
  assert.deepEqual(got, [7, 8, 9, STREAM_END]);
});

for (const name of ["try_send", "send"]) {
  test(`unbounded::${name}`, () => {
    const [s, r] = mpsc.unbounded<number>();
    for (let i = 0; i < 1000; i++) s.send(i);
    r.drop();
    assert.throws(() => s.send(777), (e) => e instanceof SendError && e.value === 777);
  });
}

test("unbounded::send_after_close", () => {
  const [s, r] = mpsc.unbounded<number>();
  for (const v of [1, 2, 3]) s.send(v);
  r.drop();
  assert.throws(() => s.send(4), (e) => e instanceof SendError && e.value === 4);
  assert.throws(() => s.send(5), (e) => e instanceof SendError && e.value === 5);
});

test("unbounded::recv_after_close", () => {
  const [s, r] = mpsc.unbounded<number>();
  for (const v of [1, 2, 3]) s.send(v);
  s.drop();
  for (const v of [1, 2, 3]) assert.equal(blockOn(r.recv()), v);
  assert.equal(blockOn(r.recv()), STREAM_END);
});

test("unbounded::len (the receiver's length)", () => {
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
});

test("unbounded::sender_count (mpsc counts senders as tokio does: strongCount, senderStrongCount)", () => {
  const [s, r] = mpsc.unbounded<null>();
  const clones = Array.from({ length: 20 }, () => s.clone());
  assert.equal(s.strongCount, 21);
  assert.equal(r.senderStrongCount, 21);
  for (const clone of clones) clone.drop();
  assert.equal(s.strongCount, 1);
  assert.equal(r.senderStrongCount, 1);
});

test("unbounded::close_wakes_receiver", () => {
  const [s, r] = mpsc.unbounded<null>();
  const recv = mockTask(r.recv());
  assert.equal(recv.poll(), PENDING);
  s.drop();
  assert.equal(recv.isWoken(), true);
  assert.equal(recv.poll(), STREAM_END);
});

test("unbounded::spsc (two tasks for the two threads; 100,000 messages)", async () => {
  const COUNT = 100_000;
  const [s, r] = mpsc.unbounded<number>();
  const executor = new LocalExecutor();
  const received = executor.spawn(function* (): Coroutine<boolean> {
    for (let i = 0; i < COUNT; i++) if ((yield* r.recv()) !== i) return false;
    return (yield* r.recv()) === STREAM_END;
  }());
  executor.spawn(function* (): Coroutine<void> {
    for (let i = 0; i < COUNT; i++) {
      s.send(i);
      if (i % 1000 === 0) yield* yieldNow();
    }
    s.drop();
  }());
  await within(executor.run(), LIMIT_MS, "spsc");
  assert.equal(await received, true);
});
