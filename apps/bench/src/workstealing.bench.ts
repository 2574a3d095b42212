// @spindle/workstealing's Runtime against the worker pools piscina, tinypool and poolifier
// (`FixedThreadPool`), and against bare `node:worker_threads` threads, in the same process.
//
//   node_modules/node24/bin/node --allow-natives-syntax apps/bench/src/workstealing.bench.ts
//   node_modules/.bin/deno run -A --config scripts/bench/deno-dist.json --v8-flags=--allow-natives-syntax apps/bench/src/workstealing.bench.ts
//   node_modules/.bin/bun apps/bench/src/workstealing.bench.ts
//   (build first, `npx turbo run build`: benchmarks import the built packages, as npm users do)
//
// Options: --json <file> (write the results as JSON), --runs <n> (measured rounds, default 3),
// --warmup <n> (warm-up rounds, default 1; part 1: --tiny-warmup, default 2), --tasks <n> (tiny tasks per run, default 200,000),
// --spin-tasks <n> (50 µs tasks per run, default 20,000), --spin-us <µs> (default 50),
// --part-budget-s <s> (see PART_BUDGET_MS, default 10),
// --fib <n> (default 32), --cutoff <n> (default 20), --round-trips <n> (per run, default 2,000),
// --workers <n,n> (default 2 and the machine's core count when it has more), --contenders <ids>
// (spindle,piscina,tinypool,poolifier,bare; default all), --only <parts>
// (tiny,uniform,skewed,fib,rtt; default all).
//
// Method. Every contender runs WORKERS worker threads, started once per worker count and kept for
// all parts (each pool's idle CPU is measured after its start and reported: an idle pool that
// spins would tax the others). All contenders run the same functions (workstealing-peers/work.ts):
// the pools call them from a task file (piscina, tinypool) or a `ThreadWorker` (poolifier),
// Spindle from its job module (workstealing-jobs.ts), the bare threads in a plain loop.
// Calibration: on the main thread, `spin` (xorshift32 rounds) is warmed up, its ns per round
// measured in a tight loop (the fastest of 31 samples), and the round count for SPIN_US computed
// once; that count (and 400× it for the 20 ms tasks) goes to every contender. Every 50 µs task
// (`spinTask`) times its own spin in the thread that ran it and samples the V8 tier of `spin`
// there every 16th call, so the report says how fast, and in which tier, the loop ran in each
// contender's workers.
// Parts (each contender's task API used the idiomatic way: `pool.run(task, { name })` for piscina
// and tinypool, `pool.execute(data, name)` for poolifier, `rt.spawn(name, ...args)` for Spindle):
// 1. tiny: TASKS tasks `add(i, 1)`, all submitted, then all awaited (`Promise.all` of the
//    pools' promises; Spindle's join handles are awaited in order). Tasks per second.
//    TINY_WARMUP full-size warm-up rounds (see TINY_WARMUP).
// 2. uniform: SPIN_TASKS tasks of SPIN_US, submitted all then awaited; the bare threads get
//    SPIN_TASKS / WORKERS each in one message and loop. Wall time; ratio to the bare threads.
// 3. skewed: 20 tasks of 400 × SPIN_US (20 ms) and 1,980 of SPIN_US, in two orders: `heavy-first`
//    (the 20 heavy tasks submitted first, together) and `spread` (one heavy task every 100).
//    Wall time ÷ ideal, ideal = the tasks' nominal time (as calibrated) ÷ WORKERS; also
//    wall ÷ (the tasks' summed in-worker time ÷ WORKERS), which leaves out a slower JIT tier.
// 4. fib: `fibSequential(FIB)` on the main thread against Spindle's fork/join `fib(FIB, CUTOFF)`
//    (a job spawning child jobs; the pools cannot do this). Speed-up = sequential ÷ Spindle.
//    In each round the bare threads also compute the same leaves, shared out by one atomic
//    counter (no scheduler): their speed-up is what the cores gave in parallel in that round, as
//    this machine's two vCPUs sometimes run two threads at the speed of one.
//    FIB_WARMUP warm-up runs, FIB_ROUNDS_FACTOR × RUNS measured rounds (see FIB_WARMUP).
// 5. rtt: ROUND_TRIPS sequential round trips of one tiny task (submit, await, repeat), each timed
//    with performance.now(); the first 10 % of a run are not recorded. p50 and p99.
// Rounds: WARMUP rounds, then RUNS rounds running every contender once per part, order rotated per
// round, no forced garbage collection. Times are medians over rounds, round-trip
// percentiles pool every recorded round trip, and ratios are the median (and range) of per-round
// ratios. A contender that fails to start or to answer on this runtime is reported as
// `not supported: <error>`; one that fails later, as failed in that part.
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import process from "node:process";
import { Worker } from "node:worker_threads";
import { askThread, intOption, listOption, log, median, option, runtime } from "./harness.ts";
import type {
  Calibration,
  ConfigReport,
  SkewedReport,
  SpinSummary,
  WorkstealingResult,
} from "./workstealing.section.ts";
import { decodeSpin, fibSequential, spin, spinTask, spinTier, TIER_NAMES } from "./workstealing-peers/work.ts";

// ---------------------------------------------------------------------------------------------
// Options

const RUNS = Math.max(1, intOption("runs", 3));
const WARMUP = intOption("warmup", 1);
const TASKS = Math.max(1, intOption("tasks", 200_000));
const SPIN_TASKS = Math.max(1, intOption("spin-tasks", 20_000));
const SPIN_US = Math.max(1, intOption("spin-us", 50));
const FIB = intOption("fib", 32);
const CUTOFF = intOption("cutoff", 20);
/**
 * Fork/join runs are short (tens of ms), and the path they take in Spindle's workers (spawning
 * from a job, joining, stealing) is cold until then: in a probe the first 8–10 runs of fib(32)
 * took 1.5–2.5× longer than later ones. So this part warms up with FIB_WARMUP runs and measures
 * FIB_ROUNDS_FACTOR × RUNS rounds: many, because rounds here are bimodal (the kernel sometimes
 * runs both workers on one vCPU for milliseconds) and a median of 9 moved by 0.3× between runs.
 */
const FIB_WARMUP = intOption("fib-warmup", 10);
const FIB_ROUNDS_FACTOR = 10;
/**
 * Warm-up rounds of part 1, at full size. A contender's first two full-size runs in a process can
 * be slower than its later ones: Spindle's were 25–40 % slower on Node 24 in a probe, also after
 * ten 20,000-task runs, so it is the size of a run that matters (most likely the engine's heap
 * growing to 200,000 live handles). So this part warms up with two full-size runs of every
 * contender.
 */
const TINY_WARMUP = intOption("tiny-warmup", 2);
const ROUND_TRIPS = Math.max(10, intOption("round-trips", 2_000));
const JSON_PATH = option("json");
const CORES = availableParallelism();
const WORKER_COUNTS = (listOption("workers") ?? ["2", String(CORES)]).map(Number).filter((n, i, all) =>
  n >= 1 && all.indexOf(n) === i
);
const ALL_CONTENDERS = ["spindle", "piscina", "tinypool", "poolifier", "bare"] as const;
type ContenderId = (typeof ALL_CONTENDERS)[number];
const CONTENDERS = (listOption("contenders") ?? [...ALL_CONTENDERS]) as ContenderId[];
const ALL_PARTS = ["tiny", "uniform", "skewed", "fib", "rtt"] as const;
type Part = (typeof ALL_PARTS)[number];
const PARTS = (listOption("only") ?? [...ALL_PARTS]) as Part[];
for (const c of CONTENDERS) {
  if (!ALL_CONTENDERS.includes(c)) throw new Error(`--contenders: unknown ${c}; known: ${ALL_CONTENDERS.join(", ")}`);
}
for (const p of PARTS) {
  if (!ALL_PARTS.includes(p)) throw new Error(`--only: unknown part ${p}; known: ${ALL_PARTS.join(", ")}`);
}

/** Skewed part: this many heavy tasks of HEAVY_FACTOR × SPIN_US among SKEW_TASKS. */
const HEAVY_TASKS = 20;
const HEAVY_FACTOR = 400;
const SKEW_TASKS = 2_000;
/**
 * Time budget: a contender whose measured runs of one part have taken this long in all runs no
 * more rounds of that part (at least one always runs). A pool that queues 200,000 tiny tasks can
 * take half a minute per run here, and the whole benchmark should stay within minutes.
 */
const PART_BUDGET_MS = intOption("part-budget-s", 10) * 1000;
/** A contender that has not started, or not answered one run, within this long has failed. */
const START_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 60_000;

const peerFile = (name: string): URL => new URL(`./workstealing-peers/${name}`, import.meta.url);

// ---------------------------------------------------------------------------------------------
// Contenders

/** What each part asks of a contender; a part it does not offer is left out. */
interface Contender {
  id: ContenderId;
  /** `n` tiny tasks `add(i, 1)`, all submitted, then all awaited; their sum. */
  tiny?(n: number): Promise<number>;
  /** One `spinTask(iters)` per entry, all submitted, then all awaited; the results in order. */
  spinAll?(iters: number[]): Promise<number[]>;
  /** The bare threads' uniform run: `count` tasks of `iters`, split evenly, one message each. */
  bareUniform?(count: number, iters: number): Promise<{ ns: number; tiers: number[] }>;
  /** One tiny task, awaited. */
  once?(): Promise<number>;
  /** Fork/join `fib(n, cutoff)`. */
  fib?(n: number, cutoff: number): Promise<number>;
  /** The bare threads' fib run: the leaves of `fib(n, cutoff)` shared out by one atomic counter. */
  bareFib?(n: number, cutoff: number): Promise<number>;
  close(): Promise<void>;
}

const ADD_OPTS = { name: "add" } as const;
const SPIN_OPTS = { name: "spin" } as const;

/** piscina and tinypool share one API: `new Pool({ filename, minThreads, maxThreads })`, `run(task, { name })`. */
interface RunPool {
  run(task: unknown, options: { name: string }): Promise<number>;
  destroy(): Promise<void>;
}

function runPoolContender(id: "piscina" | "tinypool", pool: RunPool): Contender {
  return {
    id,
    async tiny(n) {
      const ps: Promise<number>[] = new Array(n);
      for (let i = 0; i < n; i++) ps[i] = pool.run({ a: i, b: 1 }, ADD_OPTS);
      return sum(await Promise.all(ps));
    },
    spinAll: (iters) => Promise.all(iters.map((it) => pool.run(it, SPIN_OPTS))),
    once: () => pool.run({ a: 1, b: 2 }, ADD_OPTS),
    close: () => pool.destroy(),
  };
}

async function startPiscina(workers: number): Promise<Contender> {
  const { Piscina } = await import("piscina");
  const pool = new Piscina({ filename: peerFile("pool-task.ts").href, minThreads: workers, maxThreads: workers });
  return runPoolContender("piscina", pool);
}

async function startTinypool(workers: number): Promise<Contender> {
  const { Tinypool } = await import("tinypool");
  const pool = new Tinypool({ filename: peerFile("pool-task.ts").href, minThreads: workers, maxThreads: workers });
  return runPoolContender("tinypool", pool);
}

async function startPoolifier(workers: number): Promise<Contender> {
  const { FixedThreadPool } = await import("poolifier");
  // poolifier takes a file path, not a URL.
  const pool = new FixedThreadPool<unknown, number>(
    workers,
    decodeURIComponent(peerFile("poolifier-worker.ts").pathname),
  );
  return {
    id: "poolifier",
    async tiny(n) {
      const ps: Promise<number>[] = new Array(n);
      for (let i = 0; i < n; i++) ps[i] = pool.execute({ a: i, b: 1 }, "add");
      return sum(await Promise.all(ps));
    },
    spinAll: (iters) => Promise.all(iters.map((it) => pool.execute(it, "spin"))),
    once: () => pool.execute({ a: 1, b: 2 }, "add"),
    close: () => pool.destroy(),
  };
}

async function startSpindle(workers: number): Promise<Contender> {
  const { Runtime } = await import("@spindle/workstealing");
  const rt = await Runtime.start<typeof import("./workstealing-jobs.ts").default>(
    new URL("./workstealing-jobs.ts", import.meta.url),
    {
      workers,
      // No extra machines: every contender runs exactly WORKERS threads (see the method above).
      maxExtraMachines: 0,
    },
  );
  return {
    id: "spindle",
    async tiny(n) {
      const handles = new Array(n);
      for (let i = 0; i < n; i++) handles[i] = rt.spawn("add", i, 1);
      let total = 0;
      for (let i = 0; i < n; i++) total += await handles[i];
      return total;
    },
    async spinAll(iters) {
      const handles = iters.map((it) => rt.spawn("spin", it));
      const out: number[] = new Array(iters.length);
      for (let i = 0; i < handles.length; i++) out[i] = await handles[i]!;
      return out;
    },
    once: async () => await rt.spawn("add", 1, 2),
    fib: async (n, cutoff) => await rt.spawn("fib", n, cutoff),
    close: () => rt.shutdown(),
  };
}

async function startBare(workers: number): Promise<Contender> {
  const threads: Worker[] = [];
  for (let i = 0; i < workers; i++) threads.push(new Worker(peerFile("bare-thread.ts")));
  return {
    id: "bare",
    async bareUniform(count, iters) {
      const parts = await Promise.all(
        threads.map((w, i) =>
          askThread<{ ns: number; tiers: number[] }>(w, {
            count: Math.floor((count * (i + 1)) / workers) - Math.floor((count * i) / workers),
            iters,
          })
        ),
      );
      const tiers = [0, 0, 0, 0, 0, 0, 0, 0];
      for (const p of parts) p.tiers.forEach((n, t) => (tiers[t]! += n));
      return { ns: sum(parts.map((p) => p.ns)), tiers };
    },
    async bareFib(n, cutoff) {
      const next = new Int32Array(new SharedArrayBuffer(4));
      return sum(await Promise.all(threads.map((w) => askThread<number>(w, { fib: n, cutoff, next }))));
    },
    async close() {
      await Promise.all(threads.map((w) => w.terminate()));
    },
  };
}

const starters: Record<ContenderId, (workers: number) => Promise<Contender>> = {
  spindle: startSpindle,
  piscina: startPiscina,
  tinypool: startTinypool,
  poolifier: startPoolifier,
  bare: startBare,
};

// ---------------------------------------------------------------------------------------------
// Helpers

function sum(xs: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += xs[i] as number;
  return total;
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.split("\n")[0]!.slice(0, 300);
}

/** `p`, or a rejection after `ms` (the run it stands for is abandoned, not cancelled). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Share of one CPU this process used over `ms` of idling (every started pool idle). */
async function idleCpu(ms: number): Promise<number> {
  const before = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (performance.now() - t0);
}

const percentile = (sorted: Float64Array | number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;

interface Ratio {
  median: number;
  min: number;
  max: number;
}

const r3 = (x: number): number => +x.toFixed(3);
function ratioOf(perRound: number[]): Ratio | null {
  const xs = perRound.filter((x) => Number.isFinite(x));
  if (xs.length === 0) return null;
  return { median: r3(median(xs)), min: r3(Math.min(...xs)), max: r3(Math.max(...xs)) };
}

/** Per-round ratios `f(mine[i], theirs[i])` over the rounds both have. */
function perRound(
  mine: number[] | undefined,
  theirs: number[] | undefined,
  f: (a: number, b: number) => number,
): Ratio | null {
  if (mine === undefined || theirs === undefined) return null;
  const out: number[] = [];
  for (let i = 0; i < Math.min(mine.length, theirs.length); i++) out.push(f(mine[i]!, theirs[i]!));
  return ratioOf(out);
}

/** Tier samples from `spinTask` results: name → count (unsampled calls left out). */
function tierCounts(counts: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  counts.forEach((n, t) => {
    if (t > 0 && n > 0) out[TIER_NAMES[t] ?? `tier ${t}`] = n;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Calibration (main thread, once)

function calibrate(): Calibration {
  // Warm up until V8 reports the loop in TurboFan (where it can tell): on a busy host its
  // background compile can finish late, and a loop calibrated in Sparkplug runs 2× slower, which
  // would make every "50 µs" task about 25 µs once the workers' copies are optimized.
  const warmUntil = performance.now() + 5_000;
  for (let i = 0; i < 200 || (isBelowTurbofan(spinTier()) && performance.now() < warmUntil); i++) spin(100_000);
  const perIter: number[] = [];
  for (let k = 0; k < 31; k++) {
    const t0 = performance.now();
    spin(1_000_000);
    perIter.push(((performance.now() - t0) * 1e6) / 1_000_000);
  }
  // The fastest sample: the loop's speed when this thread had its CPU to itself (other processes
  // share these vCPUs; a median would calibrate some of their load into the task size).
  const nsPerIter = Math.min(...perIter);
  const itersPerTask = Math.max(1, Math.round((SPIN_US * 1000) / nsPerIter));
  const light: number[] = [];
  for (let k = 0; k < 2_000; k++) light.push(decodeSpin(spinTask(itersPerTask)).ns / 1000);
  const heavy: number[] = [];
  for (let k = 0; k < 9; k++) heavy.push(decodeSpin(spinTask(itersPerTask * HEAVY_FACTOR)).ns / 1e6);
  return {
    itersPerTask,
    nsPerIter: r3(nsPerIter),
    lightUs: r3(median(light)),
    heavyMs: r3(median(heavy)),
    mainTier: TIER_NAMES[spinTier()] ?? "?",
  };
}

/** Whether a tier code of `spinTier` is an interpreter or a non-optimizing compiler. */
function isBelowTurbofan(tier: number): boolean {
  const name = TIER_NAMES[tier];
  return name === "Ignition" || name === "Sparkplug" || name === "Maglev";
}

// ---------------------------------------------------------------------------------------------
// Parts

/** The skewed task lists: iteration counts in submission order. */
function skewedList(order: "heavy-first" | "spread", light: number): number[] {
  const heavy = light * HEAVY_FACTOR;
  const list = new Array<number>(SKEW_TASKS).fill(light);
  const every = SKEW_TASKS / HEAVY_TASKS;
  for (let k = 0; k < HEAVY_TASKS; k++) list[order === "heavy-first" ? k : k * every + (every >> 1)] = heavy;
  return list;
}

/** What one run of a part measured, per contender. */
interface SpinRun {
  ms: number;
  /** CPU time the whole process used during the run (all its threads). */
  cpuMs: number;
  /** Summed in-worker time of the tasks. */
  workNs: number;
  tiers: number[];
}

function summarizeSpin(
  { ms, cpuMs, value: results }: { ms: number; cpuMs: number; value: number[] | { ns: number; tiers: number[] } },
): SpinRun {
  if (!Array.isArray(results)) return { ms, cpuMs, workNs: results.ns, tiers: results.tiers };
  const tiers = [0, 0, 0, 0, 0, 0, 0, 0];
  let workNs = 0;
  for (const r of results) {
    const d = decodeSpin(r);
    workNs += d.ns;
    tiers[d.tier]!++;
  }
  return { ms, cpuMs, workNs, tiers };
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  await sleep(5);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, value };
}

// ---------------------------------------------------------------------------------------------
// Main

const calibration = calibrate();
log(
  `calibration: ${calibration.nsPerIter} ns per spin round, ${calibration.itersPerTask} rounds per ${SPIN_US} µs task ` +
    `(main thread: ${calibration.lightUs} µs per task, ${calibration.heavyMs} ms per heavy task, spin in ${calibration.mainTier})`,
);

async function runConfig(workers: number): Promise<ConfigReport> {
  const report: ConfigReport = { workers, contenders: {}, failures: {} };
  const live: Contender[] = [];
  log(`\n== ${workers} workers`);
  for (const id of CONTENDERS) {
    const t0 = performance.now();
    try {
      const c = await withTimeout(starters[id](workers), START_TIMEOUT_MS, `${id} start`);
      // A first task proves the contender runs on this runtime (the pools start lazily).
      if (c.once) {
        const three = await withTimeout(c.once(), START_TIMEOUT_MS, `${id} first task`);
        if (three !== 3) throw new Error(`${id}: add(1, 2) returned ${three}`);
      } else if (c.bareUniform) {
        await withTimeout(c.bareUniform(workers, 10), START_TIMEOUT_MS, `${id} first task`);
      }
      const startMs = r3(performance.now() - t0);
      await sleep(50);
      const idle = r3(await idleCpu(300));
      report.contenders[id] = { supported: true, idleCpu: idle, startMs };
      live.push(c);
      log(
        `  ${id}: started in ${startMs.toFixed(0)} ms; process idle CPU after it: ${
          (idle * 100).toFixed(1)
        } % of one CPU`,
      );
    } catch (e) {
      report.contenders[id] = { supported: false, problem: errorText(e) };
      log(`  ${id}: not supported: ${errorText(e)}`);
    }
  }

  /** Runs `f` for every live contender that offers `has`, `warmups` + RUNS rounds, order rotated. */
  async function rounds<T>(
    part: string,
    has: (c: Contender) => boolean,
    f: (c: Contender) => Promise<T>,
    show: (t: T) => string,
    warmups = WARMUP,
  ): Promise<Map<string, T[]>> {
    const out = new Map<string, T[]>();
    const failed = (report.failures[part] ??= {});
    const cs = live.filter(has);
    const spent = new Map<string, number>();
    for (let round = -warmups; round < RUNS; round++) {
      const line: string[] = [];
      for (let k = 0; k < cs.length; k++) {
        const c = cs[(Math.max(0, round) + k) % cs.length]!;
        if (failed[c.id] !== undefined) continue;
        if ((spent.get(c.id) ?? 0) >= PART_BUDGET_MS) {
          line.push(`${c.id} skipped (time budget)`);
          continue;
        }
        try {
          const t0 = performance.now();
          const t = await withTimeout(f(c), RUN_TIMEOUT_MS, `${c.id} ${part}`);
          if (round >= 0) {
            (out.get(c.id) ?? out.set(c.id, []).get(c.id)!).push(t);
            spent.set(c.id, (spent.get(c.id) ?? 0) + performance.now() - t0);
          }
          line.push(`${c.id} ${show(t)}`);
        } catch (e) {
          failed[c.id] = errorText(e);
          out.delete(c.id);
          line.push(`${c.id} FAILED ${errorText(e)}`);
        }
      }
      log(`  ${part} ${round < 0 ? "warm-up" : `round ${round + 1}`}: ${line.join(", ")}`);
    }
    return out;
  }

  if (PARTS.includes("tiny")) {
    const runs = await rounds(
      "tiny",
      (c) => c.tiny !== undefined,
      async (c) => {
        const { ms, value } = await timed(() => c.tiny!(TASKS));
        if (value !== (TASKS * (TASKS - 1)) / 2 + TASKS) {
          throw new Error(`sum ${value}, expected ${(TASKS * (TASKS - 1)) / 2 + TASKS}`);
        }
        return ms;
      },
      (ms) => `${((TASKS / ms) * 1e3 / 1e6).toFixed(3)}M/s`,
      TINY_WARMUP,
    );
    const results = Object.fromEntries(
      [...runs].map(([id, ms]) => [id, { ms: ms.map(r3), tasksPerSec: Math.round((TASKS / median(ms)) * 1e3) }]),
    );
    const sp = runs.get("spindle");
    const ratios = Object.fromEntries(
      ["piscina", "tinypool", "poolifier"].map((p) => [p, perRound(sp, runs.get(p), (a, b) => b / a)]),
    );
    report.tiny = { tasks: TASKS, results, ratios };
  }

  if (PARTS.includes("uniform")) {
    const iters = new Array<number>(SPIN_TASKS).fill(calibration.itersPerTask);
    const runs = await rounds(
      "uniform",
      (c) => c.spinAll !== undefined || c.bareUniform !== undefined,
      async (c) => {
        if (c.bareUniform) {
          return summarizeSpin(await timed(() => c.bareUniform!(SPIN_TASKS, calibration.itersPerTask)));
        }
        const run = await timed(() => c.spinAll!(iters));
        if (run.value.length !== SPIN_TASKS) throw new Error(`${run.value.length} results for ${SPIN_TASKS} tasks`);
        return summarizeSpin(run);
      },
      (r) =>
        `${r.ms.toFixed(0)} ms (${(r.workNs / SPIN_TASKS / 1000).toFixed(1)} µs/task in workers, process CPU ${
          (r.cpuMs / r.ms).toFixed(2)
        })`,
    );
    report.uniform = {
      tasks: SPIN_TASKS,
      results: Object.fromEntries([...runs].map(([id, rs]) => [id, spinSummary(rs, SPIN_TASKS)])),
      // Wall time over the bare threads' in the same round: ≤ 1.1 is the goal for Spindle.
      vsBare: Object.fromEntries(
        ["spindle", "piscina", "tinypool", "poolifier"].map((p) => [
          p,
          perRound(runs.get(p)?.map((r) => r.ms), runs.get("bare")?.map((r) => r.ms), (a, b) => a / b),
        ]),
      ),
    };
  }

  if (PARTS.includes("skewed")) {
    // The tasks' nominal work (20 × 20 ms + 1,980 × 50 µs, as calibrated) split evenly.
    const ideal = ((HEAVY_TASKS * HEAVY_FACTOR + SKEW_TASKS - HEAVY_TASKS) * SPIN_US) / 1000 / workers;
    const orders = ["heavy-first", "spread"] as const;
    const out: Pick<SkewedReport, "idealMs" | "orders"> = { idealMs: r3(ideal), orders: {} };
    for (const order of orders) {
      const list = skewedList(order, calibration.itersPerTask);
      const runs = await rounds(`skewed-${order}`, (c) => c.spinAll !== undefined, async (c) => {
        return summarizeSpin(await timed(() => c.spinAll!(list)));
      }, (r) => `${(r.ms / ideal).toFixed(2)}× ideal`);
      out.orders[order] = Object.fromEntries([...runs].map(([id, rs]) => [id, {
        ...spinSummary(rs, SKEW_TASKS),
        vsIdeal: ratioOf(rs.map((r) => r.ms / ideal)),
        // Against the work as the workers actually ran it (a slower JIT tier left out).
        vsWorkerIdeal: ratioOf(rs.map((r) => r.ms / (r.workNs / 1e6 / workers))),
      }]));
    }
    report.skewed = { tasks: SKEW_TASKS, heavy: HEAVY_TASKS, heavyFactor: HEAVY_FACTOR, ...out };
  }

  if (PARTS.includes("fib")) {
    const expected = fibSequential(FIB);
    const seqMs: number[] = [];
    const seqCpus: number[] = [];
    const spindle = live.find((c) => c.fib !== undefined);
    const bare = live.find((c) => c.bareFib !== undefined);
    const failed = (report.failures.fib ??= {});
    /** The parallel contenders of each round: Spindle's fork/join, then the bare threads. */
    const spindleRuns = {
      id: "spindle",
      label: "spindle",
      run: spindle && (() => spindle.fib!(FIB, CUTOFF)),
      ms: [] as number[],
      cpus: [] as number[],
    };
    const bareRuns = {
      id: "bare",
      label: "bare threads",
      run: bare && (() => bare.bareFib!(FIB, CUTOFF)),
      ms: [] as number[],
      cpus: [] as number[],
    };
    const parallels = [spindleRuns, bareRuns];
    for (let round = -FIB_WARMUP; round < RUNS * FIB_ROUNDS_FACTOR; round++) {
      const seq = await timed(async () => fibSequential(FIB));
      if (seq.value !== expected) throw new Error("fibSequential is not deterministic");
      let line = `sequential ${seq.ms.toFixed(1)} ms (${(seq.cpuMs / seq.ms).toFixed(2)} CPUs)`;
      for (const p of parallels) {
        if (p.run === undefined || failed[p.id] !== undefined) continue;
        try {
          const par = await timed(() => withTimeout(p.run!(), RUN_TIMEOUT_MS, `${p.id} fib`));
          if (par.value !== expected) throw new Error(`fib(${FIB}) = ${par.value}, expected ${expected}`);
          line += `, ${p.label} ${par.ms.toFixed(1)} ms (${(par.cpuMs / par.ms).toFixed(2)} CPUs; ${
            (seq.ms / par.ms).toFixed(2)
          }×)`;
          if (round >= 0) {
            p.ms.push(par.ms);
            p.cpus.push(par.cpuMs / par.ms);
          }
        } catch (e) {
          failed[p.id] = errorText(e);
          line += `, ${p.id} FAILED ${failed[p.id]}`;
        }
      }
      if (round >= 0) {
        seqMs.push(seq.ms);
        seqCpus.push(seq.cpuMs / seq.ms);
      }
      log(`  fib ${round < 0 ? "warm-up" : `round ${round + 1}`}: ${line}`);
    }
    const { ms: spindleMs, cpus: spindleCpus } = spindleRuns;
    const bareMs = bareRuns.ms;
    report.fib = {
      n: FIB,
      warmupRuns: FIB_WARMUP,
      cutoff: CUTOFF,
      sequentialMs: seqMs.map(r3),
      spindleMs: spindleMs.map(r3),
      bareMs: bareMs.map(r3),
      medianSequentialMs: r3(median(seqMs)),
      medianSpindleMs: spindleMs.length ? r3(median(spindleMs)) : null,
      medianBareMs: bareMs.length ? r3(median(bareMs)) : null,
      // CPUs the process kept busy (CPU time ÷ wall time), median over rounds: about 1 while the
      // main thread runs fibSequential alone, up to WORKERS while Spindle's workers share fib.
      sequentialCpus: r3(median(seqCpus)),
      spindleCpus: spindleCpus.length ? r3(median(spindleCpus)) : null,
      speedup: spindleMs.length ? perRound(seqMs, spindleMs, (a, b) => a / b) : null,
      // The bare threads' speed-up: what the cores gave in parallel in each round (2.0 at best).
      bareSpeedup: bareMs.length ? perRound(seqMs, bareMs, (a, b) => a / b) : null,
      // Spindle's time over the bare threads' in the same round: the scheduler's own cost.
      vsBare: spindleMs.length && bareMs.length === spindleMs.length
        ? perRound(spindleMs, bareMs, (a, b) => a / b)
        : null,
    };
  }

  if (PARTS.includes("rtt")) {
    const skip = Math.floor(ROUND_TRIPS / 10);
    const runs = await rounds("rtt", (c) => c.once !== undefined, async (c) => {
      await sleep(5);
      const us = new Float64Array(ROUND_TRIPS - skip);
      for (let i = 0; i < ROUND_TRIPS; i++) {
        const t0 = performance.now();
        if ((await c.once!()) !== 3) throw new Error("add(1, 2) !== 3");
        if (i >= skip) us[i - skip] = (performance.now() - t0) * 1000;
      }
      return us.sort();
    }, (us) => `p50 ${percentile(us, 0.5).toFixed(1)} µs`);
    const results = Object.fromEntries([...runs].map(([id, rs]) => {
      const pooled = Float64Array.from(rs.flatMap((r) => [...r])).sort();
      return [id, {
        p50: r3(percentile(pooled, 0.5)),
        p99: r3(percentile(pooled, 0.99)),
        perRoundP50: rs.map((r) => r3(percentile(r, 0.5))),
        perRoundP99: rs.map((r) => r3(percentile(r, 0.99))),
      }];
    }));
    const p50s = (id: string): number[] | undefined => runs.get(id)?.map((r) => percentile(r, 0.5));
    report.rtt = {
      roundTrips: ROUND_TRIPS,
      recorded: ROUND_TRIPS - skip,
      results,
      // Spindle's p50 over the peer's, per round: ≤ 0.5 against piscina is the goal.
      p50Ratios: Object.fromEntries(
        ["piscina", "tinypool", "poolifier"].map((p) => [p, perRound(p50s("spindle"), p50s(p), (a, b) => a / b)]),
      ),
    };
  }

  for (const c of live) {
    try {
      await withTimeout(c.close(), 10_000, `${c.id} close`);
    } catch (e) {
      (report.failures.close ??= {})[c.id] = errorText(e);
      log(`  ${c.id} close: ${errorText(e)}`);
    }
  }
  return report;
}

function spinSummary(rs: SpinRun[], tasks: number): SpinSummary {
  const tiers = [0, 0, 0, 0, 0, 0, 0, 0];
  for (const r of rs) r.tiers.forEach((n, t) => (tiers[t]! += n));
  return {
    ms: rs.map((r) => r3(r.ms)),
    medianMs: r3(median(rs.map((r) => r.ms))),
    // Mean in-worker time of one task (all tasks of the run), median over rounds.
    workerUsPerTask: r3(median(rs.map((r) => r.workNs / tasks / 1000))),
    // CPUs the process kept busy during the run (CPU time ÷ wall time), median over rounds: the
    // workers' share plus the main thread's and the runtime's own threads'.
    processCpus: r3(median(rs.map((r) => r.cpuMs / r.ms))),
    tiers: tierCounts(tiers),
  };
}

const started = performance.now();
const loadBefore = loadavg()[0]!;
const configs: ConfigReport[] = [];
for (const workers of WORKER_COUNTS) configs.push(await runConfig(workers));

const report = {
  bench: "workstealing",
  runtime,
  cores: CORES,
  warmupRuns: WARMUP,
  measuredRuns: RUNS,
  spinUs: SPIN_US,
  partBudgetS: PART_BUDGET_MS / 1000,
  // The machine's 1-minute load average when the benchmark began and ended (other processes share its vCPUs).
  loadAverage: { start: r3(loadBefore), end: r3(loadavg()[0]!) },
  method:
    `${WARMUP} warm-up round(s) (part 1: ${TINY_WARMUP}, at full size), then ${RUNS} rounds of one run per contender and part (order rotated per round); times are medians over rounds, ratios medians of per-round ratios; no forced garbage collection`,
  calibration,
  configs,
  seconds: r3((performance.now() - started) / 1000),
} satisfies WorkstealingResult;
if (JSON_PATH !== undefined) writeFileSync(JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);

// A short summary on stdout (scripts/bench.ts renders the JSON into docs/benchmarks.md).
const fmtR = (
  r: Ratio | null | undefined,
): string => (r == null ? "–" : `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`);
const lines: string[] = [`### workstealing: ${runtime.name} ${runtime.version} (${runtime.engine}), ${report.method}`];
for (const c of configs) {
  lines.push(
    "",
    `${c.workers} workers: ${
      Object.entries(c.contenders).map(([id, x]) => (x.supported ? id : `${id} not supported (${x.problem})`)).join(
        ", ",
      )
    }`,
  );
  if (c.tiny) {
    lines.push(
      `- tiny: ${
        Object.entries(c.tiny.results).map(([id, x]) => `${id} ${(x.tasksPerSec / 1e6).toFixed(3)}M/s`).join(", ")
      }; Spindle vs ${Object.entries(c.tiny.ratios).map(([p, r]) => `${p} ${fmtR(r as Ratio)}`).join(", ")}`,
    );
  }
  if (c.uniform) {
    lines.push(
      `- uniform: ${
        Object.entries(c.uniform.results).map(([id, x]) =>
          `${id} ${x.medianMs.toFixed(0)} ms (${x.workerUsPerTask.toFixed(1)} µs/task)`
        ).join(", ")
      }; vs bare ${Object.entries(c.uniform.vsBare).map(([p, r]) => `${p} ${fmtR(r as Ratio)}`).join(", ")}`,
    );
  }
  if (c.skewed) {
    for (const [order, rs] of Object.entries(c.skewed.orders)) {
      lines.push(
        `- skewed ${order} (ideal ${c.skewed.idealMs.toFixed(0)} ms): ${
          Object.entries(rs).map(([id, x]) => `${id} ${fmtR(x.vsIdeal)}`).join(", ")
        }`,
      );
    }
  }
  if (c.fib) {
    lines.push(
      `- fib(${c.fib.n}), cut-off ${c.fib.cutoff}: sequential ${c.fib.medianSequentialMs} ms, Spindle ${
        c.fib.medianSpindleMs ?? "–"
      } ms, speed-up ${fmtR(c.fib.speedup)}`,
    );
  }
  if (c.rtt) {
    lines.push(
      `- round trip p50 / p99 µs: ${
        Object.entries(c.rtt.results).map(([id, x]) => `${id} ${x.p50.toFixed(1)} / ${x.p99.toFixed(1)}`).join(", ")
      }; Spindle p50 vs ${Object.entries(c.rtt.p50Ratios).map(([p, r]) => `${p} ${fmtR(r as Ratio)}`).join(", ")}`,
    );
  }
  for (const [part, f] of Object.entries(c.failures)) {
    for (const [id, why] of Object.entries(f)) lines.push(`- FAILED ${part} ${id}: ${why}`);
  }
}
console.log(lines.join("\n"));
// A pool that failed mid-run (or did not close) may keep threads alive: end here.
process.exit(0);
