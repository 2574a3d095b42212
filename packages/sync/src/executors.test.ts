// The primitives on each kind of executor: blockOn, LocalExecutor, and inside work-stealing jobs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, join, LocalExecutor, next, STREAM_END } from "@spindle/core";
import { Runtime } from "@spindle/workstealing";
import { mpsc, type Receiver, type Sender } from "./mod.ts";
import type jobs from "./test-support/sync-jobs.ts";

function* produce(tx: Sender<number>, count: number): Coroutine<void> {
  for (let i = 1; i <= count; i++) yield* tx.send(i);
  tx.drop();
}

function* consume(rx: Receiver<number>): Coroutine<number> {
  let sum = 0;
  for (let n; (n = yield* next(rx)) !== STREAM_END;) sum += n;
  return sum;
}

test("a bounded channel between two coroutines joined under blockOn", () => {
  const [tx, rx] = mpsc.bounded<number>(2);
  const [, sum] = blockOn(join(produce(tx, 1000), consume(rx)));
  assert.equal(sum, 500_500);
});

test("a bounded channel between two tasks of a LocalExecutor", async () => {
  const [tx, rx] = mpsc.bounded<number>(3);
  const executor = new LocalExecutor();
  executor.spawn(produce(tx, 1000));
  const sum = executor.spawn(consume(rx));
  await executor.run();
  assert.equal(await sum, 500_500);
});

test("channels, Mutex and Semaphore inside work-stealing jobs", async () => {
  const runtime = await Runtime.start<typeof jobs>(new URL("./test-support/sync-jobs.ts", import.meta.url), {
    workers: 2,
  });
  try {
    const [sum, count] = await Promise.all([runtime.spawn("channelSum", 1000), runtime.spawn("lockedCount", 8, 25)]);
    assert.equal(sum, 500_500);
    assert.equal(count, 200);
  } finally {
    await runtime.shutdown();
  }
});
