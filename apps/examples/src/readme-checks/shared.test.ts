// @spindle/sync's cross-thread primitives from the README: sharedChannel, SharedSemaphore,
// SharedNotify across real worker threads, a worker dying while it holds an end, hostile handles.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { type Coroutine, LocalExecutor, PENDING, SpindleError, STREAM_END } from "@spindle/core";
import {
  ClosedError,
  SendError,
  sharedChannel,
  SharedNotify,
  SharedReceiver,
  SharedSemaphore,
  SharedSender,
  UncloneableValueError,
  ValueTooLargeError,
} from "@spindle/sync";
import { CountingContext, runChild, within } from "./support.ts";

const workerUrl = new URL("./shared-worker.ts", import.meta.url);

function startWorker(workerData: unknown): { worker: Worker; messages: unknown[]; exit: Promise<number> } {
  const worker = new Worker(workerUrl, { workerData });
  const messages: unknown[] = [];
  worker.on("message", (m) => messages.push(m));
  const exit = new Promise<number>((resolve) => worker.on("exit", resolve));
  return { worker, messages, exit };
}

test("sharedChannel: two worker producers, futures on this thread; each value once, in order per producer", async () => {
  const [tx, rx] = sharedChannel<number>(4, { slotBytes: 16 });
  const a = startWorker({ role: "send", handle: tx.handle(), count: 500 });
  const b = startWorker({ role: "send", handle: tx.clone().handle(), count: 500 });
  function* drain(): Coroutine<number[]> {
    const got: number[] = [];
    while (got.length < 1000) {
      const v = yield* rx.recv();
      if (v === STREAM_END) break;
      got.push(v);
    }
    return got;
  }
  const executor = new LocalExecutor();
  const got = executor.spawn(drain());
  await within("drain", 30_000, executor.run());
  const values = await got;
  assert.equal(values.length, 1000);
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (let i = 0; i < 500; i++) assert.equal(counts.get(i), 2);
  await within("workers exit", 10_000, Promise.all([a.exit, b.exit]));
  tx.close();
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("sharedChannel: a worker that dies holding a receiver loses nothing it did not take", async () => {
  const [tx, rx] = sharedChannel<number>(4);
  const dying = startWorker({ role: "recv-then-die", handle: rx.handle() });
  tx.sendBlocking(1);
  assert.equal(await within("worker exit", 10_000, dying.exit), 3);
  assert.deepEqual(dying.messages, [["got", 1]]);
  tx.sendBlocking(2);
  assert.equal(rx.tryRecv(), 2);
  assert.equal(rx.tryRecv(), PENDING);
});

test("sharedChannel: a pending recv future is woken by close from another end", async () => {
  const [tx, rx] = sharedChannel<number>(2);
  const executor = new LocalExecutor();
  const got = executor.spawn(rx.recv());
  const run = executor.run();
  setTimeout(() => SharedSender.from<number>(structuredClone(tx.handle())).close(), 20);
  await within("recv after close", 10_000, run);
  assert.equal(await got, STREAM_END);
  assert.throws(() => tx.trySend(1), SendError);
});

test("sharedChannel: a dropped pending recv takes nothing; a dropped pending send sends nothing", () => {
  const [tx, rx] = sharedChannel<number>(1);
  const receive = rx.recv();
  assert.equal(receive.poll(new CountingContext().cx), PENDING);
  receive[Symbol.dispose]();
  assert.equal(tx.trySend(1), true);
  const send = tx.send(2);
  assert.equal(send.poll(new CountingContext().cx), PENDING);
  send[Symbol.dispose]();
  assert.equal(rx.tryRecv(), 1);
  assert.equal(rx.tryRecv(), PENDING, "the dropped send sent nothing");
});

test("sharedChannel: values that cannot cross fail before anything waits", () => {
  const [tx, rx] = sharedChannel<unknown>(2, { slotBytes: 32 });
  assert.throws(() => tx.trySend({ f: () => 1 }), UncloneableValueError);
  assert.throws(() => tx.trySend("x".repeat(100)), (e) => e instanceof ValueTooLargeError && e.slotBytes === 32);
  assert.equal(rx.tryRecv(), PENDING);
});

test("sharedChannel hostile input: capacity, slotBytes and timeouts out of range name the value", () => {
  const invalid = (f: () => unknown, shown: string) =>
    assert.throws(f, (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(shown));
  invalid(() => sharedChannel(0), "0");
  invalid(() => sharedChannel(2 ** 20 + 1), String(2 ** 20 + 1));
  invalid(() => sharedChannel(4, { slotBytes: 0 }), "0");
  invalid(() => sharedChannel(4, { slotBytes: Number.NaN }), "NaN");
  invalid(() => sharedChannel(2 ** 20, { slotBytes: 2 ** 12 }), "4096");
  const [, rx] = sharedChannel<number>(1);
  assert.throws(() => rx.recvBlocking(-1), RangeError);
  assert.throws(() => rx.recvBlocking(Number.NaN), RangeError);
});

test("SharedSemaphore: a worker that dies holding a permit; the permit is released by nobody (README: not by GC)", async () => {
  const semaphore = new SharedSemaphore(1);
  const dying = startWorker({ role: "hold-permit-then-die", handle: semaphore.handle });
  assert.equal(await within("worker exit", 10_000, dying.exit), 4);
  assert.equal(semaphore.tryAcquire(), null, "the dead worker's permit is still taken (documented: release() only)");
  semaphore.addPermits(1);
  const permit = semaphore.acquireBlocking(1, 1_000);
  assert.ok(permit !== null);
  permit.release();
  semaphore.close();
  assert.throws(() => semaphore.tryAcquire(), ClosedError);
  assert.throws(() => SharedSemaphore.from(structuredClone(semaphore.handle)).acquireBlocking(1, 0), ClosedError);
});

test("SharedNotify: notifyOne from a worker wakes a future here; one from here wakes a blocked worker", async () => {
  const notify = new SharedNotify();
  const executor = new LocalExecutor();
  const woken = executor.spawn(notify.notified());
  const run = executor.run();
  const notifier = startWorker({ role: "notify", handle: notify.handle });
  await within("notified future", 10_000, run);
  await woken;
  await notifier.exit;
  const waiter = startWorker({ role: "wait-notify", handle: notify.handle });
  await new Promise((resolve) => setTimeout(resolve, 100));
  notify.notifyOne();
  await within("waiter exit", 15_000, waiter.exit);
  assert.deepEqual(waiter.messages, [["woken", true]]);
  assert.equal(notify.notifiedBlocking(0), false, "the notification was consumed, not kept");
});

test("sharedChannel: a waiting recv keeps the process alive until a worker's value lands; a dropped one does not", async () => {
  const waiting = await runChild("keep-alive-child.ts", 30_000);
  assert.equal(waiting.timedOut, false);
  assert.equal(waiting.stdout.trim(), "received late value", waiting.stderr);
  const dropped = await runChild("keep-alive-child.ts", 30_000, ["drop"]);
  assert.equal(dropped.timedOut, false, "a dropped recv gives its process hold back");
  assert.equal(dropped.stdout.trim(), "dropped", dropped.stderr);
});

test("sharedChannel: ends rebuilt from handles on this thread share one ring (SharedReceiver.from)", () => {
  const [tx, rx] = sharedChannel<number>(2);
  const other = SharedReceiver.from<number>(structuredClone(rx.handle()));
  tx.trySend(1);
  tx.trySend(2);
  assert.equal(tx.trySend(3), false, "full");
  assert.deepEqual([other.tryRecv(), rx.tryRecv(), other.tryRecv()], [1, 2, PENDING]);
});

test("sharedChannel stress: 3 worker senders, a blocking worker receiver and a future receiver here; each value exactly once, in order per sender", async () => {
  const [tx, rx] = sharedChannel<number>(2, { slotBytes: 16 });
  const senders = [1, 2, 3].map((tag) => startWorker({ role: "send-tagged", handle: tx.handle(), count: 1_500, tag }));
  const receiver = startWorker({ role: "recv-all", handle: rx.handle() });
  const here: number[] = [];
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    for (let v; (v = yield* rx.recv()) !== STREAM_END;) here.push(v);
  }());
  const run = executor.run();
  await within("senders", 60_000, Promise.all(senders.map((s) => s.exit)));
  tx.close();
  await within("receivers", 30_000, Promise.all([run, receiver.exit]));
  const there = receiver.messages[0] as number[];
  for (const list of [here, there]) {
    for (const tag of [1, 2, 3]) {
      const mine = list.filter((v) => Math.floor(v / 1_000_000) === tag);
      assert.deepEqual(mine, [...mine].sort((a, b) => a - b), "in order per sender");
    }
  }
  const all = [...here, ...there].sort((a, b) => a - b);
  const expected = [1, 2, 3].flatMap((tag) => Array.from({ length: 1_500 }, (_, i) => tag * 1_000_000 + i));
  assert.deepEqual(all, expected, "each value exactly once");
});

test("SharedSemaphore / SharedNotify cancel safety: a woken future dropped before its poll takes nothing", async () => {
  const semaphore = new SharedSemaphore(0);
  const executor = new LocalExecutor();
  const acquired = executor.spawn(semaphore.acquire(2));
  const run = executor.run();
  const adder = startWorker({ role: "add-permits", handle: semaphore.handle, count: 2 });
  await within("acquire woken by a worker's addPermits", 10_000, run);
  (await acquired).release();
  await adder.exit;
  const dropped = semaphore.acquire(3); // 2 free: waits
  assert.equal(dropped.poll(new CountingContext().cx), PENDING);
  semaphore.addPermits(1); // now enough: the future is woken, then dropped before its poll
  dropped[Symbol.dispose]();
  const permit = semaphore.tryAcquire(3);
  assert.ok(permit !== null, "all 3 permits are there");
  permit.release();

  const notify = new SharedNotify();
  const waiting = notify.notified();
  assert.equal(waiting.poll(new CountingContext().cx), PENDING);
  notify.notifyOne();
  waiting[Symbol.dispose]();
  assert.equal(notify.notifiedBlocking(0), true, "the notification dropped with the future became the permit");
  const before = notify.notified();
  notify.notifyWaiters();
  const after = notify.notified();
  assert.notEqual(before.poll(new CountingContext().cx), PENDING, "made before notifyWaiters: completes");
  assert.equal(after.poll(new CountingContext().cx), PENDING, "made after: waits");
  after[Symbol.dispose]();
});

const isInvalidArgument = (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";

test("sync: SharedReceiver.from / SharedSender.from refuse a SharedArrayBuffer that is not a channel's", () => {
  // README Errors: "from() of something that is not a channel's buffer" is INVALID_ARGUMENT.
  // Was (found by the README checks): accepted; the first use threw a bare RangeError ("Invalid
  // atomic access index"), or ValueTooLargeError with slotBytes 0 for a sender.
  for (const bytes of [64, 4096]) {
    assert.throws(
      () => SharedReceiver.from({ end: "receiver", buffer: new SharedArrayBuffer(bytes) } as never),
      isInvalidArgument,
    );
    assert.throws(
      () => SharedSender.from({ end: "sender", buffer: new SharedArrayBuffer(bytes) } as never),
      isInvalidArgument,
    );
  }
  // Nor the buffer of a semaphore or a notify of the same size, nor one another's.
  assert.throws(() => SharedNotify.from(new SharedSemaphore(1).handle as never), isInvalidArgument);
  assert.throws(
    () => SharedSemaphore.from({ kind: "semaphore", buffer: new SharedArrayBuffer(16) }),
    isInvalidArgument,
  );
  assert.throws(() => SharedNotify.from({ kind: "notify", buffer: new SharedArrayBuffer(20) }), isInvalidArgument);
});

test("sync: SharedReceiver.from(null) is INVALID_ARGUMENT, not a TypeError", () => {
  // SharedSemaphore.from(null) and SharedNotify.from(42) already say INVALID_ARGUMENT.
  assert.throws(() => SharedReceiver.from(null as never), isInvalidArgument);
  assert.throws(() => SharedSender.from(undefined as never), isInvalidArgument);
});

test("sync + workstealing: a sharedChannel end reaches jobs through workerData (recycled workers too); as a job argument it is refused naming that route", async () => {
  // Decision (lead): the codec does not carry SharedArrayBuffers. A handle passed as a job
  // argument fails with UncloneableValueError naming the path and the route that works; a handle
  // in the runtime's workerData option reaches every worker, also the threads that replace
  // recycled ones (maxJobsPerWorker: 1 makes every job run on a fresh thread).
  const { Runtime } = await import("@spindle/workstealing");
  const [tx, rx] = sharedChannel<number>(64);
  const runtime = await Runtime.start<typeof import("./jobs.ts").default>(new URL("./jobs.ts", import.meta.url), {
    workers: 2,
    maxJobsPerWorker: 1,
    workerData: { tx: tx.handle() },
  });
  try {
    assert.throws(
      () => runtime.spawn("pipeTo", tx.handle() as never, 10),
      (e) => e instanceof UncloneableValueError && e.path === "args[0].buffer" && /workerData/.test(e.message),
    );
    // A recycle costs a worker start (about 8 s for Deno from sources under load, see the
    // recycling check in workstealing.test.ts): 4 jobs, a generous bound.
    const threads = await within(
      "jobs sending through workerData",
      120_000,
      Promise.all(Array.from({ length: 4 }, (_, tag) => runtime.spawn("sendThroughWorkerData", tag, 10))),
    );
    assert.ok(new Set(threads).size >= 3, `a thread started by recycling ran a job (threads: ${threads})`);
    const seen: number[] = [];
    for (let v = rx.tryRecv(); typeof v === "number"; v = rx.tryRecv()) seen.push(v);
    assert.equal(seen.length, 40);
    for (let tag = 0; tag < 4; tag++) {
      assert.deepEqual(
        seen.filter((v) => Math.floor(v / 1_000) === tag),
        Array.from({ length: 10 }, (_, i) => tag * 1_000 + i),
      );
    }
  } finally {
    tx.drop();
    rx.drop();
    await within("shutdown", 30_000, runtime.shutdown({ mode: "cancel" }));
  }
});
