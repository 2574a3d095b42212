// The shared-memory Condvar on its own: a wait ends by its timeout or a notify with the mutex
// held again, a notify between releasing the mutex and sleeping is not lost, notifications are
// not stored for later waits, and, with producers on two threads and a consumer on a third, every
// item is taken, never two threads inside, and no wake-up lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Worker } from "node:worker_threads";
import { Mutex, SpindleError } from "./mod.ts";
import { request, within, workerPool } from "@spindle/test-support";
import { Condvar } from "./condvar.ts";
import {
  CONDVAR_WORDS,
  type CondvarMessage,
  type CondvarReport,
  ITEMS,
  LOCK,
  SEQ,
} from "./test-support/condvar-worker.ts";

function setup(): { words: Int32Array; mutex: Mutex; condvar: Condvar } {
  const words = new Int32Array(new SharedArrayBuffer(CONDVAR_WORDS * 4));
  return { words, mutex: new Mutex(words, LOCK), condvar: new Condvar(words, SEQ) };
}

test("a wait nobody notifies ends after its timeout, with the mutex held again", () => {
  const { words, mutex, condvar } = setup();
  mutex.lock();
  const start = performance.now();
  assert.equal(condvar.wait(mutex, 20), true);
  const waited = performance.now() - start;
  assert.ok(waited >= 19, `waited ${waited.toFixed(1)} ms of 20`);
  assert.notEqual(words[LOCK], 0, "the mutex is held again");
  mutex.unlock();
  assert.equal(words[LOCK], 0);
});

test("a notify after the mutex is released and before the sleep begins is not lost", () => {
  const { words, condvar } = setup();
  const real = new Mutex(words, LOCK);
  // A mutex whose unlock is followed at once by a notify: the moment a lost wake-up would need.
  const racing = {
    lock: () => real.lock(),
    unlock: () => {
      real.unlock();
      condvar.notifyOne();
    },
  } as unknown as Mutex;
  racing.lock();
  // A lost notify would sleep to the 60 s timeout; half of it is a hang bound no load reaches, not
  // a measure (a notify that is not lost returns at once).
  const start = performance.now();
  condvar.wait(racing, 60_000);
  const waited = performance.now() - start;
  assert.ok(waited < 30_000, `returned after ${waited.toFixed(0)} ms, at the 60 s timeout`);
  real.unlock();
});

test("a notify with nobody waiting is not kept for the next wait", () => {
  const { mutex, condvar } = setup();
  condvar.notifyOne();
  condvar.notifyOne();
  mutex.lock();
  const start = performance.now();
  condvar.wait(mutex, 20);
  assert.ok(performance.now() - start >= 19, "the wait ran to its timeout");
  mutex.unlock();
});

test("wait returns what relock returned (false: the mutex stays released)", () => {
  const { words, mutex, condvar } = setup();
  mutex.lock();
  assert.equal(condvar.wait(mutex, 0, () => false), false);
  assert.equal(words[LOCK], 0, "released, not taken again");
  mutex.lock();
  assert.equal(condvar.wait(mutex, 0, () => mutex.lock()), true);
  assert.notEqual(words[LOCK], 0);
  mutex.unlock();
});

test("a timeout of zero or less, or a fraction of a millisecond, does not sleep long", () => {
  const { mutex, condvar } = setup();
  for (const timeoutMs of [0, -5, 0.25]) {
    mutex.lock();
    const start = performance.now();
    condvar.wait(mutex, timeoutMs);
    const waited = performance.now() - start;
    mutex.unlock();
    // A hang bound, not a measure: a timeout read as "no limit" would never return.
    assert.ok(waited < 10_000, `timeout ${timeoutMs}: waited ${waited.toFixed(1)} ms`);
  }
});

test("wait refuses a non-Mutex, a timeout that is not a number and a relock that is not a function, the mutex still held", () => {
  const { mutex, condvar } = setup();
  mutex.lock();
  for (
    const [args, named] of [
      [[{}, 10], /needs a Mutex, got/],
      [[mutex, NaN], /timeoutMs .*got NaN/],
      [[mutex, "5"], /timeoutMs .*got "5"/],
      [[mutex, 10, 3], /relock must be a function, got 3/],
    ] as const
  ) {
    assert.throws(
      () => (condvar.wait as (...a: unknown[]) => boolean)(...args),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && named.test(e.message),
    );
  }
  assert.equal(condvar.wait(mutex, 1), true, "still held, so a wait releases and takes it again");
  mutex.unlock();
});

// One consumer and two producers on worker threads (the main thread stays free to bound the
// run). Started once for the file and one at a time (each start type-checks the module again
// under deno test).
const THREADS = 3;
const workers = workerPool(new URL("./test-support/condvar-worker.ts", import.meta.url), THREADS);

function run(worker: Worker, message: CondvarMessage): Promise<CondvarReport> {
  return request<CondvarReport>(worker, message);
}

test("two producer threads and a consumer thread: every item taken, never two inside, no wake-up lost", async () => {
  const [consumer, ...producers] = (await workers()) as [Worker, Worker, Worker];
  for (const n of [1_000, 20_000]) {
    const { words } = setup();
    const buffer = words.buffer as SharedArrayBuffer;
    // The consumer's waits are long: one that runs its whole course with nothing to take missed
    // a notify (a correct condvar ends every such wait by the producers' next notify).
    const consumed = run(consumer, { role: "consumer", buffer, total: 2 * n, waitMs: 5_000 });
    const produced = producers.map((producer) => run(producer, { role: "producer", buffer, n }));
    const [taken, ...made] = await within(Promise.all([consumed, ...produced]), 60_000, `n = ${n}: the three threads`);
    assert.equal(taken!.items, 2 * n, "every item taken");
    assert.equal(words[ITEMS], 0, "none left");
    assert.deepEqual([taken!, ...made].map((r) => r.overlaps), [0, 0, 0], "never two threads inside");
    assert.equal(taken!.timedOut, 0, "no wait missed a notify");
  }
});
