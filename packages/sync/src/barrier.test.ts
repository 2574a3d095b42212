import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor, PENDING } from "@spindle/core";
import { Barrier, type BarrierWaitResult } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("n tasks are released together, exactly one as leader, round after round", async () => {
  const barrier = new Barrier(4);
  const log: string[] = [];
  let leaders = 0;
  function* worker(name: string): Coroutine<void> {
    for (let round = 0; round < 3; round++) {
      log.push(`${name} arrives ${round}`);
      const { isLeader } = yield* barrier.wait();
      if (isLeader) leaders++;
      log.push(`${name} leaves ${round}`);
    }
  }
  const executor = new LocalExecutor();
  for (const name of ["a", "b", "c", "d"]) executor.spawn(worker(name));
  await executor.run();
  assert.equal(leaders, 3);
  for (let round = 0; round < 3; round++) {
    const lastArrival = Math.max(...log.flatMap((l, i) => (l.endsWith(`arrives ${round}`) ? [i] : [])));
    const firstLeave = Math.min(...log.flatMap((l, i) => (l.endsWith(`leaves ${round}`) ? [i] : [])));
    assert.ok(lastArrival < firstLeave, `round ${round}: nobody leaves before everyone arrived`);
  }
});

test("a waiter dropped before the round is released takes its arrival back", () => {
  const barrier = new Barrier(2);
  const [a, b, c] = [new TestTask(), new TestTask(), new TestTask()];
  const dropped = barrier.wait();
  assert.equal(a.poll(dropped), PENDING);
  dropped[Symbol.dispose]();
  assert.equal(a.live, 0);
  const first = barrier.wait();
  assert.equal(b.poll(first), PENDING, "the dropped arrival does not count");
  const second = barrier.wait();
  assert.deepEqual(c.poll(second), { isLeader: true });
  assert.equal(b.wakes, 1);
  assert.deepEqual(b.poll(first) as BarrierWaitResult, { isLeader: false });
});

test("a waiter dropped after its round was released does not disturb the next round", () => {
  const barrier = new Barrier(2);
  const [a, b, c] = [new TestTask(), new TestTask(), new TestTask()];
  const released = barrier.wait();
  assert.equal(a.poll(released), PENDING);
  assert.deepEqual(b.poll(barrier.wait()), { isLeader: true });
  released[Symbol.dispose]();
  const next = barrier.wait();
  assert.equal(c.poll(next), PENDING, "the next round still waits for two");
});
