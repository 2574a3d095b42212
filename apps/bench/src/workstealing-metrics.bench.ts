// What the runtime's `metrics: true` costs on tiny jobs (issue 23): the `metrics` pass of the
// work-stealing section of docs/benchmarks.md (workstealing.section.ts renders what it writes).
// TASKS `add` jobs spawned from the main thread, then all awaited (part 1 of workstealing.bench.ts),
// on two runtimes started side by side, one with metrics off and one on; each round runs both,
// in alternating order; times are medians, the cost is the median of per-round ratios on ÷ off.
//
//   node_modules/node24/bin/node --allow-natives-syntax apps/bench/src/workstealing-metrics.bench.ts
//   node_modules/.bin/deno run -A --config scripts/bench/deno-dist.json apps/bench/src/workstealing-metrics.bench.ts
//   node_modules/bun/bin/bun.exe apps/bench/src/workstealing-metrics.bench.ts
//
// Options: --json <file>, --tasks <n> (default 200,000), --runs <n> (measured rounds, default 5),
// --warmup <n> (warm-up rounds at full size, default 2: see TINY_WARMUP in workstealing.bench.ts),
// --workers <n> (default 2).
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { Runtime } from "@spindle/workstealing";
import { intOption, log, median, option, runtime as benchRuntime } from "./harness.ts";
import type { WorkstealingMetricsResult } from "./workstealing.section.ts";
import type jobs from "./workstealing-jobs.ts";

const TASKS = Math.max(1, intOption("tasks", 200_000));
const RUNS = Math.max(1, intOption("runs", 5));
const WARMUP = intOption("warmup", 2);
const WORKERS = Math.max(1, intOption("workers", 2));
const JSON_PATH = option("json");
const module = new URL("./workstealing-jobs.ts", import.meta.url);
const loadBefore = loadavg()[0]!;
const started = performance.now();

const runtimes = {
  off: await Runtime.start<typeof jobs>(module, { workers: WORKERS, maxExtraMachines: 0 }),
  on: await Runtime.start<typeof jobs>(module, { workers: WORKERS, maxExtraMachines: 0, metrics: true }),
};
const times: Record<"off" | "on", number[]> = { off: [], on: [] };
const expected = (TASKS * (TASKS - 1)) / 2 + TASKS;
for (let round = -WARMUP; round < RUNS; round++) {
  const order = round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
  const line: string[] = [];
  for (const mode of order) {
    const runtime = runtimes[mode];
    const start = performance.now();
    const handles = new Array(TASKS);
    for (let i = 0; i < TASKS; i++) handles[i] = runtime.spawn("add", i, 1);
    let total = 0;
    for (let i = 0; i < TASKS; i++) total += await handles[i];
    const ms = performance.now() - start;
    if (total !== expected) throw new Error(`metrics ${mode}: sum ${total}, expected ${expected}`);
    if (round >= 0) times[mode].push(Math.round(ms * 1000) / 1000);
    line.push(`${mode} ${ms.toFixed(1)} ms`);
  }
  log(`${round < 0 ? "warm-up" : `round ${round + 1}`}: ${line.join(", ")}`);
}
// The metrics runtime counted every job it ran (what the cost buys).
const counted = runtimes.on.metrics().jobs.add?.run.count;
const ratios = times.on.map((on, i) => on / times.off[i]!);
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const report = {
  bench: "workstealing-metrics",
  runtime: benchRuntime,
  tasks: TASKS,
  workers: WORKERS,
  warmupRuns: WARMUP,
  measuredRuns: RUNS,
  loadAverage: { start: r3(loadBefore), end: r3(loadavg()[0]!) },
  off: { ms: times.off, jobsPerSec: Math.round((TASKS / median(times.off)) * 1000) },
  on: { ms: times.on, jobsPerSec: Math.round((TASKS / median(times.on)) * 1000) },
  onOverOff: { median: r3(median(ratios)), min: r3(Math.min(...ratios)), max: r3(Math.max(...ratios)) },
  jobsCounted: counted ?? null,
  seconds: r3((performance.now() - started) / 1000),
} satisfies WorkstealingMetricsResult;
if (JSON_PATH !== undefined) writeFileSync(JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `### workstealing metrics: ${benchRuntime.name} ${benchRuntime.version}, ${WORKERS} workers, ${TASKS} tiny jobs, ` +
    `${WARMUP} warm-up + ${RUNS} rounds; load average ${report.loadAverage.start} → ${report.loadAverage.end}\n` +
    `- off ${(report.off.jobsPerSec / 1e6).toFixed(3)}M/s, on ${(report.on.jobsPerSec / 1e6).toFixed(3)}M/s; ` +
    `on / off ${report.onOverOff.median.toFixed(3)}× (${report.onOverOff.min.toFixed(3)}–${
      report.onOverOff.max.toFixed(3)
    }); jobs counted by the metrics: ${counted}`,
);
await Promise.all([runtimes.off.shutdown(), runtimes.on.shutdown()]);
