// Port of rayon-core's src/spawn/test.rs (rayon-rs/rayon c4dac9f82ee03f61e855075b668229a9e4d759ad)
// onto @spindle/workstealing, written from its README. Rayon's `spawn(op)` (fire and forget) is
// `jobs.spawn(...).detach()` inside a job, `runtime.spawn(...).detach()` outside; rayon's channel
// is a control word the job sets (rayon/jobs.ts `setWord`) and the test waits for. Dropping the
// pool is a draining `shutdown()`.
//
// Not portable:
// - panic_fwd, custom_panic_handler_and_spawn, custom_panic_handler_and_nested_spawn: there is no
//   panic handler. A detached job's error goes nowhere (rayon without a handler aborts the
//   process); keep the handle and join it to see the error.
// - fifo_order, lifo_fifo_order, fifo_lifo_order, mixed_lifo_fifo_order, mixed_fifo_lifo_order:
//   there is no `spawn_fifo` (a job's children go to its slot and deque, newest first).
import assert from "node:assert/strict";
import { test } from "node:test";
import { logged, ONE_THREAD, withPool } from "./rayon/support.ts";
import { until, within, wordReaches } from "./piscina/support.ts";

test("spawn_then_join_in_worker", async () => {
  await withPool({ workers: 2 }, async (runtime, { words }) => {
    await runtime.spawn("scopeThenSpawn", 0);
    await wordReaches(words, 0, 22, "the spawned job's send");
    assert.equal(Atomics.load(words, 0), 22);
  });
});

test("spawn_then_join_outside_worker", async () => {
  await withPool({ workers: 2 }, async (runtime, { words }) => {
    runtime.spawn("setWord", 0, 22).detach();
    await wordReaches(words, 0, 22, "the spawned job's send");
    assert.equal(Atomics.load(words, 0), 22);
  });
});

test("termination_while_things_are_executing", async () => {
  // The pool is dropped (a draining shutdown begins) while a job still runs; that job then spawns
  // one more, which must still run before the shutdown ends.
  await withPool({ workers: 2 }, async (runtime, { words }) => {
    runtime.spawn("waitThenSpawn", 0).detach();
    const stopped = runtime.shutdown();
    Atomics.store(words, 0, 22); // rayon's tx0.send(22)
    await within("draining shutdown", 60_000, stopped);
    assert.equal(Atomics.load(words, 1), 22, "the job spawned during the shutdown ran");
  });
});

const reversed = (n: number): number[] => Array.from({ length: n }, (_, i) => n - 1 - i);

test("lifo_order", async () => {
  // In the absence of stealing, jobs spawned on a worker run newest first.
  await withPool(ONE_THREAD, async (runtime, { log }) => {
    await runtime.spawn("spawnOfSpawnPushes");
    await until("100 pushes", () => Atomics.load(log, 0) >= 100);
    assert.deepEqual(logged(log), reversed(100));
  });
});
