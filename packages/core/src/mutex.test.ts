// The shared-memory Mutex on its own: its word's three states, mutual exclusion and no lost
// wake-up across threads, a contended unlock that wakes the waiter, and giving up a lock whose
// holder is gone only when `abandoned()` says so, after a timed-out wait.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Worker } from "node:worker_threads";
import { nextMessage, request, within, workerPool } from "@spindle/test-support";
import { SpindleError } from "./mod.ts";
import { Mutex } from "./mod.ts";
import { COUNTER, type CountResult, LOCK, MUTEX_WORDS, type MutexMessage } from "./test-support/mutex-worker.ts";

const words = (): Int32Array => new Int32Array(new SharedArrayBuffer(MUTEX_WORDS * 4));

test("an uncontended lock takes the word from 0 to 1 and unlock puts it back", () => {
  const shared = words();
  const mutex = new Mutex(shared, LOCK);
  for (let i = 0; i < 3; i++) {
    assert.equal(mutex.lock(), true);
    assert.equal(shared[LOCK], 1, "locked, nobody waiting");
    mutex.unlock();
    assert.equal(shared[LOCK], 0, "unlocked");
  }
});

test("two Mutex objects over the same word are one lock", () => {
  const shared = words();
  const a = new Mutex(shared, LOCK);
  const b = new Mutex(shared, LOCK);
  a.lock();
  const start = performance.now();
  assert.equal(b.lock(() => true, 5), false, "b cannot take what a holds");
  assert.ok(performance.now() - start >= 4, "it waited for the check interval first");
  a.unlock();
  assert.equal(shared[LOCK], 0, "a's unlock released the contended word");
  assert.equal(b.lock(), true);
  b.unlock();
});

test("a lock whose holder is gone is given up only after a timed-out wait and only when abandoned() says so", () => {
  const shared = words();
  Atomics.store(shared, LOCK, 1); // held by a thread that will never unlock
  const mutex = new Mutex(shared, LOCK);
  let asked = 0;
  const start = performance.now();
  assert.equal(mutex.lock(() => ++asked === 3, 10), false);
  const waited = performance.now() - start;
  assert.equal(asked, 3, "asked once per timed-out wait");
  assert.ok(waited >= 3 * 10 - 3, `waited ${waited.toFixed(1)} ms: three checks of 10 ms`);
  assert.notEqual(shared[LOCK], 0, "still not ours, not released");
});

test("mutexes in different words of one buffer are independent locks", () => {
  const shared = new Int32Array(new SharedArrayBuffer(16));
  const first = new Mutex(shared, 1);
  const second = new Mutex(shared, 3);
  first.lock();
  assert.equal(second.lock(), true, "a lock in another word is another lock");
  assert.deepEqual([...shared], [0, 1, 0, 1]);
  first.unlock();
  second.unlock();
  assert.deepEqual([...shared], [0, 0, 0, 0]);
});

// Workers started once for the file and one at a time (each start type-checks the module
// again under deno test).
const THREADS = 3;
const workers = workerPool(new URL("./test-support/mutex-worker.ts", import.meta.url), THREADS);

function send(worker: Worker, message: MutexMessage): void {
  worker.postMessage(message);
}

test("a contended unlock wakes the thread waiting for the lock, which then holds it", async () => {
  const [worker] = (await workers()) as [Worker];
  const shared = words();
  const held = nextMessage(worker);
  send(worker, { kind: "hold", buffer: shared.buffer as SharedArrayBuffer, ms: 50 });
  assert.equal(await held, "held");
  const released = nextMessage(worker);
  const mutex = new Mutex(shared, LOCK);
  let asked = 0;
  // A check far longer than the hold: only the holder's notify ends the wait before it is asked.
  assert.equal(mutex.lock(() => ++asked > 0, 10_000), true);
  assert.equal(asked, 0, "woken by the unlock, not by a timed-out wait");
  assert.ok(shared[LOCK] === 1 || shared[LOCK] === 2, "held by this thread");
  mutex.unlock();
  assert.equal(shared[LOCK], 0);
  assert.equal(await within(released, 5_000, "the worker's release"), "released");
});

test("three threads taking the lock 50,000 times each: never two inside, no update lost, no wake-up lost", async () => {
  const pool = await workers();
  const n = 50_000;
  const shared = words();
  const buffer = shared.buffer as SharedArrayBuffer;
  const deadline = Date.now() + 20_000;
  // Only workers take part: the main thread stays free to enforce the time bound below, even if
  // a broken mutex left the workers spinning.
  const results = pool.map((worker) =>
    request<CountResult>(worker, { kind: "count", buffer, n, threads: THREADS, deadline } satisfies MutexMessage)
  );
  const all = await within(Promise.all(results), 40_000, "the workers' counts");
  assert.deepEqual(all.map((r) => r.completed), Array(THREADS).fill(n), "every thread got the lock n times");
  assert.deepEqual(all.map((r) => r.overlaps), Array(THREADS).fill(0), "never two threads inside");
  assert.deepEqual(
    all.map((r) => r.timedOut),
    Array(THREADS).fill(0),
    "every wait was ended by an unlock, none by its timeout",
  );
  assert.equal(shared[COUNTER], THREADS * n, "no update lost");
  assert.equal(shared[LOCK], 0, "unlocked at the end");
});

test("lock refuses an abandoned that is not a function and a checkMs that is not a number > 0, held or not", () => {
  // A NaN wait never times out: abandoned() would never be asked about a dead holder.
  const shared = words();
  const holder = new Mutex(shared, LOCK);
  const other = new Mutex(shared, LOCK);
  for (const held of [false, true]) {
    if (held) holder.lock();
    for (
      const [abandoned, checkMs, named] of [
        [5, 10, /abandoned must be a function, got 5/],
        [() => true, NaN, /checkMs .*got NaN/],
        [
          () => true,
          0,
          /got 0/,
        ],
        [() => true, "10", /got "10"/],
      ] as const
    ) {
      assert.throws(
        () => other.lock(abandoned as never, checkMs as never),
        (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && named.test(e.message),
      );
    }
  }
  holder.unlock();
  assert.equal(shared[LOCK], 0, "a refused call took nothing");
  assert.equal(other.lock(() => true, Infinity), true);
  other.unlock();
});
