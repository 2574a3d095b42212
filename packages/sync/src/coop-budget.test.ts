// Every wait that is ready at once takes a unit of core's cooperative budget (as tokio's channels
// and locks do), so a task looping over an always-ready channel or an uncontended lock returns to
// its executor every 128 operations: other tasks and the host get their turns.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor, next, yieldNow } from "@spindle/core";
import { Barrier, broadcast, mpsc, Mutex, Notify, RwLock, Semaphore, watch } from "./mod.ts";

const OPERATIONS = 2_000;

/**
 * Runs `loop` (OPERATIONS always-ready waits) beside a task spawned after it, and returns how many
 * times that task ran before the loop finished: 0 if the loop never returned to the executor.
 */
async function othersRanDuring(loop: () => Coroutine<void>): Promise<number> {
  let otherRuns = 0;
  let finished = false;
  let seen = -1;
  function* other(): Coroutine<void> {
    while (!finished) {
      otherRuns++;
      yield* yieldNow();
    }
  }
  const executor = new LocalExecutor();
  const looping = executor.spawn(function* (): Coroutine<void> {
    try {
      yield* loop();
      seen = otherRuns;
    } finally {
      finished = true; // also when the loop throws: the other task stops, and the error fails the test
    }
  }());
  executor.spawn(other());
  await executor.run();
  await looping;
  return seen;
}

const cases: [string, () => Coroutine<void>][] = [
  ["mpsc receive", function* () {
    const [tx, rx] = mpsc.unbounded<number>();
    for (let i = 0; i < OPERATIONS; i++) tx.send(i);
    tx.drop();
    for (let i = 0; i < OPERATIONS; i++) yield* next(rx);
  }],
  ["bounded send", function* () {
    const [tx, rx] = mpsc.bounded<number>(OPERATIONS); // rx held: a collected receiver closes the channel
    for (let i = 0; i < OPERATIONS; i++) yield* tx.send(i);
    rx[Symbol.dispose]();
  }],
  ["broadcast receive", function* () {
    const [tx, rx] = broadcast<number>(OPERATIONS);
    for (let i = 0; i < OPERATIONS; i++) tx.send(i);
    for (let i = 0; i < OPERATIONS; i++) yield* next(rx);
  }],
  ["watch changed", function* () {
    const [tx, rx] = watch(0);
    for (let i = 0; i < OPERATIONS; i++) {
      tx.send(i);
      yield* rx.changed();
    }
  }],
  ["Mutex.lock", function* () {
    const mutex = new Mutex(0);
    for (let i = 0; i < OPERATIONS; i++) (yield* mutex.lock()).release();
  }],
  ["RwLock.read", function* () {
    const lock = new RwLock(0);
    for (let i = 0; i < OPERATIONS; i++) (yield* lock.read()).release();
  }],
  ["Semaphore.acquire", function* () {
    const semaphore = new Semaphore(1);
    for (let i = 0; i < OPERATIONS; i++) (yield* semaphore.acquire()).release();
  }],
  ["Notify.notified with a permit", function* () {
    const notify = new Notify();
    for (let i = 0; i < OPERATIONS; i++) {
      notify.notifyOne();
      yield* notify.notified();
    }
  }],
  ["Barrier(1).wait", function* () {
    const barrier = new Barrier(1);
    for (let i = 0; i < OPERATIONS; i++) yield* barrier.wait();
  }],
];

for (const [name, loop] of cases) {
  test(`${name}: a loop of always-ready waits lets other tasks run (cooperative budget)`, async () => {
    const runs = await othersRanDuring(loop);
    assert.ok(runs >= OPERATIONS / 128 / 2, `the other task ran ${runs} times during ${OPERATIONS} waits`);
  });
}
