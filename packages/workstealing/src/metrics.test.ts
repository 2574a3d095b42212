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
