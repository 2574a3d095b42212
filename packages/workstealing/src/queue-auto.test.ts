// Issue 23: `queue: { limit: "auto" }` bounds the queue at `workers` squared, as piscina's
// `maxQueue: "auto"` does at `maxThreads` squared.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { QueueFullError, Runtime, type RuntimeOptions } from "./mod.ts";
import { until, withRuntime } from "@spindle/test-support";
import { startTestRuntime, TEST_JOBS } from "./test-support/runtime.ts";

test('queue: { limit: "auto" } is workers squared, read back as queueLimit', async () => {
  for (const workers of [1, 3]) {
    await withRuntime(startTestRuntime({ workers, queue: { limit: "auto" } }), ({ runtime }) => {
      assert.equal(runtime.queueLimit, workers * workers);
    });
  }
  await withRuntime(startTestRuntime({ workers: 1 }), ({ runtime }) => {
    assert.equal(runtime.queueLimit, Infinity, "unbounded by default");
  });
});

test('an "auto" queue of 2 workers refuses the fifth job queued behind them', async () => {
  await withRuntime(
    startTestRuntime({ workers: 2, maxExtraMachines: 0, queue: { limit: "auto", whenFull: "reject" } }),
    async ({ runtime, counters }) => {
      // Both workers held (counters 0 and 1 become 1 as their jobs start): nothing leaves the queue.
      const blockers = [runtime.spawn("hold", 0, 300), runtime.spawn("hold", 1, 300)];
      await until(() => Atomics.load(counters, 0) === 1 && Atomics.load(counters, 1) === 1, "both workers to be held");
      const accepted = [0, 1, 2, 3].map((n) => runtime.spawn("add", n, 0)); // 2 squared: all fit
      assert.equal(runtime.needsDrain, true);
      assert.throws(() => runtime.spawn("add", 4, 0), (e: unknown) => e instanceof QueueFullError && e.limit === 4);
      await Promise.all(blockers);
      assert.deepEqual(await Promise.all(accepted), [0, 1, 2, 3]);
    },
  );
});

test('a queue limit other than an integer from 1 or "auto" is refused naming it', async () => {
  for (const limit of [0, 1.5, "automatic", null]) {
    await assert.rejects(
      Runtime.start(TEST_JOBS, { workers: 1, queue: { limit } } as unknown as RuntimeOptions),
      (e: unknown) =>
        e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes('or "auto"') &&
        e.message.includes(typeof limit === "string" ? limit : String(limit)),
    );
  }
});
