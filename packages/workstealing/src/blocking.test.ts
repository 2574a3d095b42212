import assert from "node:assert/strict";
import { test } from "node:test";
import { until, withRuntime } from "@spindle/test-support";
import { startTestRuntime } from "./test-support/runtime.ts";

test("when every worker is stuck in a long job, an extra machine runs the queued jobs", async () => {
  await withRuntime(startTestRuntime({ workers: 2, maxExtraMachines: 1 }), async ({ runtime, counters }) => {
    // 4 s: the extra machine starts after 100 ms of no progress, and a worker takes 1–2 s to
    // start on a loaded machine under Deno (it type-checks its modules).
    const stuck = [runtime.spawn("hold", 0, 4_000), runtime.spawn("hold", 1, 4_000)];
    await until(() => Atomics.load(counters, 0) === 1 && Atomics.load(counters, 1) === 1, "both workers to be stuck");
    const quick = Array.from({ length: 20 }, () => runtime.spawn("whoami"));
    const quickThreads = new Set(await Promise.all(quick));
    assert.equal(stuck.some((handle) => handle.isFinished), false, "the quick jobs did not wait for the stuck ones");
    const stuckThreads = await Promise.all(stuck);
    assert.notEqual(stuckThreads[0], stuckThreads[1]);
    assert.deepEqual(
      [...quickThreads].filter((thread) => stuckThreads.includes(thread)),
      [],
      "an extra machine ran the quick jobs",
    );
  });
});

test("a job stuck in long synchronous code does not hold the jobs queued behind it", async () => {
  await withRuntime(startTestRuntime({ workers: 2, maxExtraMachines: 0 }), async ({ runtime }) => {
    const long = runtime.spawn("block", 1_000);
    const quick = Array.from({ length: 200 }, (_, i) => runtime.spawn("add", i, 1));
    assert.deepEqual(await Promise.all(quick), quick.map((_, i) => i + 1));
    assert.equal(long.isFinished, false);
    await long;
  });
});
