// Port of piscina's test/histogram.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README ("Metrics"). `recordTiming` is the `metrics`
// option; `pool.waitTime` / `pool.runTime` are `runtime.metrics().jobs[name].wait` / `.run`,
// kept per job name, as `{ count, mean, min, max, stddev, p50, p90, p99 }` in ms (piscina's
// `average` is its `mean` under a second name: checked as `mean`).
// Differs on purpose: the histograms are off by default (`metrics: true` turns them on, for
// their cost), so "by default" is ported to the documented default and its field checks to
// `metrics: true`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withRuntime } from "./piscina/support.ts";

const STATS = ["count", "mean", "stddev", "min", "max", "p50", "p90", "p99"] as const;

test("pool will maintain run and wait time histograms by default (with metrics: true)", async () => {
  await withRuntime({ workers: 2, metrics: true }, async (runtime) => {
    await Promise.all(Array.from({ length: 10 }, () => runtime.spawn("answer")));
    const { wait, run } = runtime.metrics().jobs.answer!;
    for (const stat of STATS) {
      assert.equal(typeof wait[stat], "number", `wait.${stat}`);
      assert.equal(typeof run[stat], "number", `run.${stat}`);
    }
    assert.equal(wait.count, 10);
    assert.equal(run.count, 10);
    assert.ok(run.p50 <= run.p90 && run.p90 <= run.p99);
    for (const d of [wait, run]) assert.ok(d.min <= d.mean && d.mean <= d.max && d.stddev >= 0, JSON.stringify(d));
  });
});

test("pool will maintain run and wait time histograms when recordTiming is true", async () => {
  await withRuntime({ workers: 2, metrics: true }, async (runtime) => {
    await Promise.all(Array.from({ length: 10 }, () => runtime.spawn("answer")));
    const answer = runtime.metrics().jobs.answer;
    assert.ok(answer?.wait);
    assert.ok(answer?.run);
  });
});

test("pool does not maintain run and wait time histograms when recordTiming is false", async () => {
  for (const options of [{ workers: 2, metrics: false }, { workers: 2 }]) {
    await withRuntime(options, async (runtime) => {
      await Promise.all(Array.from({ length: 10 }, () => runtime.spawn("answer")));
      const metrics = runtime.metrics();
      assert.deepEqual(metrics.jobs, {});
      assert.ok(metrics.workers.every((worker) => Number.isNaN(worker.busyRatio)));
      assert.equal(metrics.workers.reduce((sum, worker) => sum + worker.jobsRun, 0), 10, "the counters are kept");
    });
  }
});
