// The work-stealing benchmark's section of docs/benchmarks.md (see workstealing.bench.ts): the
// results it writes, and how they are rendered, with the prose that explains them.
import type { BarValue } from "./charts.ts";
import type { BenchRuntime } from "./harness.ts";
import { barValue, check, fmtCountTick, fmtRate, fmtRatio, fmtTimes, fmtTimesTick, legName } from "./section-format.ts";
import { type BenchSection, type ChartSink, type Leg, type MeasuredLeg, measuredLegs, type Ratio } from "./section.ts";

/** Spindle and everything it is measured against. */
export type ContenderId = "spindle" | "piscina" | "tinypool" | "poolifier" | "bare";
const ALL: ContenderId[] = ["spindle", "piscina", "tinypool", "poolifier", "bare"];

/** The spin loop calibrated on the main thread, once per process. */
export interface Calibration {
  itersPerTask: number;
  nsPerIter: number;
  /** Median main-thread time of one `spinTask(itersPerTask)` in a tight loop. */
  lightUs: number;
  /** Median main-thread time of one heavy `spinTask` (HEAVY_FACTOR × itersPerTask). */
  heavyMs: number;
  mainTier: string;
}

/** A contender's runs of a part of spin tasks. */
export interface SpinSummary {
  ms: number[];
  medianMs: number;
  /** Mean in-worker time of one task, median over rounds. */
  workerUsPerTask: number;
  /** CPUs the process kept busy (CPU time ÷ wall time), median over rounds. */
  processCpus: number;
  /** Tier name → sampled tasks. */
  tiers: Record<string, number>;
}

/** Part 1: tiny tasks. Keys: contender ids. */
export interface TinyReport {
  tasks: number;
  results: Record<string, { ms: number[]; tasksPerSec: number }>;
  /** Spindle's rate over each pool's. */
  ratios: Record<string, Ratio | null>;
}

/** Part 2: 50 µs tasks. */
export interface UniformReport {
  tasks: number;
  results: Record<string, SpinSummary>;
  /** Each contender's wall time over the bare threads'. */
  vsBare: Record<string, Ratio | null>;
}

/** A contender's runs of one order of the skewed part. */
export interface SkewedRun extends SpinSummary {
  vsIdeal: Ratio | null;
  /** Against the work as the workers actually ran it. */
  vsWorkerIdeal: Ratio | null;
}

/** Part 3: a few heavy tasks among light ones, in two orders. */
export interface SkewedReport {
  tasks: number;
  heavy: number;
  heavyFactor: number;
  idealMs: number;
  orders: Partial<Record<"heavy-first" | "spread", Record<string, SkewedRun>>>;
}

/** Part 4: fork/join fib, Spindle and the bare threads against the main thread alone. */
export interface FibReport {
  n: number;
  warmupRuns: number;
  cutoff: number;
  sequentialMs: number[];
  spindleMs: number[];
  bareMs: number[];
  medianSequentialMs: number;
  medianSpindleMs: number | null;
  medianBareMs: number | null;
  sequentialCpus: number;
  spindleCpus: number | null;
  speedup: Ratio | null;
  bareSpeedup: Ratio | null;
  vsBare: Ratio | null;
}

/** Part 5: round trips of one tiny task, in microseconds. */
export interface RttReport {
  roundTrips: number;
  recorded: number;
  results: Record<string, { p50: number; p99: number; perRoundP50: number[]; perRoundP99: number[] }>;
  /** Spindle's p50 over each pool's, per round. */
  p50Ratios: Record<string, Ratio | null>;
}

/** Everything measured with one worker count (a part not run is absent). */
export interface ConfigReport {
  workers: number;
  contenders: Record<string, { supported: boolean; problem?: string; idleCpu?: number; startMs?: number }>;
  /** Part → contender → why it failed. */
  failures: Record<string, Record<string, string>>;
  tiny?: TinyReport;
  uniform?: UniformReport;
  skewed?: SkewedReport;
  fib?: FibReport;
  rtt?: RttReport;
}

/** What `workstealing.bench.ts --json <file>` writes. */
export interface WorkstealingResult {
  bench: "workstealing";
  runtime: BenchRuntime;
  cores: number;
  warmupRuns: number;
  measuredRuns: number;
  spinUs: number;
  partBudgetS: number;
  /** The 1-minute load average when the benchmark began and ended. */
  loadAverage: { start: number; end: number };
  method: string;
  calibration: Calibration;
  configs: ConfigReport[];
  seconds: number;
}

/** A contender of the `map` pass (workstealing-map.bench.ts). */
export type MapContenderId = "spindle" | "piscina" | "bare";
/** The runs of the `map` pass: `map-<contender>`, and the sum by each way of passing the buffer. */
export type MapRunId =
  | "map-spindle"
  | "map-piscina"
  | "map-bare"
  | "sum-copied"
  | "sum-move"
  | "sum-alloc"
  | "sum-worker-data"
  | "sum-piscina"
  | "sum-bare";
/** Measured times (ms) per run, one per round. */
export type MapRuns = Partial<Record<MapRunId, number[]>>;

/** What `workstealing-map.bench.ts --json <file>` writes. */
export interface WorkstealingMapResult {
  bench: "workstealing-map";
  runtime: BenchRuntime;
  items: number;
  chunk: number;
  workers: number;
  sumBytes: number;
  warmupRuns: number;
  measuredRuns: number;
  loadAverage: { start: number; end: number };
  contenders: Partial<Record<MapContenderId, { supported: boolean; problem?: string }>>;
  /** Run → why it failed. */
  failures: Partial<Record<MapRunId, string>>;
  map?: {
    ms: MapRuns;
    medianMs: Partial<Record<MapRunId, number>>;
    spindleOverBare: Ratio | null;
    piscinaOverSpindle: Ratio | null;
    piscinaOverBare: Ratio | null;
  };
  sum?: {
    ms: MapRuns;
    medianMs: Partial<Record<MapRunId, number>>;
    /** Each way's time over the bare threads' (SharedArrayBuffer), per round. */
    overBare: Partial<Record<MapRunId, Ratio | null>>;
  };
  seconds: number;
}

/** What `workstealing-metrics.bench.ts --json <file>` writes. */
export interface WorkstealingMetricsResult {
  bench: "workstealing-metrics";
  runtime: BenchRuntime;
  tasks: number;
  workers: number;
  warmupRuns: number;
  measuredRuns: number;
  loadAverage: { start: number; end: number };
  off: { ms: number[]; jobsPerSec: number };
  on: { ms: number[]; jobsPerSec: number };
  /** Wall time with metrics on ÷ off, per round. */
  onOverOff: Ratio;
  /** The `add` jobs the metrics runtime's run-time histogram counted (warm-up included). */
  jobsCounted: number | null;
  seconds: number;
}

/** The results of the section's three passes. */
export type WorkstealingAnyResult = WorkstealingResult | WorkstealingMapResult | WorkstealingMetricsResult;

const WS_PEERS = ["piscina", "tinypool", "poolifier"] as const;
const WS_NAMES: Record<ContenderId, string> = {
  spindle: "Spindle",
  piscina: "piscina",
  tinypool: "tinypool",
  poolifier: "poolifier",
  bare: "bare threads",
};
/** Every (leg, worker count) pair with results: one table row each. */
const wsRows = (
  legs: MeasuredLeg<WorkstealingResult>[],
): { leg: MeasuredLeg<WorkstealingResult>; c: ConfigReport; label: string }[] =>
  legs.flatMap((leg) =>
    (leg.result.configs ?? []).map((c) => ({
      leg,
      c,
      label: leg.result.configs.length > 1 ? `${legName(leg)}, ${c.workers} workers` : legName(leg),
    }))
  );
/** Why a contender has no figure in a part (not in this run, not supported here, failed), if so. */
const wsMissing = (c: ConfigReport, id: ContenderId, part: string): string | undefined => {
  const info = c.contenders?.[id];
  if (info === undefined) return "–";
  if (!info.supported) return "not supported";
  const failed = c.failures?.[part]?.[id];
  return failed === undefined ? undefined : `failed: ${failed}`;
};
/** A contender's cell: its figure, or why it has none. */
const wsCell = (c: ConfigReport, id: ContenderId, part: string, figure: string | undefined): string =>
  wsMissing(c, id, part) ?? figure ?? "–";
/** A contender's bar: its figure, or why it has none. */
const wsBar = (c: ConfigReport, id: ContenderId, part: string, figure: number | null | undefined): BarValue => {
  const missing = wsMissing(c, id, part) ?? (figure == null ? "–" : undefined);
  return missing === undefined ? figure! : { missing };
};
const fmtRateWs = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(1)}k`);
const fmtMsWs = (
  x: number | undefined,
): string | undefined => (x == null ? undefined : `${x.toFixed(x < 100 ? 1 : 0)} ms`);
const tierText = (tiers: Record<string, number> | undefined): string => {
  const entries = Object.entries(tiers ?? {});
  if (entries.length === 0) return "tier not reported";
  const total = entries.reduce((t, [, n]) => t + n, 0);
  const share = (
    n: number,
  ): string => (n === total ? "" : n / total < 0.01 ? " <1 %" : ` ${((n / total) * 100).toFixed(0)} %`);
  return entries.sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t}${share(n)}`).join(", ");
};

/** Issue 23's fork/join goal: Spindle's median speed-up at least this share of the bare threads'. */
const FIB_GOAL_OF_BARE = 0.95;
/** A fork/join round with a speed-up below this is slow (the kernel kept both workers on one vCPU). */
const FIB_SLOW_ROUND = 1.35;
/** Issue 23's data-parallel goals: map and sum ≤ 1.1× the bare threads', map ≥ 5× piscina's speed. */
const MAP_BARE_GOAL = 1.1;
const MAP_PISCINA_GOAL = 5;
const SUM_BARE_GOAL = 1.1;

/** The legs of one pass (a failed leg has no result to tell its type by, but it has its pass). */
function passLegs<R extends WorkstealingAnyResult>(legs: Leg<WorkstealingAnyResult>[], pass: string): Leg<R>[] {
  return legs.filter((l) => l.pass === pass) as Leg<R>[];
}

const SUM_NAMES: [MapRunId, string][] = [
  ["sum-alloc", "Spindle, `runtime.alloc` buffer (shared heap, in place)"],
  ["sum-move", "Spindle, `move(subarray)` (copied once into the shared heap)"],
  ["sum-copied", "Spindle, Float64Array argument (copied in and out)"],
  ["sum-worker-data", "Spindle, SharedArrayBuffer in `workerData`"],
  ["sum-piscina", "piscina, halves transferred"],
  ["sum-bare", "bare threads, SharedArrayBuffer"],
];
const MAP_CONTENDER: Partial<Record<MapRunId, MapContenderId>> = {
  "map-spindle": "spindle",
  "map-piscina": "piscina",
  "map-bare": "bare",
  "sum-piscina": "piscina",
  "sum-bare": "bare",
};
/** A cell of the `map` pass: a median time, or why there is none. */
function mapCell(r: WorkstealingMapResult, id: MapRunId, ms: number | undefined): string {
  const info = r.contenders[MAP_CONTENDER[id] ?? "spindle"];
  if (info !== undefined && !info.supported) return `not supported: ${info.problem}`;
  const failed = r.failures[id];
  if (failed !== undefined) return `failed: ${failed}`;
  return ms === undefined ? "–" : `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
}

/** Issue 23's data-parallel parts: `runtime.map`, the 64 MiB sum, and what metrics cost. */
function renderDataParallel(
  mapLegs: Leg<WorkstealingMapResult>[],
  metricsLegs: Leg<WorkstealingMetricsResult>[],
  chart: ChartSink,
): string[] {
  const out: string[] = [];
  const maps = measuredLegs(mapLegs);
  const m = maps[0]?.result;
  const loads = (legs: MeasuredLeg<WorkstealingMapResult | WorkstealingMetricsResult>[]): string =>
    legs.map((l) => `${legName(l)} ${l.result.loadAverage.start.toFixed(1)} → ${l.result.loadAverage.end.toFixed(1)}`)
      .join(", ");
  if (mapLegs.length > 0) {
    out.push(
      "#### 6. Data-parallel: `runtime.map`, and the sum of a 64 MiB Float64Array (issue 23)",
      "",
    );
  }
  for (const leg of mapLegs) if (leg.result === undefined) out.push(`${leg.label}: failed: ${leg.problem}`, "");
  if (m !== undefined) {
    out.push(
      `A process of its own (\`apps/bench/src/workstealing-map.bench.ts\`), ${m.workers} worker threads per ` +
        "contender, all started once. *map*: " +
        `${m.items.toLocaleString("en-US")} numbers through \`mapItem\` (a few arithmetic operations) in chunks of ` +
        `${m.chunk.toLocaleString("en-US")}: Spindle with \`runtime.map("mapItem", items, { chunkSize })\`; piscina ` +
        "with one `pool.run(chunk)` per chunk, all submitted, then awaited; the bare threads with the chunks dealt " +
        "round robin, one message per thread. Each ends with one array of the results in order, checked. *sum*: " +
        `${m.sumBytes / 2 ** 20} MiB of float64, one job (task) per worker over its half. Each of Spindle's runs ` +
        "(the map and each sum) has a runtime of its own, as each bare thread is a thread of its own, so that its " +
        "workers' loop sees one kind of buffer, as a user's would. Method: a first small task " +
        `proves each contender runs on the runtime; then ${m.warmupRuns} warm-up and ${m.measuredRuns} measured ` +
        "rounds, every run once per round, order rotated; times are medians, ratios medians of per-round ratios " +
        `(range in brackets). 1-minute load average at the start and end: ${loads(maps)}.`,
      "",
      chart("map", {
        title: "@spindle/workstealing: map and sum against the bare threads",
        subtitle: "wall time ÷ the bare threads' in the same round, median; lower is better",
        categories: mapLegs.map(legName),
        series: [
          {
            name: "map: Spindle",
            values: mapLegs.map((l) => barValue(l, l.result?.map?.spindleOverBare?.median)),
          },
          {
            name: "map: piscina",
            values: mapLegs.map((l) => barValue(l, l.result?.map?.piscinaOverBare?.median)),
          },
          {
            name: "sum: Spindle, runtime.alloc",
            values: mapLegs.map((l) => barValue(l, l.result?.sum?.overBare["sum-alloc"]?.median)),
          },
          {
            name: "sum: piscina, transferred",
            values: mapLegs.map((l) => barValue(l, l.result?.sum?.overBare["sum-piscina"]?.median)),
          },
        ],
        format: fmtTimes,
        formatTick: fmtTimesTick,
        scale: "log",
        references: [{ value: MAP_BARE_GOAL, label: `goal ≤ ${MAP_BARE_GOAL}×` }],
      }),
      "",
      "| runtime | map: Spindle | piscina | bare threads | Spindle ÷ bare | piscina ÷ Spindle | piscina ÷ bare |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const leg of maps) {
      const r = leg.result;
      const x = r.map;
      if (x === undefined) continue;
      out.push(
        `| ${legName(leg)} | ${mapCell(r, "map-spindle", x.medianMs["map-spindle"])} | ${
          mapCell(r, "map-piscina", x.medianMs["map-piscina"])
        } | ${mapCell(r, "map-bare", x.medianMs["map-bare"])} | ${fmtRatio(x.spindleOverBare)} | ${
          fmtRatio(x.piscinaOverSpindle)
        } | ${fmtRatio(x.piscinaOverBare)} |`,
      );
    }
    out.push(
      "",
      `| runtime | sum: how the ${m.sumBytes / 2 ** 20} MiB reach the workers | median | ÷ bare threads |`,
      "| --- | --- | ---: | ---: |",
    );
    for (const leg of maps) {
      const r = leg.result;
      if (r.sum === undefined) continue;
      for (const [id, name] of SUM_NAMES) {
        out.push(
          `| ${legName(leg)} | ${name} | ${mapCell(r, id, r.sum.medianMs[id])} | ${
            id === "sum-bare" ? "1" : fmtRatio(r.sum.overBare[id])
          } |`,
        );
      }
    }
    out.push("");
  }
  const metrics = measuredLegs(metricsLegs);
  const q = metrics[0]?.result;
  if (metricsLegs.length > 0) out.push("#### 7. What `metrics: true` costs (issue 23)", "");
  for (const leg of metricsLegs) if (leg.result === undefined) out.push(`${leg.label}: failed: ${leg.problem}`, "");
  if (q !== undefined) {
    out.push(
      "A process of its own (`apps/bench/src/workstealing-metrics.bench.ts`): part 1's tiny tasks " +
        `(${q.tasks.toLocaleString("en-US")} × \`add(i, 1)\` spawned from the main thread, then awaited) on two ` +
        `runtimes of ${q.workers} workers started side by side, one with \`metrics: true\` (per-job run and wait ` +
        "histograms: two clock reads and a few shared-memory adds per job) and one without; each round runs both, " +
        `in alternating order, ${q.warmupRuns} warm-up and ${q.measuredRuns} measured rounds. The cost is the median ` +
        "of per-round ratios of wall time, on ÷ off (range in brackets); *counted*: the jobs the metrics runtime's " +
        `histogram counted, warm-up included. 1-minute load average at the start and end: ${loads(metrics)}.`,
      "",
      "| runtime | metrics off (jobs/s) | metrics on (jobs/s) | wall time on ÷ off | counted |",
      "| --- | ---: | ---: | ---: | ---: |",
    );
    for (const leg of metrics) {
      const r = leg.result;
      out.push(
        `| ${legName(leg)} | ${fmtRate(r.off.jobsPerSec)} | ${fmtRate(r.on.jobsPerSec)} | ${fmtRatio(r.onOverOff)} | ${
          r.jobsCounted?.toLocaleString("en-US") ?? "–"
        } |`,
      );
    }
    out.push("");
  }
  return out;
}

/** The goals table of issue 23's data-parallel parts. */
function renderDataParallelGoals(
  mapLegs: Leg<WorkstealingMapResult>[],
  metricsLegs: Leg<WorkstealingMetricsResult>[],
): string[] {
  const maps = measuredLegs(mapLegs);
  const metrics = measuredLegs(metricsLegs);
  if (maps.length === 0 && metrics.length === 0) return [];
  const goal = (r: Ratio | null | undefined, ok: (x: number) => boolean): string =>
    r == null ? "–" : `${check(ok(r.median))} ${r.median.toFixed(2)}×`;
  const out = [
    "",
    "#### Goals of the data-parallel parts (issue 23)",
    "",
    `(6) \`runtime.map\` **≤ ${MAP_BARE_GOAL}× the bare threads'** wall time and **≥ ${MAP_PISCINA_GOAL}× piscina's** ` +
    `speed (piscina's time ÷ Spindle's); the sum with a shared-heap buffer (\`runtime.alloc\`) **≤ ${SUM_BARE_GOAL}× ` +
    "the bare threads'** on a SharedArrayBuffer; (7) the metrics' cost **stated** (wall time on ÷ off).",
    "",
    `| runtime | 6. map ≤ ${MAP_BARE_GOAL}× bare | 6. map ≥ ${MAP_PISCINA_GOAL}× piscina | 6. sum ≤ ${SUM_BARE_GOAL}× bare | 7. metrics cost |`,
    "| --- | :---: | :---: | :---: | :---: |",
  ];
  const names = [...new Set([...mapLegs, ...metricsLegs].map((l) => l.runtime))];
  for (const runtime of names) {
    const m = maps.find((l) => l.runtime === runtime);
    const q = metrics.find((l) => l.runtime === runtime);
    const label = m ? legName(m) : q ? legName(q) : runtime;
    out.push(
      `| ${label} | ${goal(m?.result.map?.spindleOverBare, (x) => x <= MAP_BARE_GOAL)} | ${
        goal(m?.result.map?.piscinaOverSpindle, (x) => x >= MAP_PISCINA_GOAL)
      } | ${goal(m?.result.sum?.overBare["sum-alloc"], (x) => x <= SUM_BARE_GOAL)} | ${
        q ? `stated: ${fmtRatio(q.result.onOverOff)}` : "–"
      } |`,
    );
  }
  return out;
}

export const workstealingSection: BenchSection<WorkstealingAnyResult> = {
  id: "workstealing",
  title: "@spindle/workstealing: the Runtime against piscina, tinypool, poolifier and bare threads",
  file: "apps/bench/src/workstealing.bench.ts",
  // tinypool's 200,000-task runs take 20–30 s each, warm-ups included.
  legTimeoutMs: 10 * 60_000,
  args: ({ runs }) => (runs === undefined ? [] : ["--runs", String(runs)]),
  passes: [
    { pass: "all", args: [] },
    { pass: "map", args: [], file: "apps/bench/src/workstealing-map.bench.ts" },
    { pass: "metrics", args: [], file: "apps/bench/src/workstealing-metrics.bench.ts" },
  ],
  render(allLegs, chart) {
    const legs = passLegs<WorkstealingResult>(allLegs, "all");
    const ok = measuredLegs(legs);
    const first = ok[0]?.result;
    const firstConfig = first?.configs[0];
    const rows = wsRows(ok);
    const out: string[] = [];
    if (first !== undefined) {
      const cal = first.calibration;
      out.push(
        "Every contender runs the same functions (`apps/bench/src/workstealing-peers/work.ts`) on the same number of " +
          "worker threads, all started once per process (Spindle: `Runtime.start(jobModule, { workers, maxExtraMachines: 0 })`, " +
          "so that it too runs exactly that many threads; piscina and tinypool: `minThreads = maxThreads = workers`; " +
          "poolifier: `FixedThreadPool(workers, file)`; every other option at its default). Tasks go through each " +
          "library's own API: `rt.spawn(name, ...args)` (Spindle), `pool.run(task, { name })` (piscina, tinypool), " +
          "`pool.execute(data, name)` (poolifier). The 50 µs task is a busy loop (xorshift rounds) calibrated once on the " +
          `main thread (on Node here: ${cal.nsPerIter} ns per round, ${
            cal.itersPerTask.toLocaleString("en-US")
          } rounds per task; ` +
          "each runtime calibrates itself) and the same round count goes to every contender; each task times its loop in the " +
          "thread that ran it and samples the V8 tier of the loop's function there, so the tables say how fast, and in " +
          `which tier, it ran in each contender's workers. Method: ${first.method}; a contender whose measured runs of one ` +
          `part add up to ${first.partBudgetS} s runs no more rounds of that part (a pool's 200,000-task run can take ` +
          "half a minute here), so some medians rest on fewer rounds (the tables say how many). Ratios are per round " +
          "(same round, same process), median and in brackets the lowest and highest. The machine has 2 shared, noisy " +
          "vCPUs, and other processes may run beside these (1-minute load average at the start and end of each process: " +
          `${
            ok.map((l) =>
              `${legName(l)} ${l.result.loadAverage?.start?.toFixed(1) ?? "?"} → ${
                l.result.loadAverage?.end?.toFixed(1) ?? "?"
              }`
            ).join(", ")
          }; ` +
          "with 2 workers busy a quiet machine shows about 2): absolute figures move a lot between runs; ratios less.",
        "",
        "#### Support",
        "",
        `Each peer was tried on every runtime; a cell says \`not supported\` with the error when the pool failed to start or to answer its first task.`,
        "",
        `| runtime | ${ALL.map((id) => WS_NAMES[id]).join(" | ")} |`,
        `| --- | ${ALL.map(() => ":---:").join(" | ")} |`,
      );
      for (const { c, label } of rows) {
        out.push(
          `| ${label} | ${
            ALL.map((id) => {
              const info = c.contenders?.[id];
              if (info === undefined) return "–";
              return info.supported
                ? `✓ (idle: ${((info.idleCpu ?? NaN) * 100).toFixed(1)} % CPU)`
                : `not supported: ${info.problem}`;
            }).join(" | ")
          } |`,
        );
      }
      out.push(
        "",
        "*Idle*: the process's CPU use over 300 ms after the contender started and answered its first task, every pool " +
          "started so far idle (a pool that spins while idle would tax the others).",
        "",
      );
    }
    if (first !== undefined && rows.some((r) => r.c.tiny)) {
      out.push(
        `#### 1. Tiny tasks: ${
          firstConfig?.tiny?.tasks?.toLocaleString("en-US") ?? "200,000"
        } × \`add(i, 1)\`, all submitted, then all awaited`,
        "",
        "Tasks per second (median run). Pools: `Promise.all` of their promises; Spindle: its join handles awaited in order.",
        "",
        chart("tiny", {
          title: "@spindle/workstealing: tiny tasks per second",
          subtitle: `${
            firstConfig?.tiny?.tasks?.toLocaleString("en-US") ?? "200,000"
          } × add(i, 1), all submitted, then all awaited; median run; higher is better`,
          categories: rows.filter((x) => x.c.tiny).map((x) => x.label),
          series: (["spindle", ...WS_PEERS] as const).map((id) => ({
            name: WS_NAMES[id],
            values: rows.flatMap(({ c }) => (c.tiny ? [wsBar(c, id, "tiny", c.tiny.results[id]?.tasksPerSec)] : [])),
          })),
          format: fmtRateWs,
          formatTick: fmtCountTick,
          scale: "log",
        }),
        "",
        `| runtime | Spindle | ${WS_PEERS.join(" | ")} | ${WS_PEERS.map((p) => `Spindle / ${p}`).join(" | ")} |`,
        `| --- | ---: | ${WS_PEERS.map(() => "---:").join(" | ")} | ${WS_PEERS.map(() => "---:").join(" | ")} |`,
      );
      for (const { leg, c, label } of rows) {
        const t = c.tiny;
        if (t == null) continue;
        const rate = (id: ContenderId): string => {
          const r = t.results[id];
          return wsCell(
            c,
            id,
            "tiny",
            r
              ? `${fmtRateWs(r.tasksPerSec)}${
                r.ms.length < leg.result.measuredRuns ? ` (${r.ms.length} run${r.ms.length === 1 ? "" : "s"})` : ""
              }`
              : undefined,
          );
        };
        out.push(
          `| ${label} | ${rate("spindle")} | ${WS_PEERS.map(rate).join(" | ")} | ${
            WS_PEERS.map((p) => fmtRatio(t.ratios[p])).join(" | ")
          } |`,
        );
      }
      out.push("");
    }
    if (first !== undefined && rows.some((r) => r.c.uniform)) {
      out.push(
        `#### 2. ${
          firstConfig?.uniform?.tasks?.toLocaleString("en-US") ?? "20,000"
        } tasks of ${first.spinUs} µs against bare threads`,
        "",
        "Wall time (median run), and in brackets: the mean time one task's loop took in the worker that ran it; the " +
          "V8 tier of the loop's function there (share of tasks by the tier last sampled in their thread; not reported on " +
          "Bun); and how many CPUs the process kept busy (its CPU time ÷ wall time, all threads: 2 workers that never " +
          "wait give 2, less means waiting, or other processes holding the vCPUs). The bare threads are `node:worker_threads` workers that get their half of the tasks in one message and " +
          "call the same function in a plain loop. Ratios: wall time over the bare threads' in the same round.",
        "",
        `| runtime | Spindle | ${WS_PEERS.join(" | ")} | bare threads | Spindle / bare | ${
          WS_PEERS.map((p) => `${p} / bare`).join(" | ")
        } |`,
        `| --- | --- | ${WS_PEERS.map(() => "---").join(" | ")} | --- | ---: | ${
          WS_PEERS.map(() => "---:").join(" | ")
        } |`,
      );
      for (const { c, label } of rows) {
        const u = c.uniform;
        if (u == null) continue;
        const cell = (id: ContenderId): string => {
          const r = u.results[id];
          return wsCell(
            c,
            id,
            "uniform",
            r
              ? `${fmtMsWs(r.medianMs)} (${r.workerUsPerTask.toFixed(1)} µs; ${tierText(r.tiers)}; ${
                r.processCpus?.toFixed(2) ?? "–"
              } CPUs)`
              : undefined,
          );
        };
        out.push(
          `| ${label} | ${cell("spindle")} | ${WS_PEERS.map(cell).join(" | ")} | ${cell("bare")} | ${
            fmtRatio(u.vsBare.spindle)
          } | ${WS_PEERS.map((p) => fmtRatio(u.vsBare[p])).join(" | ")} |`,
        );
      }
      out.push("");
    }
    const skewedConfig = rows.find((r) => r.c.skewed)?.c;
    if (first !== undefined && skewedConfig?.skewed != null) {
      const sk = skewedConfig.skewed;
      out.push(
        `#### 3. Skewed: ${sk.heavy} tasks of ${((sk.heavyFactor * first.spinUs) / 1000).toFixed(0)} ms and ${
          (sk.tasks - sk.heavy).toLocaleString("en-US")
        } of ${first.spinUs} µs`,
        "",
        "Wall time ÷ ideal, ideal = the tasks' nominal work ÷ workers (" +
          `${
            sk.idealMs.toFixed(1)
          } ms with ${skewedConfig.workers} workers). Orders: *heavy first* (the ${sk.heavy} heavy tasks ` +
          `submitted first, together) and *spread* (one heavy task every ${sk.tasks / sk.heavy}). In brackets after ` +
          "Spindle's: its wall time ÷ the work as its workers actually ran it (summed in-worker task time ÷ workers), " +
          "which leaves out a slower JIT tier or a descheduled thread.",
        "",
        `| runtime | order | Spindle ÷ ideal | ${WS_PEERS.map((p) => `${p} ÷ ideal`).join(" | ")} |`,
        `| --- | --- | ---: | ${WS_PEERS.map(() => "---:").join(" | ")} |`,
      );
      for (const { c, label } of rows) {
        if (c.skewed == null) continue;
        for (const order of ["heavy-first", "spread"] as const) {
          const rs = c.skewed.orders[order] ?? {};
          const sp = rs.spindle;
          const spCell = wsCell(
            c,
            "spindle",
            `skewed-${order}`,
            sp
              ? `${fmtRatio(sp.vsIdeal)} [${sp.vsWorkerIdeal?.median?.toFixed(2) ?? "–"}× of in-worker ideal]`
              : undefined,
          );
          out.push(
            `| ${label} | ${order.replace("-", " ")} | ${spCell} | ${
              WS_PEERS.map((p) => wsCell(c, p, `skewed-${order}`, rs[p] ? fmtRatio(rs[p]?.vsIdeal) : undefined)).join(
                " | ",
              )
            } |`,
          );
        }
      }
      out.push("");
    }
    const fibConfig = rows.find((r) => r.c.fib)?.c;
    if (fibConfig?.fib != null) {
      const f = fibConfig.fib;
      out.push(
        `#### 4. Fork/join: fib(${f.n}) with a sequential cut-off at ${f.cutoff}`,
        "",
        "Spindle only (the pools cannot spawn from inside a task): job `fib` spawns `fib(n - 1)` as a child job " +
          "(stealable) and computes `fib(n - 2)` inline, then joins the child; at or below the cut-off it recurses " +
          "plainly. Against `fibSequential` on the main thread; speed-up = sequential ÷ Spindle, per round. The runs " +
          `are short, so this part has its own rounds: ${
            f.warmupRuns ?? "?"
          } warm-up runs (the fork/join path is cold in ` +
          `the workers until then), then ${f.spindleMs.length} measured rounds. *CPUs busy*: the process's CPU time ÷ wall ` +
          "time during the run, median over rounds (2 when both workers worked throughout). *Bare threads*: in each " +
          "round the two bare threads also compute the same leaves (every `fib(k)` at or below the cut-off), sharing " +
          "them out through one atomic counter with no scheduler at all: their speed-up is what the two vCPUs gave in " +
          "parallel in that round (this machine's sometimes run two threads at little more than the speed of one), " +
          "and Spindle ÷ bare is the scheduler's own cost.",
        "",
        chart("fib", {
          title: `@spindle/workstealing: fork/join speed-up, fib(${f.n})`,
          subtitle: "Sequential time on the main thread ÷ Spindle's, median per-round ratio; higher is better",
          categories: rows.filter((x) => x.c.fib).map((x) => x.label),
          series: [{
            name: "Spindle",
            values: rows.flatMap(({ c }) => (c.fib ? [wsBar(c, "spindle", "fib", c.fib.speedup?.median)] : [])),
          }, {
            name: "bare threads (no scheduler)",
            values: rows.flatMap(({ c }) => (c.fib ? [wsBar(c, "bare", "fib", c.fib.bareSpeedup?.median)] : [])),
          }],
          format: fmtTimes,
          formatTick: fmtTimesTick,
          scale: "auto",
        }),
        "",
        "| runtime | sequential (main thread) | Spindle | speed-up | CPUs busy: sequential / Spindle | bare threads | bare speed-up | Spindle ÷ bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      );
      for (const { c, label } of rows) {
        if (c.fib == null) continue;
        out.push(
          `| ${label} | ${fmtMsWs(c.fib.medianSequentialMs)} | ${
            wsCell(c, "spindle", "fib", fmtMsWs(c.fib.medianSpindleMs ?? undefined))
          } | ${fmtRatio(c.fib.speedup)} | ` +
            `${c.fib.sequentialCpus?.toFixed(2) ?? "–"} / ${c.fib.spindleCpus?.toFixed(2) ?? "–"} | ` +
            `${wsCell(c, "bare", "fib", fmtMsWs(c.fib.medianBareMs ?? undefined))} | ${fmtRatio(c.fib.bareSpeedup)} | ${
              fmtRatio(c.fib.vsBare)
            } |`,
        );
      }
      out.push("");
    }
    const rttConfig = rows.find((r) => r.c.rtt)?.c;
    if (rttConfig?.rtt != null) {
      const rt = rttConfig.rtt;
      out.push(
        "#### 5. Round trips of one tiny task",
        "",
        `${
          rt.roundTrips.toLocaleString("en-US")
        } sequential round trips per run (submit \`add(1, 2)\`, await it, repeat; the ` +
          `first ${
            (rt.roundTrips - rt.recorded).toLocaleString("en-US")
          } not recorded), each timed with \`performance.now()\`. ` +
          "p50 / p99 in µs over every recorded round trip; the ratio is Spindle's p50 over the peer's, per round.",
        "",
        `| runtime | Spindle | ${WS_PEERS.join(" | ")} | ${WS_PEERS.map((p) => `Spindle / ${p} p50`).join(" | ")} |`,
        `| --- | ---: | ${WS_PEERS.map(() => "---:").join(" | ")} | ${WS_PEERS.map(() => "---:").join(" | ")} |`,
      );
      for (const { c, label } of rows) {
        const r = c.rtt;
        if (r == null) continue;
        const cell = (id: ContenderId): string => {
          const x = r.results[id];
          return wsCell(c, id, "rtt", x ? `${x.p50.toFixed(1)} / ${x.p99.toFixed(1)}` : undefined);
        };
        out.push(
          `| ${label} | ${cell("spindle")} | ${WS_PEERS.map(cell).join(" | ")} | ${
            WS_PEERS.map((p) => fmtRatio(r.p50Ratios[p])).join(" | ")
          } |`,
        );
      }
      out.push("");
    }
    out.push(...renderDataParallel(passLegs(allLegs, "map"), passLegs(allLegs, "metrics"), chart));
    out.push(
      "#### Goals",
      "",
      "From the issues, judged on the median per-round ratio: (1) tiny tasks/s **≥ 10× piscina**; (2) 50 µs tasks " +
        "**≤ 1.1× the bare threads'** wall time; (3) skewed **≤ 1.1× ideal** in both orders; (4) fork/join " +
        `(issue 23): Spindle's median speed-up **≥ ${FIB_GOAL_OF_BARE}× the bare threads'** in the same run, and ` +
        `its slow rounds (speed-up < ${FIB_SLOW_ROUND}×) **no more frequent than theirs**; (5) round-trip ` +
        "**p50 ≤ 0.5× piscina's**.",
      "",
      `| runtime | 1. ≥ 10× piscina | 2. ≤ 1.1× bare | 3. ≤ 1.1× ideal, heavy first | 3. ≤ 1.1× ideal, spread | 4. speed-up ≥ ${FIB_GOAL_OF_BARE}× bare's | 4. slow rounds ≤ bare's | 5. p50 ≤ 0.5× piscina |`,
      "| --- | :---: | :---: | :---: | :---: | :---: | :---: | :---: |",
    );
    for (const { c, label } of rows) {
      const goal = (r: { median: number } | null | undefined, ok: (x: number) => boolean): string =>
        r == null ? "–" : `${check(ok(r.median))} ${r.median.toFixed(2)}×`;
      const f = c.fib;
      const fibSpeed = f?.speedup == null || f.bareSpeedup == null
        ? "–"
        : `${check(f.speedup.median >= FIB_GOAL_OF_BARE * f.bareSpeedup.median)} ${
          f.speedup.median.toFixed(2)
        }× against ${f.bareSpeedup.median.toFixed(2)}× (${(f.speedup.median / f.bareSpeedup.median).toFixed(2)})`;
      const slow = (ms: number[]): number => ms.filter((x, i) => f!.sequentialMs[i]! / x < FIB_SLOW_ROUND).length;
      const fibSlow = f == null || f.spindleMs.length === 0 || f.bareMs.length === 0
        ? "–"
        : `${check(slow(f.spindleMs) <= slow(f.bareMs))} ${slow(f.spindleMs)} against ${
          slow(f.bareMs)
        } of ${f.spindleMs.length}`;
      out.push(
        `| ${label} | ${goal(c.tiny?.ratios?.piscina, (x) => x >= 10)} | ${
          goal(c.uniform?.vsBare?.spindle, (x) => x <= 1.1)
        } | ` +
          `${goal(c.skewed?.orders?.["heavy-first"]?.spindle?.vsIdeal, (x) => x <= 1.1)} | ${
            goal(c.skewed?.orders?.spread?.spindle?.vsIdeal, (x) => x <= 1.1)
          } | ` +
          `${fibSpeed} | ${fibSlow} | ${goal(c.rtt?.p50Ratios?.piscina, (x) => x <= 0.5)} |`,
      );
    }
    out.push(...renderDataParallelGoals(passLegs(allLegs, "map"), passLegs(allLegs, "metrics")));
    out.push("", ...WORKSTEALING_FINDINGS);
    return out.join("\n");
  },
};

/**
 * What the work-stealing numbers come from, found while writing the benchmark; kept beside the
 * renderer because the tables do not explain themselves.
 */
const WORKSTEALING_FINDINGS: string[] = [
  "#### What the numbers come from",
  "",
  "Found while writing this benchmark, on this machine, with scratch probes beside it; figures from development runs, " +
  "so only their size matters.",
  "",
  "- **The pools pay a message round trip per task.** piscina and tinypool keep one task in flight per worker by " +
  "default (`concurrentTasksPerWorker: 1`); poolifier (task queue off by default) posts each task to a worker when " +
  "it is submitted. That caps piscina and tinypool at 20–40k tiny tasks/s with 2 workers, and with 50 µs tasks " +
  "their workers wait for the next task between tasks (the process keeps ~1.5 CPUs busy, not 2) while the main " +
  "thread's message handling competes with them for the 2 vCPUs (the pools' loop took 58–78 µs per task in their " +
  "workers, Spindle's and the bare threads' 52–54 µs).",
  "- **Tiny tasks: the warm-up is two full-size runs.** Until 2026-12-05 it was one run of 20,000 tasks. " +
  "Spindle's first two 200,000-task runs in a process were 25–40 % slower than its later ones (Node 24, a " +
  "probe: 0.17–0.20M/s and 0.20–0.22M/s, then 0.25–0.35M/s), also after ten 20,000-task runs, so it is " +
  "the size of a run that matters (most likely the engine's heap growing to 200,000 live handles). The pools' time budget " +
  "leaves most of them two measured rounds, so the ratio came from Spindle's cold runs (on 2026-12-05, " +
  "Node: 7.46× piscina, the measured rounds at 0.25 and 0.28M/s and a third at 0.33M/s). piscina's rate " +
  "did not move between its warm-up and its measured runs. With the two full-size warm-ups, the run above " +
  "still gave 8.13× on Node: Spindle ran 0.24–0.31M/s, against 0.43M/s on 2026-11-29 with the same code, on " +
  "a day when its fork/join was slower too (piscina: 0.027–0.039M/s, against 0.034M/s).",
  "- **tinypool slows down as its queue grows**: its task queue is an array drained with `shift()`, which on V8 " +
  "costs time in proportion to what is queued (a scratch loop: ~1 µs per `shift` with 20,000 objects queued, " +
  "~15 µs with 200,000), so its 200,000-task runs are 2–3× slower per task than 20,000-task runs. " +
  "piscina's default queue (`FixedQueue`) does not do this.",
  "- **poolifier places tasks when they are submitted**, on the least used worker, and does not move them: with the " +
  "heavy tasks spread through the list one worker ends up with most of them (the process keeps ~1.2 CPUs busy) " +
  "and the run takes about 2× ideal.",
  "- **Skew: Spindle's remaining gap is mostly the work itself.** Its wall time ÷ the work as its workers ran it " +
  "(in brackets in table 3) was 1.03–1.07 on every runtime in development runs; against the nominal work it is " +
  "1.06–1.16, because the loop ran a few per cent slower in the workers than calibrated on the main thread (and " +
  "more so when the two vCPUs ran two threads at less than twice the speed of one).",
  "- **Fork/join: the two cores are not always there, and Spindle's slow rounds are two workers on one vCPU.** In " +
  "some stretches of a session, two plain threads each computing fib(31) at once took 1.6–2.0× as long as one " +
  "alone, in others 1.0×; so a speed-up over the main thread alone says as much about the host as about the " +
  "scheduler, and table 4 gives the bare threads' speed-up on the same leaves, per round, beside Spindle's. " +
  "Spindle's rounds are bimodal (on Node about 12.5–13.5 ms or 16–25 ms), and a probe that sampled the vCPU each " +
  "leaf ran on (`/proc/thread-self/stat`) showed why: in every slow run, one worker ran 50–200 leaves (3–5 ms) " +
  "on the other worker's vCPU while the second vCPU sat idle, until the kernel moved it; each worker's leaves " +
  "then added up to 15–19 ms instead of 11. In fast runs each worker kept a vCPU of its own. Slow runs were " +
  "more frequent after idle gaps like this benchmark's (35 ms between runs: median 14.2 ms, back to back 13.2). " +
  "A scheduler trace (ftrace `sched_switch`, `sched_wakeup` and `sched_migrate_task`, rounds shaped like " +
  "this benchmark's) shows how it happens. This guest's kernel is booted with `sched_vcpu_pack=15`, a " +
  "vCPU-packing option that mainline Linux does not have. A woken thread whose previous vCPU was its waker's " +
  "stayed there although the other vCPU was idle; the two then took turns in 4 ms slices until the idle " +
  "vCPU's load balancer pulled one over, 1–13 ms later. In Spindle, the main thread wakes one worker, which " +
  "wakes the second 0.3 ms later, as soon as a child can be stolen. Every packed round in the trace was one " +
  "where the second worker had last run on the vCPU the first now ran on. The bare threads are packed the " +
  "same way: in 60 rounds, 16 of theirs and 12 of Spindle's. Wake-ups are also where single runs lose milliseconds: waking a " +
  "thread whose vCPU is idle took 12–35 µs at p50 and 2–5 ms at p99 in a probe (200 wakes, 2 ms apart; Node, " +
  "Deno and Bun, with `Atomics.wait` and `Atomics.waitAsync` alike), and a fork/join run has a wake per " +
  "cross-worker join on its last path. How many rounds are slow decides the median: over seven runs of this " +
  "section on 2026-11-29 (with the changes below landing between some of them), Spindle's median speed-up " +
  "ranged 1.28–1.73× on Node, 1.25–1.68× on Deno and 1.21–1.56× on Bun, the bare threads' 1.63–1.95×. " +
  "Those runs measured 9 rounds each; this part now measures 30, so that one run's median says more.",
  "- **Fork/join: where the rest goes.** In fast runs (Node 24, fib(32), medians of 40 back-to-back runs): the " +
  "first leaf starts 0.1 ms after the spawn; the leaves add up to 22.4–22.6 ms over both workers (22.2 ms " +
  "sequential); each worker spends 0.6 ms outside leaves between its first and last one, mostly spawning and " +
  "joining children (a child that nobody stole is taken back by its joiner and run inside it, rayon's `join`: " +
  "no task, no wake-up, no result copy) and 0.1–0.2 ms waiting for work to steal; from " +
  "the last leaf to the result on the main thread takes 0.3–0.5 ms, as the joins unwind across the workers that " +
  "stole from each other (about ten levels, most of them crossing to the other worker). The first 8–10 runs in " +
  "a fresh runtime are up to 2× slower (the spawn-from-a-job path is cold in the workers), hence this part's " +
  "longer warm-up. In rounds shaped like this benchmark's (the main thread busy 22 ms, then 12 ms idle, " +
  "before each fork/join; Node 24, medians of 40), the costs are larger. The first leaf starts 0.41 ms after " +
  "the spawn: both workers had been idle for over 10 ms, so each wakes through its event loop. The leaves add " +
  "up to 23.7 ms, since two busy vCPUs run a few per cent slower each. Each worker spends 0.74 ms outside its " +
  "leaves, and the unwinding takes 0.66 ms. So Spindle's rounds that the kernel did not pack are not at 1.8× " +
  "either. In the 60-round trace above, rounds where each worker kept one vCPU had a median of 1.66× for " +
  "Spindle and 1.91× for the bare threads, which pay none of these costs but the first wake-up. In 40 " +
  "interleaved rounds of a probe (sequential, Spindle, bare threads, one after another), the leaves added up " +
  "to the same 22.4–22.5 ms in both; in the 21 rounds where neither was slowed by packing, Spindle took " +
  "12.63 ms (1.75×) and the bare threads 11.52 ms (1.92×). So Spindle's own cost is about 1.1 ms per round. " +
  "Spawning and joining a child in place cost 1.42 µs on Node 24, 1.10 on Deno and 0.75 on " +
  "Bun (a fork/join with a trivial leaf on one worker, medians of 12 runs); it now costs 1.0–1.15, 0.86 and " +
  "0.61 µs: a child taken back runs with the arguments it was spawned with when all are primitives (the codec " +
  "keeps primitives exactly, and they cannot change), instead of decoding its record's copy, and `jobs.spawn` " +
  "no longer builds its error label on every call.",
  "- **Fork/join on 2026-12-05: the workers are off their vCPUs, not busy with the scheduler.** On this day, " +
  "with the code of 2026-11-29, two runs of this section gave Spindle 1.63× and 1.49× on Node, 1.56× and " +
  "1.17× on Deno, 1.33× and 1.25× on Bun (the bare threads 1.79–1.91×), and this part alone " +
  "(`--only fib --contenders spindle,bare`) 1.31× on Node and 1.13× on Bun; the run of 2026-11-29 gave " +
  "1.66×, 1.48× and 1.46×. A probe timed each worker's thread CPU (`process.threadCpuUsage`, Node 24, 20 rounds of " +
  "fib(32), 17–18 ms sequential). From its first job to its last leaf, each worker used 7.2–11.8 ms of CPU, " +
  "about its half of the leaves, over 9.1–16.8 ms of wall time. In slow rounds its leaves took up to 4 ms " +
  "longer than the CPU it used: the thread was runnable but not running. The same probe placed the lost time " +
  "(60 rounds each, Node / Deno / Bun): " +
  "the second worker's first job started more than 1.5 ms after the spawn in 39 / 18 / 20 of 60 rounds (the " +
  "bare threads' second start: 0.3–0.8 ms at the median). A log of the joins after the last leaf showed " +
  "1–8 crossings between the workers, mostly 0.03–0.15 ms apart. In 7 / 2 / 14 rounds one crossing took " +
  "more than 1 ms (up to 4.5): that is a wake-up of the other worker. Both are wake-ups from a busy worker to a parked one. " +
  "Under this kernel's vCPU packing, such a wake-up can leave the woken worker queued on the waker's vCPU, " +
  "until the idle vCPU's load balancer pulls it over. The bare threads are woken only by the main " +
  "thread, which then goes idle, and never wait for each other. The issue's rule that new work wakes at most " +
  "one parked worker means Spindle's first worker wakes the second. As an experiment outside that rule, the " +
  "main thread woke both workers at the spawn. On Node the late second starts fell from 28–42 to 18–19 of " +
  "60 rounds and the median rose from 1.30 / 1.20× to 1.44 / 1.37×. On Bun the median went from 1.14 / 1.08× " +
  "to 1.20 / 1.13× (40 rounds each). Tried and not adopted: spinning up to 2 ms instead of " +
  "0.1 ms while jobs of the worker wait, so that the joins would not need a wake-up. The unwinding's median " +
  "rose from 0.65–0.75 to 1.1 ms and the late second starts from 22–26 to 37–46 of 60, because a spinning worker can hold the " +
  "vCPU that a worker packed with it needs.",
  "- **Fork/join: a woken joiner no longer waits out the search.** A machine drained its wake table at the start " +
  "of each poll, but when it then had no job of its own it searched the other workers for 0.1 ms (spinning) " +
  "before the executor could run the job it had just woken: every level of the unwinding that crossed workers " +
  "paid that. Woken jobs now run first, and a search stops when a wake arrives. In 50 interleaved runs each " +
  "(Node 24), fork/join took 12.4–12.8 ms (median) against 12.9–13.2 ms before, and the unwinding to the main " +
  "thread 0.32–0.36 ms against 0.43–0.46 ms; Deno and Bun did not move beyond their noise. The benchmark's " +
  "medians did not show it, being decided by the slow rounds above. Tried and not adopted: spinning 0.1–0.3 ms " +
  "on the wake table while jobs of the worker wait on other workers (the unwinding shortened to 0.2 ms, the " +
  "wall time did not move beyond noise, and it burns a vCPU the other worker or the main thread may need); " +
  "earlier, blocking on the wake table instead of parking without blocking (Bun 2–20 % faster in a probe, Node " +
  "and Deno no faster or up to 12 % slower, the benchmark unmoved).",
  "- **`runtime.map` over numbers: the per-item decoding was the cost.** At first every chunk crossed as an array " +
  "of numbers through the codec, which writes a tag per item and reads each back with a `DataView`: a Node 24 " +
  "profile of 1,000,000 items in chunks of 10,000 spent most of its samples in the decoder, on the main thread " +
  "(the results) and in the workers (the items), and the map took 160–190 ms per run in a probe (load 3.5); in " +
  "this part it was 1.80× the bare threads' time (1.32–2.13) and 0.54× piscina's speed (load 2.5–3.1). Now a " +
  "chunk of numbers only, and a chunk's results when all are numbers, cross as one `Float64Array` (one copy of " +
  "the bytes each way; each number keeps its exact value): 34–45 ms per run in the same probe (load 7). The " +
  "bare threads here send plain arrays by structured clone, as a hand-written pool would; threads that packed " +
  "their chunks the same way would be faster. On Bun, piscina's structured clone of a chunk is fast: in the " +
  "same rounds piscina took 57–128 ms and Spindle 55–157 ms (load 10), and a main-thread profile of 10 maps " +
  "in a probe (Spindle alone: 26–45 ms per map once warm) gave per map about 4 ms packing, 9 ms unpacking into " +
  "the result array and 20 ms copying typed arrays into and out of the shared heap, so 5× piscina (15–20 ms) " +
  "is out of reach there. The Bun map needs 3–5 runs to settle (176, 88, 82, 57 ms... then 41–51), hence this " +
  "pass's 3 warm-up rounds.",
  "- **`runtime.map`: fresh memory per chunk, not the copies themselves, was the cost left (2026-12-06).** " +
  "Copying 100 chunks of 80 KB into or out of a growable SharedArrayBuffer took 0.1–1.2 ms per map in a scratch " +
  "loop on every runtime, far less than a profile charged to the copies; on Node 24 filling a fresh " +
  "1,000,000-item array took 24–50 ms at load 3 (a 10,000-item array refilled 100 times: 0.4 ms), and 20 maps " +
  "added 53,000 minor page faults to a process (about 2,660 per map, 25 ms of system time). So the runtime's " +
  "thread now packs every chunk in one reused `Float64Array`, a worker writes a synchronous chunk's numbers " +
  "straight into a buffer it reuses, and each chunk's results go into their place in the result as the chunk " +
  "settles, while the workers run the others. Same-run A/B of the source before and after (one process, " +
  "alternating, 30 maps of 1,000,000 numbers in chunks of 10,000, load 7–11): the in-place results 0.86× wall " +
  "time on Node (main-thread CPU 48 → 35 ms per map), 0.96× on Bun; the reused buffers 0.59× and 0.64× on Bun " +
  "(main-thread CPU 69 → 39 and 98 → 63 ms), no change beyond noise on Node (1.09×, 1.19×, 0.88×) and Deno " +
  "(1.08×). What is left on the main thread is the result array itself and the decoder's copy of each chunk's " +
  "results out of the heap (a fresh array per chunk); reading them in place would need the codec to lend a view " +
  "of a message's bytes.",
  "- **`runtime.map`: lent chunks and a result array V8 does not allocate twice (2026-12-07).** A Node 24 " +
  "profile of 30 maps (1,000,000 numbers, chunks of 10,000) put 14–20 % of each worker's samples in the " +
  "decoder copying its chunk's 80 KB out of the heap into fresh memory, and on the main thread `new " +
  "Array(1,000,000)` and the stores into it about as much each: V8 gives that array small-integer elements, " +
  "and the first number read from a chunk's `Float64Array` made it allocate and convert the whole array again " +
  "(a micro: 51–66 ms to allocate and fill, 26–30 ms for an array grown from one double). Now the encoder pads " +
  "a typed array's bytes to a multiple of their element size, a chunk of numbers is its record's whole " +
  "payload, which its worker reads in place and the runtime's thread reads back lent (`decodeValue`'s `lend`), " +
  "and on V8 a map whose first chunk comes back as numbers gets a double array from the start (Bun keeps `new " +
  "Array(n)`: the grown array took its main thread 119 ms per map against 25). Alternating builds of this pass " +
  "(`--only map`, 5 rounds each, load 7–15), Spindle ÷ bare before → after: Node 0.35, 0.39, 0.70 → 0.28, " +
  "0.22, 0.21 (lent chunks) and 0.46, 0.35 → 0.26, 0.16 (with the double array); piscina ÷ Spindle 2.64, 3.44, " +
  "3.84 → 4.19, 6.41, 7.99 and 4.59, 5.01 → 5.58, 10.47. Bun: Spindle ÷ bare 0.37, 0.41, 0.27 → 0.16, 0.15, " +
  "0.17 and 0.38, 0.43 → 0.12, 0.22; piscina ÷ Spindle 1.18, 1.23, 1.28 → 1.95, 2.64, 1.49 and 0.55, 0.85 → " +
  "3.63, 1.32. Deno (load 10–15): 0.17 → 0.12, piscina ÷ Spindle 3.92 → 5.37. What is left on Bun is the " +
  "result array's fresh memory: its main thread spent 25 ms of CPU per map in that loop, 6 ms when a probe " +
  "handed every map the same array, so 5× piscina there needs less than the allocation alone costs on this " +
  "machine.",
  "- **The 64 MiB sum is short (8–30 ms), so wake-ups and the load decide its ratio.** Each contender's run is " +
  "two jobs (tasks) on workers that went idle during the other contenders' runs; the ranges in the table (e.g. " +
  "Bun, `runtime.alloc`: 0.47–6.34× in one run at load 11, 0.68–3.41× in the next) are the wake-ups of parked " +
  "threads on a loaded machine. Sending the `Float64Array` over a SharedArrayBuffer with every message to " +
  "`node:worker_threads` threads took Deno 4–6 s per message, so the bare threads get it once, as workerData " +
  "(as Spindle's `workerData` run). Where Spindle's run differs from the bare threads' (Node 24 and Bun, " +
  "2026-12-06, probes timing each half in its thread, load 3–12): the loop itself is as fast over a " +
  "`runtime.alloc` buffer (a growable SharedArrayBuffer) as over a plain one (best of 60: 3.02 against 2.90 ms " +
  "on Node, 3.23 against 3.21 on Bun). The two jobs used to be woken one by the other: the runtime's thread " +
  "woke one worker, and that worker, busy with the first half, woke the second, a wake that this kernel may " +
  "leave queued on the waker's vCPU; the bare threads are both woken by the main thread, which then goes idle. " +
  "Now the runtime's thread wakes a worker per job waiting in the injector; alternating runs of this pass " +
  "with the old and the new rule at load 6–10 gave `runtime.alloc` ÷ bare medians of 1.57× and 1.69× on " +
  "Node 24 (6 runs each), 1.47× and 1.51× on Bun (3 each), single runs anywhere from 0.39× to 2.49×: at " +
  "that load the machine decides this ratio, not the rule. The wake-to-start path is about " +
  "0.1–0.2 ms longer than a bare thread's (Node 24, one tiny job: its first line ran 0.16 ms after `spawn` " +
  "returned against 0.08 ms for a bare thread's message when the worker had idled 2 ms, 0.28 against 0.11 ms " +
  "after 30 ms; of Spindle's, 0.04–0.18 ms is the futex or `waitAsync` wake, the rest the machine's first poll, " +
  "taking the job and decoding its arguments, 10–25 µs a step in code that runs a few times per round), and " +
  "the result's way back about 0.1 ms longer. On Bun the benchmark itself used to cost Spindle: its " +
  "four runs shared one runtime, so the workers' summing loop saw a plain ArrayBuffer, the growable " +
  "shared heap and a SharedArrayBuffer, and JavaScriptCore then compiled it about 1.38× slower over a " +
  "SharedArrayBuffer (best of 40: 3.19–3.20 ms against 2.31–2.33 ms when it only ever saw one kind; " +
  "over the growable buffer 2.61–2.63 ms), while each bare thread sees one kind. Since 2026-12-06 each " +
  "of Spindle's runs has a runtime of its own (a JIT's type feedback is per thread), as a user whose " +
  "jobs see one kind of buffer has. That also changes the idle gaps: a runtime's workers used to be " +
  "woken for a sum a few milliseconds after they had run another (blocking park, the fast wake-up), and " +
  "now they idle through the other contenders' runs, as the bare threads do (parked without blocking " +
  "after 10 ms; that wake-up runs through the event loop). Alternating the old and the new pass " +
  "(`--only sum`, 5 and 12 rounds, load 5–19 from other processes; the bare threads' median 3–20 ms " +
  "against 2.9 ms in the table) did not resolve the ~0.9 ms per run the loop should save on Bun: " +
  "`workerData` ÷ bare 6.66×, 2.42×, 1.17×, 0.80× (old) against 0.85×, 2.32×, 0.60×, 1.76× (new), " +
  "`runtime.alloc` ÷ bare 8.95×, 2.48×, 1.55×, 0.61× against 2.46×, 2.85×, 1.11×, 1.47×. On Node, where " +
  "the loop was not predicted to move, the new pass came out slower in every run: `workerData` 0.71×, " +
  "0.35×, 0.47×, 0.84× against 1.57×, 0.94×, 1.29×, 2.21×, `runtime.alloc` 1.06×, 0.52×, 1.16×, 0.98× " +
  "against 1.87×, 1.61×, 1.38×, 1.15×; this is the slower wake after a long idle, which the bare " +
  "threads pay too (the table above is from a run before the change).",
  "- **Where the sum's time goes (2026-12-07, Node 24, probes stamping each phase, load 7–17).** After 30 " +
  "ms idle, two `runtime.alloc` jobs against two bare threads, p25/p50 of 30–40 rounds: the runtime's " +
  "thread returns from both spawns after 0.14–0.22 ms (two `postMessage`s: 0.10–0.15), the first job's " +
  "first line runs at 0.41–0.54 ms (0.19–0.31), the second's at 1.6–4.1 / 2.5–11 ms (0.3–5.2 / 0.9–13, the " +
  "load's doing on both sides), the last result reaches the main thread 0.24–1.06 / 0.34–7 ms after its " +
  "job's end (0.10–0.31 / 0.14–5.5), and the main thread spends 0.43–0.54 ms of CPU per round (0.26–0.34). " +
  "A worker woken from its non-blocking park (after 10 ms idle) takes 30–80 µs from the wake to its loop's " +
  "poll, 30–80 µs more to take the job, and 50–100 µs to decode its arguments (code that runs once per " +
  "round). What set Spindle apart was page faults: 2–9 per round in the process against none for the bare " +
  "threads, and `perf record -e page-faults` put 8.5 per round on the workers' threads, nearly all in the " +
  "search spin after a job (`performance.now()` allocated a heap number twice per steal round, walking into " +
  "young-generation pages V8 had given back; a fault costs tens of microseconds on this guest kernel: `new " +
  "Array(1_000_000)` alone took 110–300 ms here). Reading the clock every 16 rounds took them to about 1 " +
  "per round; alternating runs of this pass (`--only sum`, 7 rounds, load 14–17) then gave `runtime.alloc` " +
  "÷ bare 0.69×, 1.18×, 0.29× against 2.13×, 1.77×, 1.58× before. What is left on the job's path is a few " +
  "allocations per job (the wake of the result's waiter builds two objects and an array) and code that runs " +
  "too rarely to be optimized.",
  "- **Metrics on, tiny jobs: not explained yet.** Two runtimes side by side, both with metrics off, gave 0.99× " +
  "and 1.03× (A/A, Node 24, load 9–10); with metrics on, two runs of this pass gave 1.54× and 1.16× on " +
  "Node, 1.23× and 1.30× on Deno, 1.08× and 1.45× on Bun (load 9–15). The metrics add three clock reads per job (`performance.now()` took 70–240 ns here under load) " +
  "and a few counter adds, which does not account for 40 %; a Node profile of the bench's main thread, the " +
  "bottleneck with tiny jobs, showed 13 % of its samples in the shared heap's lock (`OwnedMutex.lock`) that " +
  "the workers also take for payloads. They stay off by default.",
  "- **The peers' round trips depend on the machine's load.** Their p50 was 15–30 µs in development runs while other " +
  "processes kept both vCPUs busy, and mostly 60–175 µs on a quiet machine (piscina on Node: 24–73 µs from run to " +
  "run), where their workers park between tasks and " +
  "the vCPU goes idle (waking a thread whose vCPU went idle costs 45–60 µs here, RUNTIME-FACTS). So goal 5 is " +
  "easier on a quiet machine; the load averages above say how quiet this run was.",
  "- **Round trips under load (2026-12-06): the main thread sleeps between round trips, piscina's does " +
  "not.** At load 6–17 Spindle's p50 was 36–72 µs and piscina's mostly 20–35 µs (Node 24; piscina's own " +
  "p50 also swung to 100–121 µs in some runs at the same load). A probe stamping each leg (Node 24, " +
  "2,700 round trips, load 6–7) gave `spawn` → the job's first line 14–34 µs at p50 and the job's end → " +
  "the main thread resumed 30–65 µs, where the same two wakes between two bare threads " +
  "(`Atomics.notify` to a worker blocked in `Atomics.wait`, the answer through `Atomics.waitAsync` or " +
  "`postMessage`) took 9 and 14 µs for the whole round trip. `strace -f -c` over 3,000 round trips " +
  "counted 5,478 `epoll_pwait`, 2,706 `write` and 14,347 `futex` calls for Spindle against 636, 460 and " +
  "8,163 for piscina: Spindle's main thread goes back to its event loop after each `spawn` and is woken " +
  "by the result (`Atomics.waitAsync` resolves through a task posted to the event loop), while " +
  "piscina's handler of one result, after the caller's continuation has submitted the next task, reads " +
  "the next result with `receiveMessageOnPort` when the worker already answered, so a busy main thread " +
  "mostly never sleeps. The worker's 0.1 ms spin after a job costs something under load too (in the " +
  "probe, spin 0: 51–75 µs in all, against 72–138 µs with the spin; the result's leg 30–40 against " +
  "32–65 µs): a spinner holds a vCPU that the main thread needs, and a preempted spinner sees the next " +
  "job only when its turn comes. Tried and not adopted: a machine whose spin was descheduled (two looks " +
  "≥ 20 µs apart) searches without spinning for 20 ms. With both rules side by side in one process, " +
  "with piscina (blocks of 1,000 round trips, order rotated, Node 24, load 10–17, five runs), Spindle ÷ " +
  "piscina per block was 1.64, 0.56, 0.63, 1.52, 2.36 (always spin) against 1.73, 0.37, 0.50, 1.80, " +
  "2.22 (the new rule), within what two identical runtimes gave (2.03 against 1.77); on Bun 0.46 and " +
  "1.00 against 0.85 and 0.90; the benchmark's round trips with the two builds alternated (Node, load " +
  "5.5–9) 0.69×, 2.20×, 1.67× against 1.74×, 2.09×, 2.24×. What is left to try is on the main thread: " +
  "taking a settled result without waiting for the event loop (as piscina's `receiveMessageOnPort`), " +
  "e.g. checking the job's state once more before the `waitAsync` wake-up arrives, without spinning: in " +
  "a probe a main thread that spun up to 20 or 50 µs on the handle's state before awaiting it made the " +
  "round trip 3–6× slower (block p50s, Node 24: 157 and 185 µs against 54 and 44 µs awaiting at once, " +
  "piscina 20–24; Bun: 141 against 25; load 24–25), most likely because a worker woken by the main " +
  "thread is queued on the main thread's vCPU (the vCPU packing in the fork/join findings).",
  "- **Spindle's idle workers cost nothing.** An idle machine blocks in `Atomics.wait` for 10 ms (the fastest " +
  "wake-up when work comes soon), then parks with `Atomics.waitAsync`, so its event loop runs and it wakes only " +
  "for work. (A first version woke every 10 ms to give its event loop a turn: 35–40 ms of CPU per second per idle " +
  "worker.) The first job after a long idle pays the asynchronous wake-up, about 1 ms in a probe.",
  "- **Spindle's round trip: one worker spins, and nobody else wakes.** Until 2026-11-29 a worker that took " +
  "a job as the last searcher woke another worker in any case (tokio's rule), so with one job in flight the " +
  "second worker woke, found nothing, spun 0.1 ms and parked, once per job (2,038–2,158 parks per 2,000 round " +
  "trips on Node), and its spinning took the vCPU the main thread needed to wake up for the result. Its p50 " +
  "was 64–74 µs with only Spindle running (Node 24, a probe of 2,000 round trips) and 9–50 µs in this " +
  "benchmark, depending on how busy the other threads kept the vCPUs (Spindle ÷ piscina 0.45–0.69× on Node in " +
  "five runs of one day). Now the last searcher wakes another worker only when work is left in the injector or " +
  "a deque: the worker that ran the job spins for the next one, which the main thread mostly spawns within its " +
  "0.1 ms. The probe's p50 fell to 5–9 µs on Node (282–438 parks per 2,000), and p90 from 45–117 µs " +
  "to 4–34 µs on Deno and Bun; fork/join did not move beyond noise (60 interleaved runs each).",
  "- **No Maglev effect here**: on Node and Deno the loop's function was in TurboFan in every contender's workers " +
  "(it runs 20,000 times per run, and its loop is compiled on-stack), and its in-worker time was within a few " +
  "per cent of the main thread's calibration where nothing competed for the CPU.",
];
