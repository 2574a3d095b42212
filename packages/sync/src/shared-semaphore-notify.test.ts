import assert from "node:assert/strict";
import { test } from "node:test";
import type { Worker } from "node:worker_threads";
import { type Coroutine, drop, type Future, LocalExecutor, select, SpindleError, yieldNow } from "@spindle/core";
import { nextMessage, startWorker, within } from "@spindle/test-support";
import { ClosedError, SharedNotify, SharedSemaphore } from "./mod.ts";
import type { PeerData } from "./test-support/shared-channel-peer.ts";

/** A hang bound for a loaded 2-vCPU machine (Deno type-checks each worker as it starts). */
const LIMIT_MS = 120_000;
const PEER = new URL("./test-support/shared-channel-peer.ts", import.meta.url);
const peer = (data: PeerData) => startWorker(PEER, data);

async function run<T>(future: Future<T> | Coroutine<T>, what: string): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(future);
  await within(executor.run(), LIMIT_MS, what);
  return await handle;
}

test("SharedSemaphore: 4 threads and this one never hold more than its permits, and every permit comes back", async () => {
  const semaphore = new SharedSemaphore(2);
  const inside = new Int32Array(new SharedArrayBuffer(8));
  const workers = [0, 1, 2, 3].map(() => peer({ op: "semaphore", semaphore: semaphore.handle, inside, rounds: 400 }));
  try {
    const done = workers.map((w) => nextMessage<string>(w));
    function* here(): Coroutine<number> {
      let dropped = 0;
      for (let i = 0; i < 200; i++) {
        const first = yield* select(semaphore.acquire(), yieldNow());
        if (first.index === 1) {
          drop(first.rest); // dropped while pending: must take nothing
          dropped++;
          continue;
        }
        const now = Atomics.add(inside, 0, 1) + 1;
        for (let seen = Atomics.load(inside, 1); now > seen; seen = Atomics.load(inside, 1)) {
          if (Atomics.compareExchange(inside, 1, seen, now) === seen) break;
        }
        yield* yieldNow();
        Atomics.sub(inside, 0, 1);
        first.value.release();
      }
      return dropped;
    }
    await run(here(), "this thread's acquires");
    assert.deepEqual(await within(Promise.all(done), LIMIT_MS, "the workers' acquires"), [
      "done",
      "done",
      "done",
      "done",
    ]);
    assert.ok(Atomics.load(inside, 1) <= 2, `at most 2 holders at once, saw ${Atomics.load(inside, 1)}`);
    assert.equal(semaphore.availablePermits, 2, "every permit given back");
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
});

test("SharedSemaphore: tryAcquire, addPermits, close failing pending and later acquires", async () => {
  const semaphore = new SharedSemaphore(1);
  const permit = semaphore.tryAcquire()!;
  assert.equal(semaphore.tryAcquire(), null);
  assert.equal(semaphore.acquireBlocking(1, 10), null, "times out");
  semaphore.addPermits(2);
  assert.equal(semaphore.tryAcquire(2)?.permits, 2);
  const pending = run(semaphore.acquire(3), "acquire failed by close");
  setTimeout(() => SharedSemaphore.from(structuredClone(semaphore.handle)).close(), 20);
  await assert.rejects(pending, (e) => e instanceof ClosedError && e.what === "semaphore");
  assert.throws(() => semaphore.tryAcquire(), ClosedError);
  assert.equal(semaphore.isClosed, true);
  permit.release(); // after close: ignored, no error
});

test("SharedSemaphore and SharedNotify refuse bad permits and buffers naming the value", () => {
  for (const bad of [-1, 1.5, NaN, 2 ** 31]) {
    assert.throws(
      () => new SharedSemaphore(bad),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(String(bad)),
    );
  }
  const semaphore = new SharedSemaphore(2 ** 31 - 1);
  assert.throws(() => semaphore.addPermits(1), /more than 2147483647/);
  assert.throws(() => semaphore.tryAcquire(-2), /got -2/);
  assert.throws(
    () => SharedSemaphore.from({ kind: "semaphore", buffer: new SharedArrayBuffer(4) }),
    /not a shared semaphore's buffer/,
  );
  assert.throws(
    () => SharedNotify.from({ kind: "notify", buffer: new SharedArrayBuffer(4) }),
    /not a shared notify's buffer/,
  );
});

test("SharedNotify: notifyOne keeps one permit; a dropped waiter passes it on; notifyWaiters completes only earlier waiters", async () => {
  const notify = new SharedNotify();
  notify.notifyOne();
  notify.notifyOne(); // at most one permit
  await run(notify.notified(), "stored permit");
  assert.equal(notify.notifiedBlocking(0), false);

  function* droppedThenNext(): Coroutine<void> {
    const first = yield* select(notify.notified(), yieldNow());
    assert.equal(first.index, 1);
    notify.notifyOne(); // given while the first waiter is still registered
    drop(first.rest); // ...which is dropped before it ran
  }
  await run(droppedThenNext(), "dropped waiter");
  assert.equal(notify.notifiedBlocking(0), true, "the permit passed on");

  const early = notify.notified();
  notify.notifyWaiters();
  const late = notify.notified();
  await run(early, "earlier waiter");
  function* lateStillWaits(): Coroutine<number> {
    const first = yield* select(late, yieldNow());
    if (first.index === 1) drop(first.rest);
    return first.index;
  }
  assert.equal(await run(lateStillWaits(), "later waiter"), 1, "a waiter made after notifyWaiters still waits");
});

test("SharedNotify across threads: a worker blocked in notifiedBlocking and a future here are each woken by the other thread", async () => {
  const notify = new SharedNotify();
  const blocked = peer({ op: "notify-wait", notify: notify.handle });
  let later: Worker | undefined;
  try {
    const woke = nextMessage<string>(blocked);
    // The worker may not be waiting yet (it starts slowly): notifyWaiters until it reports.
    const again = setInterval(() => notify.notifyWaiters(), 20);
    try {
      assert.equal(await within(woke, LIMIT_MS, "the blocked worker"), "notified");
    } finally {
      clearInterval(again);
    }
    later = peer({ op: "notify-later", notify: notify.handle, delayMs: 50 });
    await run(notify.notified(), "a future woken by a worker's notifyOne");
  } finally {
    await Promise.all([blocked.terminate(), later?.terminate()]);
  }
});
