// Piscina's thread-count tests and tinypool's isolation, workerId and move tests, ported onto the
// runtime's `workers` / `minWorkers` (piscina's maxThreads / minThreads), `maxJobsPerWorker: 1`
// (tinypool's isolateWorkers) and `move()`. PEER-TESTS.md maps them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { until, withRuntime } from "@spindle/test-support";
import { move, Runtime, SharedBuffer } from "./mod.ts";
import { startTestRuntime, TEST_JOBS } from "./test-support/runtime.ts";

function openGates(counters: Int32Array, indexes: readonly number[]): void {
  for (const index of indexes) {
    Atomics.store(counters, index, 2);
    Atomics.notify(counters, index);
  }
}

test("a runtime starts minWorkers workers and grows to workers under load, never beyond (piscina: will start with minThreads and max out at maxThreads)", async () => {
  await withRuntime(
    startTestRuntime({ workers: 3, minWorkers: 1, maxExtraMachines: 0 }),
    async ({ runtime, counters }) => {
      assert.equal(runtime.machines, 1);
      const gates = [0, 1, 2].map((i) => runtime.spawn("gate", i));
      await until(
        () => [0, 1, 2].every((i) => Atomics.load(counters, i) === 1),
        "three gates to hold three workers",
        30_000,
      );
      assert.equal(runtime.machines, 3);
      const fourth = runtime.spawn("gate", 3);
      await new Promise((resolve) => setTimeout(resolve, 50)); // two monitor ticks: room to start a 4th, which must not happen
      assert.equal(runtime.machines, 3, "no fourth worker");
      assert.equal(Atomics.load(counters, 3), 0, "the fourth job waits for a worker");
      openGates(counters, [0, 1, 2]);
      await Promise.all(gates);
      await until(() => Atomics.load(counters, 3) === 1, "the fourth job to start once a worker is free");
      openGates(counters, [3]);
      await fourth;
    },
  );
});

test("workers alone fixes the pool; minWorkers above workers is refused (piscina: low maxThreads sets minThreads, conflicting min/max threads is error)", async () => {
  await withRuntime(startTestRuntime({ workers: 1 }), ({ runtime }) => {
    assert.equal(runtime.machines, 1);
  });
  for (const minWorkers of [3, 0]) {
    await assert.rejects(
      Runtime.start(TEST_JOBS, { workers: 2, minWorkers }),
      (error: unknown) =>
        error instanceof SpindleError && error.code === "INVALID_ARGUMENT" &&
        error.message.includes(String(minWorkers)),
    );
  }
});

test("jobs run on at most `workers` distinct threads (tinypool: workerId should never be more than maxThreads)", async () => {
  await withRuntime(startTestRuntime({ workers: 2, maxExtraMachines: 0 }), async ({ runtime }) => {
    const threads = new Set(await Promise.all(Array.from({ length: 100 }, () => runtime.spawn("whoami"))));
    assert.ok(threads.size >= 1 && threads.size <= 2, `${threads.size} threads`);
  });
});

test("maxJobsPerWorker: 1 runs each job on a fresh thread, each once (tinypool: isolateWorkers, idle and running workers recycled)", async () => {
  await withRuntime(startTestRuntime({ workers: 1, maxJobsPerWorker: 1, maxExtraMachines: 0 }), async ({ runtime }) => {
    const threads: number[] = [];
    for (let i = 0; i < 3; i++) threads.push(await runtime.spawn("whoami"));
    assert.equal(new Set(threads).size, 3, `threads ${threads.join(", ")}`);
  });
});

test("move() makes an ArrayBuffer or typed array cross once, received as a SharedBuffer; the sender keeps its array (piscina: Moving works, using ArrayBuffer / TypedArray)", async () => {
  await withRuntime(startTestRuntime({ workers: 1 }), async ({ runtime }) => {
    const values = new Float64Array([1, 2, 3, 4]);
    const moved = await runtime.spawn("scaleMoved", move(values), 2);
    assert.ok(moved instanceof SharedBuffer);
    assert.deepEqual([...moved.array(Float64Array)], [2, 4, 6, 8]);
    moved.release();
    assert.deepEqual([...values], [1, 2, 3, 4], "not detached, unlike a transfer");
    const fromBuffer = await runtime.spawn("scaleMoved", move(new Float64Array([5]).buffer), 3);
    assert.deepEqual([...fromBuffer.array(Float64Array)], [15]);
    fromBuffer.release();
  });
});

test("move() of a primitive, null or a plain object is refused naming it (piscina: marking primitives and null)", () => {
  for (const value of [1, "s", null, undefined, {}, new SharedArrayBuffer(8)]) {
    assert.throws(
      () => move(value as never),
      (error: unknown) => error instanceof SpindleError && error.code === "INVALID_ARGUMENT",
      String(value),
    );
  }
});
