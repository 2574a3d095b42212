import assert from "node:assert/strict";
import { test } from "node:test";
import { until, withRuntime } from "@spindle/test-support";
import { startTestRuntime } from "./test-support/runtime.ts";

// The stuck jobs are `gate` jobs, blocked in Atomics.wait until the test opens their gate, not
// busy loops of a fixed length: two busy loops took both vCPUs of the test machine from the extra
// machine's start (a Deno worker compiles its modules, 1-2 s on a loaded machine), so under load
// the loops could end before the extra machine ran anything, and the quick jobs then ran on the
// formerly stuck workers. Held until the quick jobs are done, the workers are stuck however long
// the extra machine takes to start, and they cost no CPU meanwhile.
test("when every worker is stuck in a long job, an extra machine runs the queued jobs", async () => {
  await withRuntime(startTestRuntime({ workers: 2, maxExtraMachines: 1 }), async ({ runtime, counters }) => {
    const stuck = [runtime.spawn("gate", 0), runtime.spawn("gate", 1)];
    try {
      await until(() => Atomics.load(counters, 0) === 1 && Atomics.load(counters, 1) === 1, "both workers to be stuck");
      const quick = Array.from({ length: 20 }, () => runtime.spawn("whoami"));
      // 60 s: a hang bound (the extra machine starts after 100 ms without progress, plus a worker's
      // start), not a measure.
      const quickThreads = new Set(await settleAll(quick, 60_000));
      assert.equal(stuck.some((handle) => handle.isFinished), false, "the quick jobs did not wait for the stuck ones");
      Atomics.store(counters, 0, 2);
      Atomics.store(counters, 1, 2);
      const stuckThreads = await Promise.all(stuck);
      assert.notEqual(stuckThreads[0], stuckThreads[1]);
      assert.deepEqual(
        [...quickThreads].filter((thread) => stuckThreads.includes(thread)),
        [],
        "an extra machine ran the quick jobs",
      );
    } finally {
      Atomics.store(counters, 0, 2); // a failed assertion must not leave the workers held (shutdown drains)
      Atomics.store(counters, 1, 2);
    }
  });
});

test("a job stuck in long synchronous code does not hold the jobs queued behind it", async () => {
  await withRuntime(startTestRuntime({ workers: 2, maxExtraMachines: 0 }), async ({ runtime, counters }) => {
    const long = runtime.spawn("gate", 0);
    try {
      await until(() => Atomics.load(counters, 0) === 1, "the gate job to start");
      const quick = Array.from({ length: 200 }, (_, i) => runtime.spawn("add", i, 1));
      assert.deepEqual(await settleAll(quick, 60_000), quick.map((_, i) => i + 1));
      assert.equal(long.isFinished, false);
    } finally {
      Atomics.store(counters, 0, 2);
    }
    await long;
  });
});

/** `Promise.all(handles)`, failing when it has not settled within `limitMs` (a hang bound). */
async function settleAll<T>(handles: PromiseLike<T>[], limitMs: number): Promise<T[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`jobs did not settle within ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([Promise.all(handles), late]);
  } finally {
    clearTimeout(timer);
  }
}
