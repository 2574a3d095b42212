// A thread that dies (process.exit, an uncaught error, terminate()) while it holds something in a
// shared primitive: after recoverDeadThread(its id), what it held is given back or undone, the
// waiters settle within a bound, and nothing else is lost or delivered twice.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Coroutine,
  type DeadThreadRecovery,
  type Future,
  LocalExecutor,
  recoverDeadThread,
  STREAM_END,
} from "@spindle/core";
import { runtime, startWorker, until, within } from "@spindle/test-support";
import { Runtime } from "@spindle/workstealing";
import { SendError, sharedChannel, SharedNotify, type SharedReceiver, SharedSemaphore } from "./mod.ts";
import type { Death, DyingData } from "./test-support/dying-worker.ts";
import type dyingJobs from "./test-support/dying-jobs.ts";

/** The bound on each waiter after the death (a loaded 2-vCPU machine; Deno type-checks each worker). */
const SETTLE_MS = 10_000;
/** The bound on a worker's start and death. */
const LIMIT_MS = 120_000;
const DYING = new URL("./test-support/dying-worker.ts", import.meta.url);
const DEATHS: readonly Death[] = ["exit", "throw", "terminate"];

/**
 * Starts the dying worker and resolves once it died, with what `recoverDeadThread` recovered: it
 * runs in the worker's `exit` listener, with the id read at start (Node sets `threadId` to -1 on
 * exit), as the README tells users who run their own workers. A worker to be terminated is
 * terminated once it said it holds what it holds. `onHolding` runs then (before the death).
 */
async function dieAndRecover(data: DyingData, onHolding?: () => void): Promise<DeadThreadRecovery[]> {
  const worker = startWorker(DYING, data);
  const id = worker.threadId;
  let recovered: DeadThreadRecovery[] | undefined;
  const exited = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      recovered = recoverDeadThread(id);
      resolve();
    })
  );
  worker.on("error", () => {}); // the injected uncaught error: expected
  if (data.death === "terminate") {
    await within(new Promise((resolve) => worker.once("message", resolve)), LIMIT_MS, "the worker's report");
    onHolding?.();
    await worker.terminate();
  }
  await within(exited, LIMIT_MS, "the worker's death");
  return recovered!;
}

/**
 * Runs `future` on an executor of this thread; resolves with its outcome, or rejects after
 * `limitMs` (SETTLE_MS: for a waiter started once the worker is up). A waiter started before the
 * worker is, to be waiting when it dies, passes `BEFORE_START_MS`: its bound also covers the
 * worker's start and death (a Deno worker took 4-12 s to start under load, past SETTLE_MS).
 */
function settle<T>(future: Future<T> | Coroutine<T>, what: string, limitMs = SETTLE_MS): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(future);
  return within(executor.run().then(() => handle), limitMs, what);
}

/** The bound of a waiter started before its worker: the worker's start and death, then SETTLE_MS. */
const BEFORE_START_MS = LIMIT_MS + SETTLE_MS;

function* drain<T>(rx: SharedReceiver<T>): Coroutine<T[]> {
  const got: T[] = [];
  for (let v; (v = yield* rx.recv()) !== STREAM_END;) got.push(v);
  return got;
}

for (const death of DEATHS) {
  test(`SharedSemaphore: the permits of a worker that died (${death}) come back, and a waiter gets them`, async () => {
    const semaphore = new SharedSemaphore(3);
    let waiter: Promise<number> | undefined;
    const recovered = await dieAndRecover({ op: "permits", death, semaphore: semaphore.handle, permits: 2 }, () => {
      // Pending here while the worker holds 2 of the 3 permits: only the recovery can complete it.
      assert.equal(semaphore.availablePermits, 1);
      waiter = settle(semaphore.acquire(3), "the waiter for all 3 permits").then((p) => {
        const n = p.permits;
        p.release();
        return n;
      });
    });
    assert.deepEqual(recovered.map((r) => r.counts), [{ permits: 2 }]);
    assert.equal(recovered[0]!.what, "SharedSemaphore");
    if (waiter !== undefined) assert.equal(await waiter, 3);
    assert.equal(semaphore.availablePermits, 3, "every permit conserved");
    assert.equal(semaphore.recover(recovered[0]!.threadId), 0, "a second recovery gives nothing");
  });

  test(`sharedChannel: a sender that died (${death}) is dropped, so a receiver waiting here drains and ends`, async () => {
    const [tx, rx] = sharedChannel<number>(4);
    const handle = tx.handle();
    tx.drop(); // the worker's sender is the only one
    const drained = settle(drain(rx), "the receiver to see the channel end", BEFORE_START_MS);
    const recovered = await dieAndRecover({ op: "sender", death, tx: handle, values: [1, 2] });
    assert.deepEqual(recovered.map((r) => r.counts), [
      { senders: 1, receivers: 0, skippedSlots: 0, lostValues: 0, undelivered: 0 },
    ]);
    assert.deepEqual(await drained, [1, 2], "each value once, in order");
    assert.equal(rx.senderCount, 0);
  });

  test(`sharedChannel: a receiver that died (${death}) is dropped, so a send waiting here fails with SendError`, async () => {
    const [tx, rx] = sharedChannel<number>(1);
    const handle = rx.handle();
    rx.drop();
    assert.equal(tx.trySend(1), true); // the channel is full now
    let sending: Promise<unknown> | undefined;
    const recovered = await dieAndRecover({ op: "receiver", death, rx: handle }, () => {
      sending = settle(tx.send(2), "the pending send to fail").then(() => "sent", (e: unknown) => e);
    });
    sending ??= settle(tx.send(2), "the send to fail").then(() => "sent", (e: unknown) => e);
    const failure = await sending;
    assert.ok(failure instanceof SendError && failure.value === 2, String(failure));
    // The value sent before the death is left with nobody to receive it: reported.
    assert.deepEqual(recovered.map((r) => r.counts), [
      { senders: 0, receivers: 1, skippedSlots: 0, lostValues: 0, undelivered: 1 },
    ]);
  });

  test(`sharedChannel: a sender that died (${death}) between claiming a slot and publishing it: the slot is skipped`, async () => {
    // Strings of over 96 bytes: the ring copies them into the slot with `set`, where the worker dies.
    const long = (n: number) => `${n}`.repeat(100);
    const [tx, rx] = sharedChannel<string>(4);
    const drained = settle(drain(rx), "the receiver to pass the dead sender's slot", BEFORE_START_MS);
    const recovered = await dieAndRecover({ op: "mid-write", death, tx: tx.handle(), values: [long(1), long(2)] });
    assert.deepEqual(recovered.map((r) => r.counts), [
      { senders: 1, receivers: 0, skippedSlots: 1, lostValues: 0, undelivered: 0 },
    ]);
    assert.equal(tx.trySend(long(3)), true);
    tx.drop();
    // 2 was never sent (its sender died writing it); 1 and 3 arrive once each.
    assert.deepEqual(await drained, [long(1), long(3)]);
  });

  test(`sharedChannel: a sender that died (${death}) inside close(), after the closed mark: the recovery ends the receives`, async () => {
    const [tx, rx] = sharedChannel<number>(4);
    assert.equal(tx.trySend(1), true);
    // This sender stays live, so dropping the dead one closes nothing: only the recovery can tell
    // the waiting receiver that the channel was closed.
    const drained = settle(drain(rx), "the receiver to see the end", BEFORE_START_MS);
    const recovered = await dieAndRecover({ op: "mid-close", death, tx: tx.handle() });
    assert.deepEqual(recovered.map((r) => r.counts), [
      { senders: 1, receivers: 0, skippedSlots: 0, lostValues: 0, undelivered: 0 },
    ]);
    assert.deepEqual(await drained, [1]);
    assert.equal(tx.isClosed, true);
    tx.drop();
  });

  test(`sharedChannel: a receiver that died (${death}) between claiming a slot and freeing it: the slot is freed, the value counted lost`, async () => {
    // Objects: the decoder reads them through a `subarray` of the slot, where the worker dies.
    const [tx, rx] = sharedChannel<unknown>(2);
    assert.equal(tx.trySend({ v: 1 }), true);
    assert.equal(tx.trySend({ v: 2 }), true);
    const recovered = await dieAndRecover({ op: "mid-read", death, rx: rx.handle() });
    // A throw unwinds through the receive, which frees the slot on its way out (as it does for a
    // value that fails to decode): the value left with the error, and only the end is left held.
    const lostValues = death === "throw" ? 0 : 1;
    assert.deepEqual(recovered.map((r) => r.counts), [
      { senders: 0, receivers: 1, skippedSlots: 0, lostValues, undelivered: 0 },
    ]);
    assert.deepEqual(rx.tryRecv(), { v: 2 });
    // Both slots are free again (without the recovery the dead receiver's slot stays full for good).
    assert.equal(tx.trySend(3), true);
    assert.equal(tx.trySend(4), true);
    assert.deepEqual([rx.tryRecv(), rx.tryRecv()], [3, 4]);
  });
}

test("SharedNotify: a waiter terminated while blocked takes nothing with it; the permit reaches the next waiter", async () => {
  // Not a fault before or after: a dead waiter only leaves the counter's waiting flag set, which
  // costs the next notifier an Atomics.notify call; notifyOne's permit is taken by a live waiter's CAS.
  const notify = new SharedNotify();
  const recovered = await dieAndRecover({ op: "notified", death: "terminate", notify: notify.handle });
  assert.deepEqual(recovered, []);
  const waiting = settle(notify.notified(), "the next waiter");
  if (runtime === "deno") {
    // Deno 2.9.6: a worker terminated while blocked in Atomics.wait goes on running once woken,
    // after its exit event (measured: it stored and ran a CAS after exit in 20 of 20 runs; Node and
    // Bun in 0 of 20), so it may take notifyOne's permit. notifyWaiters stores no permit to take:
    // it reaches the live waiter whatever the ghost does (README, When a thread dies).
    notify.notifyWaiters();
    await waiting;
    return;
  }
  notify.notifyOne();
  await waiting;
  assert.equal(notify.notifiedBlocking(0), false, "one notifyOne, taken once");
});

test("work-stealing runtime: a worker that dies holding a permit and a sender is recovered when it exits", async () => {
  const semaphore = new SharedSemaphore(2);
  const [tx, rx] = sharedChannel<number>(4);
  const runtime = await Runtime.start<typeof dyingJobs>(new URL("./test-support/dying-jobs.ts", import.meta.url), {
    workers: 1,
    workerData: { semaphore: semaphore.handle, tx: tx.handle() },
  });
  try {
    await assert.rejects(within(Promise.resolve(runtime.spawn("holdAndExit", 7)), LIMIT_MS, "the job's loss"));
    await until(() => semaphore.availablePermits === 2, "the dead worker's permit to come back", SETTLE_MS);
    assert.equal(rx.tryRecv(), 7, "the value it sent before dying arrives once");
    await until(() => rx.senderCount === 1, "the dead worker's sender to be dropped", SETTLE_MS);
  } finally {
    await runtime.shutdown();
    tx.drop();
    rx.drop();
  }
});

test(`${runtime}: a Web Worker that dies holding a permit: recovered on Bun; on Deno it has no thread id and nothing is recorded`, async () => {
  const WebWorker = (globalThis as { Worker?: new (url: URL, options: { type: "module" }) => WebWorkerLike }).Worker;
  if (runtime === "node") {
    // Node has no Web Worker (node:worker_threads only, measured on Node 22 and 24): nothing to test.
    assert.equal(WebWorker, undefined);
    return;
  }
  const semaphore = new SharedSemaphore(2);
  const worker = new WebWorker!(new URL("./test-support/web-worker-holder.ts", import.meta.url), { type: "module" });
  const id = worker.threadId;
  const reply = new Promise<{ threadId: number; permits: number }>((
    resolve,
  ) => (worker.onmessage = (e) => resolve(e.data)));
  worker.postMessage(semaphore.handle);
  const said = await within(reply, LIMIT_MS, "the Web Worker's reply");
  assert.equal(said.permits, 1);
  // Bun reports a Web Worker's end with a "close" event (its "exit" is node:worker_threads').
  const closed = new Promise<void>((resolve) => worker.addEventListener("close", () => resolve()));
  worker.terminate();
  if (runtime === "deno") {
    // Deno's node:worker_threads reports the main thread's 0 inside a Web Worker and its Worker
    // object has no threadId (measured, Deno 2.9): core gives it no id (-1), so its permit was not
    // recorded and cannot be recovered (the README's support notes say so).
    assert.equal(said.threadId, -1);
    assert.equal(id, undefined);
    assert.equal(semaphore.availablePermits, 1);
  } else {
    // Bun numbers Web Workers as node:worker_threads does, on both sides.
    assert.equal(said.threadId, id);
    await within(closed, SETTLE_MS, "the Web Worker's close event");
    assert.equal(semaphore.recover(id!), 1);
    assert.equal(semaphore.availablePermits, 2);
  }
});

interface WebWorkerLike {
  readonly threadId?: number;
  onmessage: ((event: { data: { threadId: number; permits: number } }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: "close", listener: () => void): void;
}

test("sharedChannel: SharedSender.closed() completes once the last receiver, held by a thread that died, is recovered", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  const handle = rx.handle();
  rx.drop(); // the worker's end is the only receiver left
  const closed = settle(tx.closed(), "closed() to complete after the recovery", BEFORE_START_MS);
  await dieAndRecover({ op: "receiver", death: "exit", rx: handle });
  assert.equal(await closed, undefined);
  assert.equal(tx.isClosed, true);
});
