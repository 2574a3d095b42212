// Port of smol-rs/async-channel tests/bounded.rs (smol-rs/async-channel
// 34e669e0571930913535ee8e50c92f01bce3795c) onto @spindle/sync's sharedChannel, written from the
// sync README: async-channel's bounded channel is multi-producer multi-consumer, as sharedChannel
// is (the single-thread mpsc has one receiver). Differs: the upstream threads (Parallel) are
// tasks of one LocalExecutor here (their sleeps real, halved);
// `block_on(fut)` is `yield*` in such a task, since sharedChannel futures need a turning event
// loop (README: not inside blockOn). Err(Closed)/Err(RecvError) is STREAM_END, Err(Empty) is
// PENDING, TrySendError::Full is `false`, SendError is thrown with the value.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, fromPromise, type Future, LocalExecutor, PENDING, pollFn, STREAM_END } from "@spindle/core";
import { SendError, sharedChannel } from "@spindle/sync";

/**
 * async-channel's `Parallel::new().add(..).run()`: the bodies as tasks of one LocalExecutor. Their
 * sleeps are real (halved): a VirtualClock's `autoAdvance` jumps as soon as the executor is idle,
 * before a wake already under way (a settled promise, the channel's `Atomics.waitAsync`) reaches
 * its task, which reorders these scenarios (see the peer-ports README).
 */
async function parallel(...bodies: ((sleep: (ms: number) => Coroutine<void>) => Coroutine<void>)[]): Promise<void> {
  function* sleep(ms: number): Coroutine<void> {
    yield* fromPromise(new Promise<void>((resolve) => setTimeout(resolve, ms / 2)));
  }
  const executor = new LocalExecutor();
  const handles = bodies.map((body) => executor.spawn(body(sleep)));
  await executor.run();
  for (const handle of handles) await handle;
}

const NOT_READY: unique symbol = Symbol("not ready");

/** futures_lite's `poll_once`: one poll of `future` in the current task: its output or NOT_READY. */
function pollOnce<T>(future: Future<T>): Future<T | typeof NOT_READY> {
  return pollFn((cx) => {
    const out = future.poll(cx);
    return out === PENDING ? NOT_READY : out;
  });
}

const sendFails = (value: unknown) => (e: unknown): boolean => e instanceof SendError && e.value === value;

test("smoke", async () => {
  const [s, r] = sharedChannel<number>(1);
  await parallel(function* (): Coroutine<void> {
    yield* s.send(7);
    assert.equal(r.tryRecv(), 7);
    yield* s.send(8);
    assert.equal(yield* r.recv(), 8);
    assert.equal(r.tryRecv(), PENDING);
  });
});

test("smoke_blocking", async () => {
  const [s, r] = sharedChannel<number>(1);
  assert.equal(s.sendBlocking(7), true);
  assert.equal(r.tryRecv(), 7);
  assert.equal(s.sendBlocking(8), true);
  await parallel(function* (): Coroutine<void> {
    assert.equal(yield* r.recv(), 8);
    yield* s.send(9);
  });
  assert.equal(r.recvBlocking(), 9);
  assert.equal(r.tryRecv(), PENDING);
});

test("capacity", () => {
  for (let i = 1; i < 10; i++) {
    const [s, r] = sharedChannel<null>(i);
    assert.equal(s.capacity, i);
    assert.equal(r.capacity, i);
  }
});

// is_empty() / is_full() are `length === 0` / `length === capacity`, on either end.
test("len_empty_full", async () => {
  const [s, r] = sharedChannel<boolean>(2);
  const check = (len: number) => {
    for (const end of [s, r]) {
      assert.equal(end.length, len);
      assert.equal(end.length === 0, len === 0);
      assert.equal(end.length === end.capacity, len === 2);
    }
  };
  await parallel(function* (): Coroutine<void> {
    check(0);
    yield* s.send(true);
    check(1);
    yield* s.send(true);
    check(2);
    yield* r.recv();
    check(1);
  });
});

test("try_recv", async () => {
  const [s, r] = sharedChannel<number>(100);
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
      yield* s.send(7);
      s.drop(); // the thread's end goes with the thread
    },
  );
});

test("recv", async () => {
  const [s, r] = sharedChannel<number>(100);
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
      yield* s.send(7);
      yield* s.send(8);
      yield* s.send(9);
      s.drop();
    },
  );
});

test("try_send", async () => {
  const [s, r] = sharedChannel<number>(1);
  await parallel(
    function* (sleep): Coroutine<void> {
      assert.equal(s.trySend(1), true);
      assert.equal(s.trySend(2), false);
      yield* sleep(1500);
      assert.equal(s.trySend(3), true);
      yield* sleep(500);
      assert.throws(() => s.trySend(4), sendFails(4));
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(1000);
      assert.equal(r.tryRecv(), 1);
      assert.equal(r.tryRecv(), PENDING);
      assert.equal(yield* r.recv(), 3);
      r.drop();
    },
  );
});

test("send", async () => {
  const [s, r] = sharedChannel<number>(1);
  await parallel(
    function* (sleep): Coroutine<void> {
      yield* s.send(7);
      yield* sleep(1000);
      yield* s.send(8);
      yield* sleep(1000);
      yield* s.send(9);
      yield* sleep(1000);
      yield* s.send(10);
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(1500);
      assert.equal(yield* r.recv(), 7);
      assert.equal(yield* r.recv(), 8);
      assert.equal(yield* r.recv(), 9);
    },
  );
});

test("send_after_close", async () => {
  const [s, r] = sharedChannel<number>(100);
  await parallel(function* (): Coroutine<void> {
    yield* s.send(1);
    yield* s.send(2);
    yield* s.send(3);
    r.drop();
    try {
      yield* s.send(4);
      assert.fail("sent to a channel without receivers");
    } catch (e) {
      assert.ok(sendFails(4)(e));
    }
    assert.throws(() => s.trySend(5), sendFails(5));
    assert.throws(() => s.sendBlocking(6), sendFails(6));
  });
});

test("recv_after_close", async () => {
  const [s, r] = sharedChannel<number>(100);
  await parallel(function* (): Coroutine<void> {
    yield* s.send(1);
    yield* s.send(2);
    yield* s.send(3);
    s.drop();
    assert.equal(yield* r.recv(), 1);
    assert.equal(yield* r.recv(), 2);
    assert.equal(yield* r.recv(), 3);
    assert.equal(yield* r.recv(), STREAM_END);
  });
});

// COUNT is 5,000 instead of 25,000 (one thread runs both sides here).
test("len", async () => {
  const COUNT = 5_000;
  const CAP = 1000;
  const [s, r] = sharedChannel<number>(CAP);
  await parallel(function* (): Coroutine<void> {
    assert.equal(r.length, 0);
    for (let round = 0; round < CAP / 10; round++) {
      for (let i = 0; i < 50; i++) {
        yield* s.send(i);
        assert.equal(s.length, i + 1);
      }
      for (let i = 0; i < 50; i++) {
        yield* r.recv();
        assert.equal(r.length, 50 - i - 1);
      }
    }
    assert.equal(r.length, 0);
    for (let i = 0; i < CAP; i++) {
      yield* s.send(i);
      assert.equal(s.length, i + 1);
    }
    for (let i = 0; i < CAP; i++) yield* r.recv();
    assert.equal(r.length, 0);
  });
  await parallel(
    function* (): Coroutine<void> {
      for (let i = 0; i < COUNT; i++) {
        assert.equal(yield* r.recv(), i);
        assert.ok(r.length <= CAP);
      }
    },
    function* (): Coroutine<void> {
      for (let i = 0; i < COUNT; i++) {
        yield* s.send(i);
        assert.ok(s.length <= CAP);
      }
    },
  );
  assert.equal(s.length, 0);
  assert.equal(r.length, 0);
});

test("receiver_count", () => {
  const [s, r] = sharedChannel<null>(5);
  const clones = Array.from({ length: 20 }, () => r.clone());
  assert.equal(s.receiverCount, 21);
  assert.equal(r.receiverCount, 21);
  for (const c of clones) c.drop();
  assert.equal(s.receiverCount, 1);
  assert.equal(r.receiverCount, 1);
});

test("sender_count", () => {
  const [s, r] = sharedChannel<null>(5);
  const clones = Array.from({ length: 20 }, () => s.clone());
  assert.equal(s.senderCount, 21);
  assert.equal(r.senderCount, 21);
  for (const c of clones) c.drop();
  assert.equal(s.senderCount, 1);
  assert.equal(r.senderCount, 1);
  assert.equal(s.receiverCount, 1);
});

test("close_wakes_sender", async () => {
  const [s, r] = sharedChannel<boolean>(1);
  await parallel(
    function* (): Coroutine<void> {
      yield* s.send(true);
      try {
        yield* s.send(true);
        assert.fail("the send was not failed by the receiver's drop");
      } catch (e) {
        assert.ok(e instanceof SendError);
      }
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(1000);
      r.drop();
    },
  );
});

test("close_wakes_receiver", async () => {
  const [s, r] = sharedChannel<boolean>(1);
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

test("forget_blocked_sender", async () => {
  const [s1, r] = sharedChannel<number>(2);
  const s2 = s1.clone();
  await parallel(
    function* (sleep): Coroutine<void> {
      yield* s1.send(3);
      yield* s1.send(7);
      const blocked = s1.send(13);
      assert.equal(yield* pollOnce(blocked), NOT_READY);
      yield* sleep(500);
      blocked[Symbol.dispose](); // dropped at the end of the thread: 13 is never sent
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(100);
      yield* s2.send(42);
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(200);
      assert.equal(yield* r.recv(), 3);
      assert.equal(yield* r.recv(), 7);
      yield* sleep(100);
      assert.equal(r.tryRecv(), 42);
    },
  );
});

test("forget_blocked_receiver", async () => {
  const [s, r1] = sharedChannel<number>(2);
  const r2 = r1.clone();
  await parallel(
    function* (sleep): Coroutine<void> {
      const blocked = r1.recv();
      assert.equal(yield* pollOnce(blocked), NOT_READY);
      yield* sleep(500);
      blocked[Symbol.dispose]();
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(100);
      assert.equal(yield* r2.recv(), 3);
    },
    function* (sleep): Coroutine<void> {
      yield* sleep(200);
      yield* s.send(3);
      yield* s.send(7);
      yield* sleep(100);
      assert.equal(s.trySend(42), true);
    },
  );
});

// COUNT is 20,000 instead of 100,000 (both sides share one thread here).
test("spsc", async () => {
  const COUNT = 20_000;
  const [s, r] = sharedChannel<number>(3);
  await parallel(
    function* (): Coroutine<void> {
      for (let i = 0; i < COUNT; i++) assert.equal(yield* r.recv(), i);
      assert.equal(yield* r.recv(), STREAM_END);
    },
    function* (): Coroutine<void> {
      for (let i = 0; i < COUNT; i++) yield* s.send(i);
      s.drop();
    },
  );
});

// Four receiving and four sending tasks (threads upstream); COUNT is 5,000 instead of 25,000.
test("mpmc", async () => {
  const COUNT = 5_000;
  const THREADS = 4;
  const [s, r] = sharedChannel<number>(3);
  const v = new Array<number>(COUNT).fill(0);
  await parallel(
    ...Array.from({ length: THREADS }, () =>
      function* (): Coroutine<void> {
        for (let i = 0; i < COUNT; i++) {
          const n = yield* r.recv();
          assert.notEqual(n, STREAM_END);
          v[n as number]!++;
        }
      }),
    ...Array.from({ length: THREADS }, () =>
      function* (): Coroutine<void> {
        for (let i = 0; i < COUNT; i++) yield* s.send(i);
      }),
  );
  assert.ok(v.every((c) => c === THREADS));
});

test("closed", async () => {
  const [s, r] = sharedChannel<number>(1);
  await parallel(
    function* (sleep): Coroutine<void> {
      yield* s.send(7);
      const before = s.closed();
      assert.equal(yield* pollOnce(before), NOT_READY);
      yield* sleep(1000);
      assert.equal(yield* pollOnce(before), undefined);
      assert.equal(yield* pollOnce(s.closed()), undefined);
    },
    function* (sleep): Coroutine<void> {
      assert.equal(yield* r.recv(), 7);
      yield* sleep(500);
      r.drop();
    },
  );
});
