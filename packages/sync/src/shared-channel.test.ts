import assert from "node:assert/strict";
import { test } from "node:test";
import type { Worker } from "node:worker_threads";
import { UncloneableValueError } from "@spindle/codec";
import {
  Context,
  type Coroutine,
  drop,
  type Future,
  LocalExecutor,
  PENDING,
  select,
  SpindleError,
  STREAM_END,
  yieldNow,
} from "@spindle/core";
import { nextMessage, runScript, startWorker, unreadableValues, within } from "@spindle/test-support";
import { SendError, sharedChannel, SharedReceiver, SharedSender, ValueTooLargeError } from "./mod.ts";
import type { PeerData } from "./test-support/shared-channel-peer.ts";

/** A hang bound for a loaded 2-vCPU machine: a lost wake-up fails the test instead of hanging it. */
const LIMIT_MS = 20_000;
const PEER = new URL("./test-support/shared-channel-peer.ts", import.meta.url);

function peer(data: PeerData): Worker {
  return startWorker(PEER, data);
}

/** Runs `future` on a LocalExecutor of this thread (the host event loop turns while it waits). */
async function run<T>(future: Future<T> | Coroutine<T>, what: string): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(future);
  await within(executor.run(), LIMIT_MS, what);
  return await handle;
}

test("trySend fails on a full channel and tryRecv gives PENDING on an empty one, in FIFO order", () => {
  const [tx, rx] = sharedChannel<string>(2);
  assert.equal(rx.tryRecv(), PENDING);
  assert.equal(tx.trySend("a"), true);
  assert.equal(tx.trySend("b"), true);
  assert.equal(tx.trySend("c"), false);
  assert.equal(rx.length, 2);
  assert.equal(rx.tryRecv(), "a");
  assert.equal(tx.trySend("c"), true);
  assert.deepEqual([rx.tryRecv(), rx.tryRecv(), rx.tryRecv()], ["b", "c", PENDING]);
});

test("a channel of one slot tells full from free on every lap", () => {
  const [tx, rx] = sharedChannel<number>(1);
  for (let i = 0; i < 1000; i++) {
    assert.equal(tx.trySend(i), true);
    assert.equal(tx.trySend(-1), false, `lap ${i}: full`);
    assert.equal(rx.tryRecv(), i);
    assert.equal(rx.tryRecv(), PENDING, `lap ${i}: empty`);
  }
});

test("values keep their shape: strings, numbers, objects, typed arrays, Map, Date, undefined", () => {
  const [tx, rx] = sharedChannel<unknown>(8, { slotBytes: 512 });
  const values = [
    "a 64-byte string ".repeat(4),
    -0.5,
    { id: 1, nested: { list: [1, "two", null] } },
    new Float64Array([1.5, 2.5]),
    new Map([["k", new Set([1])]]),
    new Date(0),
    undefined,
  ];
  for (const value of values) assert.equal(tx.trySend(value), true);
  for (const value of values) assert.deepEqual(rx.tryRecv(), value);
});

test("strings and numbers cross exactly, through slots that start on word boundaries and slots that do not", () => {
  const texts = ["", "a", "0123456789abcdef".repeat(4), "x".repeat(63), "x".repeat(65), "é".repeat(20), "☃ snow", "😀"];
  texts.push("\ud800 lone", "lone \udc00", "ascii then é", "x".repeat(17));
  const values: unknown[] = [...texts, 0, -0, 7, -(2 ** 31), 2 ** 31, 0.1, NaN, -Infinity];
  for (const slotBytes of [128, 130, 72, 75]) {
    const [tx, rx] = sharedChannel<unknown>(4, { slotBytes });
    for (let lap = 0; lap < 3; lap++) {
      for (const value of values) {
        assert.equal(tx.trySend(value), true);
        const got = rx.tryRecv();
        assert.ok(
          Object.is(got, value),
          `slotBytes ${slotBytes}: ${JSON.stringify(value)} came back as ${JSON.stringify(got)}`,
        );
      }
    }
  }
});

test("close() on any end closes for all: sends fail with the value back, receivers drain then end", async () => {
  const [tx, rx] = sharedChannel<number>(4);
  const other = SharedSender.from<number>(structuredClone(tx.handle()));
  tx.trySend(1);
  tx.trySend(2);
  rx.close();
  rx.close(); // idempotent
  assert.equal(tx.isClosed, true);
  assert.equal(other.isClosed, true);
  assert.throws(() => other.trySend(3), (e) => e instanceof SendError && e.value === 3);
  assert.throws(() => tx.sendBlocking(4, 0), (e) => e instanceof SendError && e.value === 4);
  await assert.rejects(run(tx.send(5), "send to closed"), (e) => e instanceof SendError && e.value === 5);
  assert.deepEqual([rx.tryRecv(), rx.tryRecv(), rx.tryRecv()], [1, 2, STREAM_END]);
  assert.equal(rx.recvBlocking(), STREAM_END);
  assert.equal(await run(rx.recv(), "recv on closed"), STREAM_END);
});

test("a recv future on this thread is woken by a send on another thread", async () => {
  const [tx, rx] = sharedChannel<string>(2);
  const worker = peer({ op: "send-later", tx: tx.handle(), delayMs: 50, value: "from the worker" });
  try {
    assert.equal(await run(rx.recv(), "recv woken by a worker's send"), "from the worker");
  } finally {
    await worker.terminate();
  }
});

test("a send future waiting on a full channel is woken by a receive on another thread", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  tx.trySend(1);
  const worker = peer({ op: "recv-later", rx: rx.handle(), delayMs: 50 });
  try {
    const received = nextMessage<number>(worker);
    await run(tx.send(2), "send woken by a worker's receive");
    assert.equal(await within(received, LIMIT_MS, "the worker's receive"), 1);
    assert.equal(rx.tryRecv(), 2);
  } finally {
    await worker.terminate();
  }
});

test("a thread blocked in sendBlocking on a full channel sends once one slot is freed, though it looks for room for more", async () => {
  const capacity = 64; // a blocked sender looks for room for 16 values before it tries again
  const [tx, rx] = sharedChannel<number>(capacity);
  for (let i = 0; i < capacity; i++) assert.ok(tx.trySend(i));
  const worker = peer({ op: "recv-later", rx: rx.handle(), delayMs: 50 }); // frees one slot, and no more
  try {
    const received = nextMessage<number>(worker);
    assert.equal(tx.sendBlocking(capacity, LIMIT_MS), true); // this thread blocks until then
    assert.equal(await within(received, LIMIT_MS, "the worker's receive"), 0);
    for (let i = 1; i <= capacity; i++) assert.equal(rx.tryRecv(), i);
    assert.equal(rx.tryRecv(), PENDING);
  } finally {
    await worker.terminate();
  }
});

test("close() on another thread wakes a pending recv future and a thread blocked in recvBlocking", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  const [tx2, rx2] = sharedChannel<number>(1);
  const closer = peer({ op: "close-later", tx: tx.handle(), delayMs: 50 });
  const blocked = peer({ op: "echo", rx: rx2.handle(), tx: sharedChannel<number>(1)[0].handle() });
  try {
    assert.equal(await run(rx.recv(), "recv woken by close"), STREAM_END);
    const ended = nextMessage<string>(blocked);
    tx2.close();
    assert.equal(await within(ended, LIMIT_MS, "recvBlocking woken by close"), "ended");
  } finally {
    await Promise.all([closer.terminate(), blocked.terminate()]);
  }
});

test("values make a round trip through a worker (echo with recvBlocking/sendBlocking)", async () => {
  const [toWorker, workerRx] = sharedChannel<unknown>(4, { slotBytes: 256 });
  const [workerTx, back] = sharedChannel<unknown>(4, { slotBytes: 256 });
  const worker = peer({ op: "echo", rx: workerRx.handle(), tx: workerTx.handle() });
  try {
    const values = ["é ✓", 42, { a: [1, { b: new Uint8Array([1, 2, 3]) }] }, 2n ** 70n];
    function* trip(): Coroutine<unknown[]> {
      const out: unknown[] = [];
      for (const value of values) {
        yield* toWorker.send(value);
        out.push(yield* back.recv());
      }
      return out;
    }
    assert.deepEqual(await run(trip(), "round trips"), values);
  } finally {
    toWorker.close();
    await worker.terminate();
  }
});

test("a recv dropped while pending takes nothing; a send dropped while pending sends nothing", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  function* dropBoth(): Coroutine<void> {
    const r = yield* select(rx.recv(), yieldNow());
    assert.equal(r.index, 1);
    drop(r.rest);
    tx.trySend(1);
    const s = yield* select(tx.send(2), yieldNow());
    assert.equal(s.index, 1);
    drop(s.rest);
  }
  await run(dropBoth(), "dropped futures");
  assert.deepEqual([rx.tryRecv(), rx.tryRecv()], [1, PENDING]);
});

test("a program whose only work is a pending recv stays alive until another thread sends, then exits", async () => {
  const script = new URL("./test-support/shared-channel-lifetime.ts", import.meta.url);
  const result = await runScript(script.pathname, LIMIT_MS);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), "received late; dropped pending recv released the process");
});

/** Asserts `fn` throws INVALID_ARGUMENT whose message names `what` and shows `shown`. */
function rejects(fn: () => unknown, what: string, shown: string): void {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof SpindleError, `a SpindleError for ${shown}`);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.ok(error.message.includes(what) && error.message.includes(shown), error.message);
    return true;
  });
}

test("bad capacities, slot sizes and buffers are refused naming the value", () => {
  for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 21]) rejects(() => sharedChannel(bad), "capacity", String(bad));
  rejects(() => sharedChannel("10" as unknown as number), "capacity", '"10"');
  for (const bad of [0, 2.5, 2 ** 25]) rejects(() => sharedChannel(1, { slotBytes: bad }), "slotBytes", String(bad));
  rejects(() => sharedChannel(2 ** 20, { slotBytes: 2 ** 12 }), "capacity × slotBytes", `${2 ** 20} × ${2 ** 12}`);
  rejects(
    () => SharedReceiver.from({ end: "receiver", buffer: new ArrayBuffer(64) as unknown as SharedArrayBuffer }),
    "shared channel's buffer",
    "ArrayBuffer",
  );
  const [tx, rx] = sharedChannel<number>(1);
  assert.throws(() => rx.recvBlocking(-1), /timeout must be .* got -1/);
  assert.throws(() => tx.sendBlocking(1, NaN), /timeout must be .* got NaN/);
  // Checked before the ring is tried: with room, nothing was sent; with a value waiting, it stays.
  assert.equal(rx.tryRecv(), PENDING);
  tx.trySend(2);
  assert.throws(() => rx.recvBlocking(NaN), /timeout must be .* got NaN/);
  assert.equal(rx.tryRecv(), 2);
});

test("a value too large for a slot throws ValueTooLargeError naming its size; nothing is sent", async () => {
  const [tx, rx] = sharedChannel<string>(2, { slotBytes: 64 });
  const big = "x".repeat(100);
  for (const attempt of [() => tx.trySend(big), () => tx.sendBlocking(big), () => tx.send(big)]) {
    assert.throws(attempt, (e) => {
      assert.ok(e instanceof ValueTooLargeError);
      assert.equal(e.slotBytes, 64);
      assert.ok(e.size > 100 && e.message.includes(`${e.size} bytes`) && e.message.includes("slotBytes 64"), e.message);
      return true;
    });
  }
  assert.equal(rx.tryRecv(), PENDING);
  assert.equal(tx.trySend("x".repeat(40)), true, "a value that fits still goes");
});

test("a value that cannot cross throws the codec's UncloneableValueError with its path; nothing is sent", () => {
  const [tx, rx] = sharedChannel<unknown>(2);
  class Point {}
  for (
    const [value, path] of [[{ a: [1, () => 1] }, "value.a[1]"], [new Point(), "value"], [
      Symbol("s"),
      "value",
    ]] as const
  ) {
    assert.throws(() => tx.trySend(value), (e) => {
      assert.ok(e instanceof UncloneableValueError, String(e));
      assert.equal(e.path, path);
      assert.match(e.message, /^shared channel send: /);
      return true;
    });
  }
  assert.throws(() => tx.send({ f: Math.max }), UncloneableValueError);
  assert.equal(rx.tryRecv(), PENDING);
  // What a getter of the value throws comes out as it is, also a value that cannot be read (the
  // send's `instanceof` on it threw the engine's TypeError); still nothing is sent.
  for (const [name, thrown] of unreadableValues()) {
    let caught: { error: unknown } | undefined;
    try {
      tx.trySend({
        get x() {
          throw thrown;
        },
      });
    } catch (error) {
      caught = { error };
    }
    assert.ok(caught !== undefined && caught.error === thrown, name);
  }
  assert.equal(rx.tryRecv(), PENDING);
});

test("SharedSender.closed() waits while a receiver is live, through receives, and completes on the last receiver's drop or on close()", async () => {
  const [tx, rx] = sharedChannel<number>(2);
  const other = rx.clone();
  const order: string[] = [];
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    yield* tx.closed();
    order.push("closed");
  }());
  executor.spawn(function* (): Coroutine<void> {
    yield* tx.send(1);
    assert.equal(yield* rx.recv(), 1); // a receive signals the counter closed() waits on: not the end
    order.push("received");
    yield* yieldNow();
    rx.drop();
    order.push("one receiver left");
    yield* yieldNow();
    other.drop();
  }());
  await within(executor.run(), LIMIT_MS, "closed() after the last receiver's drop");
  assert.deepEqual(order, ["received", "one receiver left", "closed"]);
  assert.throws(() => tx.trySend(2), SendError);

  // The receiver is held until the end: a receiver collected without a drop closes the channel
  // too (the safety net), which would end closed() before close() and make close() throw later.
  const [tx2, rx2] = sharedChannel<number>(1);
  const closedByClose = run(tx2.closed(), "closed() after close()");
  let closeCalled = false;
  setTimeout(() => {
    tx2.close();
    closeCalled = true;
  }, 20);
  assert.equal(await closedByClose, undefined);
  assert.ok(closeCalled, "closed() ended because of close()");
  tx2.drop();
  rx2.drop();
  assert.throws(() => tx2.closed(), (e) => e instanceof Error && /closed\(\)/.test(e.message));
});

test("a SharedSender.closed() future dropped while it waits stops waiting and keeps no waker", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  const closed = tx.closed();
  const index = await run(
    function* (): Coroutine<number> {
      const outcome = yield* select(closed, yieldNow());
      drop(outcome.rest); // the pending closed() is dropped here
      return outcome.index;
    }(),
    "select over a pending closed()",
  );
  assert.equal(index, 1);
  rx.drop(); // closes: nothing is woken for the dropped future, and the process can exit
  assert.throws(() => closed.poll(Context.noop()), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
});

test("both ends count both sides and read the length", () => {
  const [tx, rx] = sharedChannel<number>(2);
  const [tx2, rx2] = [tx.clone(), rx.clone()];
  assert.deepEqual([tx.senderCount, rx.senderCount, tx.receiverCount, rx.receiverCount], [2, 2, 2, 2]);
  tx2.drop();
  rx2.drop();
  assert.deepEqual([tx.senderCount, rx.receiverCount], [1, 1]);
  assert.equal(tx.trySend(1), true);
  assert.equal(tx.trySend(2), true);
  assert.deepEqual([tx.length, rx.length, tx.length === tx.capacity], [2, 2, true]);
  assert.equal(rx.tryRecv(), 1);
  assert.equal(tx.length, 1);
});
