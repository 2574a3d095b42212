// Item 3 of issue 23: runtime metrics as tokio's RuntimeMetrics, and per-job-name run-time and
// wait-time histograms that count every job.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestRuntime } from "./test-support/runtime.ts";

/** Jobs in the tree of `fib(n, cutoff)`: every call is a job (the root, and each child). */
function fibJobs(n: number, cutoff: number): number {
  return n <= cutoff ? 1 : 1 + fibJobs(n - 1, cutoff) + fibJobs(n - 2, cutoff);
}

test("histograms count every job: flat, fork/join children (stolen or joined in place) and map chunks", async () => {
  const { runtime } = await startTestRuntime({ workers: 2, metrics: true });
  try {
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => runtime.spawn("add", i, 1)));
    assert.equal(await runtime.spawn("fib", 20, 8), 6_765);
    await runtime.map("double", Array.from({ length: 100 }, (_, i) => i), { chunkSize: 10 });
    const holdStart = performance.now();
    await runtime.spawn("hold", 0, 60);
    const holdWall = performance.now() - holdStart;
    const metrics = runtime.metrics();
    assert.equal(metrics.jobs.add?.run.count, 1_000);
    assert.equal(metrics.jobs.add?.wait.count, 1_000);
    assert.equal(metrics.jobs.fib?.run.count, fibJobs(20, 8));
    assert.equal(metrics.jobs.double?.run.count, 10, "one per chunk");
    const counted = Object.values(metrics.jobs).reduce((total, job) => total + job.run.count, 0);
    const run = metrics.workers.reduce((total, worker) => total + worker.jobsRun, 0);
    assert.equal(counted, run, "the histograms hold every job the workers ran");
    const hold = metrics.jobs.hold!.run;
    // Between the job's 60 ms and what the spawner waited for it (a percentile is a bucket's upper
    // bound, at most 19 % high), however slow a loaded machine makes it.
    assert.ok(
      hold.p50 >= 60 && hold.p50 <= holdWall * 1.19 + 1,
      `a 60 ms job's p50 is ${hold.p50} ms (${holdWall} ms waited)`,
    );
    for (const [name, job] of Object.entries(metrics.jobs)) {
      for (const d of [job.run, job.wait]) {
        assert.ok(d.p50 <= d.p90 && d.p90 <= d.p99, `${name}: ${JSON.stringify(d)}`);
      }
    }
    for (const worker of metrics.workers.slice(0, 2)) {
      assert.ok(worker.busyRatio >= 0 && worker.busyRatio <= 1, `busy ratio ${worker.busyRatio}`);
    }
    assert.ok(metrics.workers.some((worker) => worker.busyRatio > 0), "a worker was busy");
    assert.equal(metrics.steals, metrics.workers.reduce((total, worker) => total + worker.steals, 0));
    assert.equal(metrics.injectorDepth, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("without the metrics option the counters are kept and the histograms are not", async () => {
  const { runtime } = await startTestRuntime({ workers: 1, maxExtraMachines: 1 });
  try {
    // The only worker is held for 400 ms with a job queued behind it: an extra machine starts.
    const held = runtime.spawn("block", 400);
    const queued = runtime.spawn("add", 1, 2);
    assert.equal(await queued, 3);
    await held;
    const metrics = runtime.metrics();
    assert.deepEqual(metrics.jobs, {});
    assert.ok(Number.isNaN(metrics.workers[0]!.busyRatio));
    assert.ok(metrics.extraMachinesStarted >= 1, `${metrics.extraMachinesStarted} extra machines`);
    assert.ok(metrics.workers.reduce((total, worker) => total + worker.jobsRun, 0) >= 2);
  } finally {
    await runtime.shutdown();
  }
});

test("a histogram's mean, min, max and standard deviation are exact: one job, and three of known least lengths", async () => {
  const { runtime } = await startTestRuntime({ workers: 1, metrics: true });
  try {
    await runtime.spawn("block", 5);
    const one = runtime.metrics().jobs.block!.run;
    assert.equal(one.count, 1);
    assert.ok(one.min >= 5 - 0.01, `a 5 ms job ran ${one.min} ms`);
    assert.equal(one.max, one.min, "one duration: it is the least and the greatest");
    assert.equal(one.mean, one.min);
    assert.equal(one.stddev, 0);
    // Two more: the least is still at most the first's, the greatest at least 20 ms.
    await runtime.spawn("block", 10);
    await runtime.spawn("block", 20);
    const three = runtime.metrics().jobs.block!;
    for (const d of [three.run, three.wait]) {
      assert.equal(d.count, 3);
      assert.ok(d.min <= d.mean && d.mean <= d.max, JSON.stringify(d));
      // A population standard deviation is at most half the range.
      assert.ok(d.stddev >= 0 && d.stddev <= (d.max - d.min) / 2 + 1e-9, JSON.stringify(d));
      // The percentiles are bucket upper bounds, so no percentile is below the exact least.
      assert.ok(d.p50 >= d.min && d.p99 >= d.min, JSON.stringify(d));
    }
    assert.ok(three.run.min <= one.min, `least ${three.run.min} after ${one.min}`);
    assert.ok(three.run.max >= 20 - 0.01, `a 20 ms job ran ${three.run.max} ms`);
    assert.ok(three.run.mean >= (5 + 10 + 20) / 3 - 0.01, `mean ${three.run.mean}`);
  } finally {
    await runtime.shutdown();
  }
});

test("utilization is the workers' busy time ÷ the time they had, and NaN without metrics", async () => {
  const { runtime } = await startTestRuntime({ workers: 2, metrics: true });
  try {
    await runtime.spawn("block", 50);
    const metrics = runtime.metrics();
    assert.ok(metrics.utilization > 0 && metrics.utilization <= 1, `utilization ${metrics.utilization}`);
    // The same reading's busy ratios (each a worker's busy time ÷ the time since the start).
    const mean = metrics.workers.slice(0, 2).reduce((total, worker) => total + worker.busyRatio, 0) / 2;
    assert.equal(metrics.utilization, mean);
  } finally {
    await runtime.shutdown();
  }
  const plain = await startTestRuntime({ workers: 1 });
  try {
    await plain.runtime.spawn("add", 1, 2);
    assert.ok(Number.isNaN(plain.runtime.metrics().utilization));
  } finally {
    await plain.runtime.shutdown();
  }
});
