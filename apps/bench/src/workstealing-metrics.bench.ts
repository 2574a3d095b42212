// What the runtime's `metrics: true` costs on tiny jobs (issue 23): TASKS `add` jobs spawned from
// the main thread, then all awaited, with metrics off and on, alternating, RUNS rounds each after
// one warm-up round of each; the medians and their ratio.
//
//   node_modules/node24/bin/node --conditions=@spindle/source apps/bench/src/workstealing-metrics.bench.ts
import { loadavg } from "node:os";
import { Runtime } from "@spindle/workstealing";
import { intOption, log, median } from "./harness.ts";
import type jobs from "./workstealing-jobs.ts";

const TASKS = intOption("tasks", 200_000);
const RUNS = intOption("runs", 5);
const WORKERS = intOption("workers", 2);
const module = new URL("./workstealing-jobs.ts", import.meta.url);

const runtimes = {
  off: await Runtime.start<typeof jobs>(module, { workers: WORKERS, maxExtraMachines: 0 }),
  on: await Runtime.start<typeof jobs>(module, { workers: WORKERS, maxExtraMachines: 0, metrics: true }),
};
const times: Record<string, number[]> = { off: [], on: [] };
for (let round = -1; round < RUNS; round++) {
  for (const mode of ["off", "on"] as const) {
    const runtime = runtimes[mode];
    const start = performance.now();
    const handles = [];
    for (let i = 0; i < TASKS; i++) handles.push(runtime.spawn("add", i, 1));
    for (const handle of handles) await handle;
    if (round >= 0) times[mode]!.push(performance.now() - start);
  }
}
log(
  `load average at the end: ${
    loadavg().map((l) => l.toFixed(2)).join(" ")
  }; ${WORKERS} workers, ${TASKS} tiny jobs, ${RUNS} runs`,
);
for (const mode of ["off", "on"] as const) {
  const list = times[mode]!;
  log(
    `metrics ${mode.padEnd(3)} median ${median(list).toFixed(1)} ms (${
      (TASKS / median(list) / 1_000).toFixed(2)
    } M jobs/s; min ${Math.min(...list).toFixed(1)}, max ${Math.max(...list).toFixed(1)})`,
  );
}
log(`on / off = ${(median(times.on!) / median(times.off!)).toFixed(3)}x`);
await Promise.all([runtimes.off.shutdown(), runtimes.on.shutdown()]);
