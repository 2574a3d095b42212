// The @spindle/core executor against its peers: how many tasks per second a LocalExecutor spawns,
// runs and joins, next to native `async` functions joined with `Promise.all` and Effect 4 fibers
// forked with `Effect.forkChild` and joined with `Fiber.joinAll`, in the same process.
//
//   node_modules/node24/bin/node apps/bench/src/core-executor.bench.ts
//   node_modules/.bin/deno run -A --config scripts/bench/deno-dist.json apps/bench/src/core-executor.bench.ts
//   node_modules/.bin/bun apps/bench/src/core-executor.bench.ts
//   (build first, `npx turbo run build`: benchmarks import the built packages, as npm users do)
//
// Options: --json <file> (write the results as JSON), --runs <n> (measured runs, default 5),
// --warmup <n> (default 1), --tasks <n> (default 1,000,000), --batch <n> (default 10,000),
// --only <id,id> (workload ids, e.g. spindle-trivial, for profiling), --no-effect (skip the Effect
// workloads and do not load Effect at all),
// --time-slice-ms <ms> (LocalExecutor `timeSliceMs`; default: the library's default).
// Add --allow-natives-syntax (Node) or --v8-flags=--allow-natives-syntax (Deno) to have the
// V8 tier of the hot functions reported. No garbage is collected by force between runs (see
// harness.ts).
//
// Method. Each workload runs TASKS tasks in batches of BATCH, every batch driven by one parent that
// spawns BATCH children and then joins them all, which is the shape all three libraries share:
//   - Spindle: a parent coroutine spawned on a LocalExecutor calls `executor.spawn(child())` BATCH
//     times and `yield* joinAll(handles)`; one `run()` drives the whole 1M-task run. (The
//     alternative, spawning 10k from outside and awaiting `run()` per batch, adds a promise and a
//     host turn per batch that the native and Effect versions do not pay.)
//   - native: a parent `async` function calls `child()` BATCH times and `await Promise.all(...)`.
//   - Effect (effect-workloads.ts): an `Effect.gen` parent does `yield* Effect.forkChild(child)`
//     BATCH times and `yield* Fiber.joinAll(fibers)`, run with `Effect.runPromise`.
//   - floor (trivial only): what any generator-based task must do at the least, no scheduler: create
//     a generator per task and one object that keeps it (a "handle"), then run each generator to
//     its end and store its output in that object, then sum the outputs. Spindle's trivial rate is
//     compared with it (Spindle / floor) as well as with native.
// Two shapes of child:
//   - trivial: returns 1 at once (a top-level `function*`, an `async function`, `Effect.succeed(1)`:
//     the cheapest form each library has).
//   - suspend-once: waits once on something the batch's parent releases after all BATCH children
//     have started (a Spindle `Gate` future below that stores each task's waker and wakes them; a
//     promise the parent resolves; an `Effect.callback` whose resume functions the parent calls).
// A measurement is one whole TASKS-task run timed with `performance.now()` (a plain loop, not
// mitata: mitata's statistics are built for many short iterations, a run here is 0.1–2 s). After
// WARMUP runs of every workload, RUNS rounds run every workload once each, rotating the order per
// round; the table gives the median tasks/s and, for the ratios, the median of the per-round ratios
// (same round, same process: on this noisy 2-vCPU machine a ratio is steadier than a rate).
//
// Tier: RUNTIME-FACTS notes that V8 can leave a function that runs rarely in Maglev, ~2.3x slower
// than TurboFan. Every function here runs a million times per run, and the warm-up runs each
// workload through a full run first; with natives syntax enabled, the parents sample the V8 tier of
// the hot functions before the last batch of every run, and the report gives the counts (on Bun,
// how many times JSC's DFG compiled them).
//
// Garbage collection depends on the batch size as much as on the library. V8 scavenges after a
// fixed amount of allocation, so scavenges lock onto one point of the batch cycle, and what
// survives them is what is live there: native suspend-once allocates 5.52 MB per batch of 10,000,
// 16 MiB of new space holds 3.04 batches, and 208 KB survive each scavenge; with --batch 9000,
// 2.6-3.7 MB do. Collector instructions per task (callgrind, Node 24 --single-threaded
// --predictable, Spindle's clock stubbed so no slice ends): native suspend-once 35 at batch 10,000
// and 371 at 9,000, Spindle 96 and 19. Compare mutator work, or more than one batch size.
import { writeFileSync } from "node:fs";
import process from "node:process";
import {
  type Context,
  type Coroutine,
  Future,
  joinAll,
  JoinHandle,
  LocalExecutor,
  PENDING,
  type Poll,
  type Waker,
  yieldNow,
} from "@spindle/core";
import type { Workload } from "./workload.ts";
import { intOption, log, median, option, runtime } from "./harness.ts";
import type { CoreExecutorResult } from "./core-executor.section.ts";

// ---------------------------------------------------------------------------------------------
// Options

const TASKS = intOption("tasks", 1_000_000);
const BATCH = intOption("batch", 10_000);
const RUNS = Math.max(1, intOption("runs", 5));
const WARMUP = intOption("warmup", 1);
const TIME_SLICE_MS = option("time-slice-ms") === undefined ? undefined : Number(option("time-slice-ms"));
const ONLY = option("only")?.split(",");
const JSON_PATH = option("json");
if (TASKS % BATCH !== 0) throw new Error(`--tasks (${TASKS}) must be a multiple of --batch (${BATCH})`);

// ---------------------------------------------------------------------------------------------
// Spindle

function* spindleTrivial(): Coroutine<number> {
  return 1;
}

function* spindleTrivialParent(executor: LocalExecutor, tasks: number, batch: number): Coroutine<number> {
  let sum = 0;
  for (let started = 0; started < tasks; started += batch) {
    if (started + batch >= tasks) sampleTiers("spindle"); // mid-run, before the last batch
    const handles: JoinHandle<number>[] = new Array(batch);
    for (let i = 0; i < batch; i++) handles[i] = executor.spawn(spindleTrivial());
    const outputs: number[] = yield* joinAll(handles);
    for (let i = 0; i < outputs.length; i++) sum += outputs[i] as number;
  }
  return sum;
}

/**
 * A one-shot gate: tasks wait on `gate.wait()` until the driver calls `open()`, which wakes each
 * stored waker once. Core has no broadcast primitive, so this is what a user would write.
 */
class Gate {
  isOpen = false;
  #wakers: Waker[] = [];

  get waiting(): number {
    return this.#wakers.length;
  }

  wait(): Future<void> {
    return new GateWait(this);
  }

  register(waker: Waker): void {
    this.#wakers.push(waker);
  }

  open(): void {
    this.isOpen = true;
    const wakers = this.#wakers;
    this.#wakers = [];
    for (let i = 0; i < wakers.length; i++) (wakers[i] as Waker).wake();
  }
}

class GateWait extends Future<void> {
  readonly #gate: Gate;
  #registered = false;

  constructor(gate: Gate) {
    super();
    this.#gate = gate;
  }

  poll(cx: Context): Poll<void> {
    if (this.#gate.isOpen) return undefined;
    // A task waits on one gate and stays on its executor here, so its first waker stays valid.
    if (!this.#registered) {
      this.#registered = true;
      this.#gate.register(cx.waker.clone());
    }
    return PENDING;
  }
}

function* spindleSuspendOnce(gate: Gate): Coroutine<number> {
  yield* gate.wait();
  return 1;
}

function* spindleSuspendParent(executor: LocalExecutor, tasks: number, batch: number): Coroutine<number> {
  let sum = 0;
  for (let started = 0; started < tasks; started += batch) {
    if (started + batch >= tasks) sampleTiers("spindle"); // mid-run, before the last batch
    const gate = new Gate();
    const handles: JoinHandle<number>[] = new Array(batch);
    for (let i = 0; i < batch; i++) handles[i] = executor.spawn(spindleSuspendOnce(gate));
    // The children run (FIFO, queued before this parent) and park on the gate; then the parent
    // releases them, as the native parent resolves the promise its children await.
    yield* yieldNow();
    if (gate.waiting !== batch) throw new Error(`spindle: ${gate.waiting} of ${batch} tasks waited on the gate`);
    gate.open();
    const outputs: number[] = yield* joinAll(handles);
    for (let i = 0; i < outputs.length; i++) sum += outputs[i] as number;
  }
  return sum;
}

async function runSpindle(
  parent: (executor: LocalExecutor, tasks: number, batch: number) => Coroutine<number>,
): Promise<number> {
  const executor = new LocalExecutor(TIME_SLICE_MS === undefined ? {} : { timeSliceMs: TIME_SLICE_MS });
  const handle = executor.spawn(parent(executor, TASKS, BATCH));
  await executor.run();
  return await handle;
}

// ---------------------------------------------------------------------------------------------
// Floor: a generator per task and one object per task, no scheduler

/** The one object a floor task keeps: its generator, then its output. */
class FloorTask {
  coroutine: Coroutine<number> | null;
  output = 0;

  constructor(coroutine: Coroutine<number>) {
    this.coroutine = coroutine;
  }
}

function floorTrivial(tasks: number, batch: number): number {
  let sum = 0;
  for (let started = 0; started < tasks; started += batch) {
    const handles: FloorTask[] = new Array(batch);
    for (let i = 0; i < batch; i++) handles[i] = new FloorTask(spindleTrivial());
    for (let i = 0; i < batch; i++) {
      const handle = handles[i] as FloorTask;
      handle.output = (handle.coroutine as Coroutine<number>).next().value as number;
      handle.coroutine = null;
    }
    for (let i = 0; i < batch; i++) sum += (handles[i] as FloorTask).output;
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Native

async function nativeTrivial(): Promise<number> {
  return 1;
}

async function nativeTrivialParent(tasks: number, batch: number): Promise<number> {
  let sum = 0;
  for (let started = 0; started < tasks; started += batch) {
    if (started + batch >= tasks) sampleTiers("native"); // mid-run, before the last batch
    const promises: Promise<number>[] = new Array(batch);
    for (let i = 0; i < batch; i++) promises[i] = nativeTrivial();
    const outputs = await Promise.all(promises);
    for (let i = 0; i < outputs.length; i++) sum += outputs[i] as number;
  }
  return sum;
}

async function nativeSuspendOnce(gate: Promise<void>): Promise<number> {
  await gate;
  return 1;
}

async function nativeSuspendParent(tasks: number, batch: number): Promise<number> {
  let sum = 0;
  for (let started = 0; started < tasks; started += batch) {
    if (started + batch >= tasks) sampleTiers("native"); // mid-run, before the last batch
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const promises: Promise<number>[] = new Array(batch);
    for (let i = 0; i < batch; i++) promises[i] = nativeSuspendOnce(gate); // runs up to `await gate`
    open();
    const outputs = await Promise.all(promises);
    for (let i = 0; i < outputs.length; i++) sum += outputs[i] as number;
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Workloads

type Library = Workload["library"];
type Shape = Workload["shape"];
/** The workloads in the order a round runs them (rotated per round). */
const order = [
  "spindle-trivial",
  "native-trivial",
  "floor-trivial",
  "effect-trivial",
  "spindle-suspend-once",
  "native-suspend-once",
  "effect-suspend-once",
];

const spindleAndNative: Workload[] = [
  { id: "spindle-trivial", library: "spindle", shape: "trivial", run: () => runSpindle(spindleTrivialParent) },
  { id: "native-trivial", library: "native", shape: "trivial", run: () => nativeTrivialParent(TASKS, BATCH) },
  {
    id: "floor-trivial",
    library: "floor",
    shape: "trivial",
    run: () => Promise.resolve(floorTrivial(TASKS, BATCH)),
  },
  {
    id: "spindle-suspend-once",
    library: "spindle",
    shape: "suspend-once",
    run: () => runSpindle(spindleSuspendParent),
  },
  { id: "native-suspend-once", library: "native", shape: "suspend-once", run: () => nativeSuspendParent(TASKS, BATCH) },
];
const effectIds = ["effect-trivial", "effect-suspend-once"];
const NO_EFFECT = process.argv.includes("--no-effect");
const wanted = (id: string): boolean =>
  (ONLY === undefined || ONLY.includes(id)) && !(NO_EFFECT && effectIds.includes(id));

// Effect is loaded only when an Effect workload is selected. Loading it, even unused, changes V8's
// allocation-site pretenuring decisions for the object literals Spindle allocates per task, and
// with them Spindle's rate (measured here: about -25 % on Node 24 and -40 % on Deno 2.9; no change
// with --no-allocation-site-pretenuring; native promises are unaffected). --no-effect shows it.
const effectLoaded = effectIds.some(wanted);
const effectWorkloads: Workload[] = effectLoaded
  ? (await import("./effect-workloads.ts")).effectWorkloads(TASKS, BATCH)
  : [];
const workloads = [...spindleAndNative, ...effectWorkloads]
  .filter((w) => wanted(w.id))
  .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
if (workloads.length === 0) {
  throw new Error(`--only ${ONLY} matches no workload; ids: ${order.join(", ")}`);
}

// ---------------------------------------------------------------------------------------------
// Runtime

/**
 * The tier of a function's own code on V8 (`%ActiveTierIs*`, the helpers V8's own tests use; the
 * bits of `%GetOptimizationStatus` moved between V8 13 and 15), when natives syntax is enabled.
 */
const v8Tier: ((fn: unknown) => string) | undefined = (() => {
  if (runtime.name === "bun") return undefined;
  try {
    // V8 aborts the process (not a throw) when given a non-function, so guard here.
    const tier = new Function(
      "fn",
      `if (%ActiveTierIsTurbofan(fn)) return "TurboFan";
       if (%ActiveTierIsMaglev(fn)) return "Maglev";
       if (%ActiveTierIsSparkplug(fn)) return "Sparkplug";
       if (%ActiveTierIsIgnition(fn)) return "Ignition";
       return "no code of its own (never run, or deoptimized and not re-tiered)";`,
    ) as (fn: unknown) => string;
    return (fn) => (typeof fn === "function" ? tier(fn) : "not a function");
  } catch {
    return undefined;
  }
})();

/**
 * Functions every task of a library runs through, to report their tier. Core's innermost loops
 * (`Task.run`, the executor's poll loop, `ChildSet.pollNext`) are not exported; a function that is
 * inlined into an optimized caller can show a lower tier (or none) for its own code.
 */
const hotFunctions: { name: string; library: Library; fn: unknown }[] = [
  { name: "spindleTrivialParent", library: "spindle", fn: spindleTrivialParent },
  { name: "spindleTrivial", library: "spindle", fn: spindleTrivial },
  { name: "LocalExecutor.spawn", library: "spindle", fn: LocalExecutor.prototype.spawn },
  // JoinHandle is abstract: the poll that runs is that of the handle class `spawn` returns.
  {
    name: "JoinHandle.poll",
    library: "spindle",
    fn: Object.getPrototypeOf(new LocalExecutor().spawn(spindleTrivial())).poll,
  },
  { name: "nativeTrivialParent", library: "native", fn: nativeTrivialParent },
  { name: "nativeTrivial", library: "native", fn: nativeTrivial },
];

/**
 * On V8: per function, how often each tier was seen, sampled by the parents at the start of the
 * last batch of every run (warm-up included): mid-run, while the workload is hot. (After a run,
 * `await handle` writes a Task field for the first time, which deoptimizes `spawn`, so a sample
 * taken then would show the tier `spawn` drops to between runs.)
 */
const tierSamples = new Map<string, Map<string, number>>();

function sampleTiers(library: Library): void {
  if (v8Tier === undefined) return;
  for (const h of hotFunctions) {
    if (h.library !== library) continue;
    const counts = tierSamples.get(h.name) ?? new Map<string, number>();
    const tier = v8Tier(h.fn);
    counts.set(tier, (counts.get(tier) ?? 0) + 1);
    tierSamples.set(h.name, counts);
  }
}

async function tiers(): Promise<{ method: string; functions: Record<string, string> } | undefined> {
  if (v8Tier !== undefined) {
    const functions: Record<string, string> = {};
    for (const [name, counts] of tierSamples) {
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      functions[name] = [...counts].sort((a, b) => b[1] - a[1]).map(([tier, n]) => `${tier} ${n}/${total}`).join(", ");
    }
    return { method: "V8 %ActiveTierIs*, sampled before the last batch of every run", functions };
  }
  if (runtime.name === "bun") {
    const jsc = (await import("bun:jsc" as string)) as { numberOfDFGCompiles?: (fn: unknown) => number };
    if (typeof jsc.numberOfDFGCompiles !== "function") return undefined;
    const functions: Record<string, string> = {};
    for (const h of hotFunctions) {
      if (workloads.some((w) => w.library === h.library)) {
        functions[h.name] = `${jsc.numberOfDFGCompiles(h.fn)} DFG compiles`;
      }
    }
    return { method: "bun:jsc numberOfDFGCompiles after the measured runs (>0: optimized by DFG/FTL)", functions };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Measurement

async function measure(workload: Workload): Promise<number> {
  const start = performance.now();
  const sum = await workload.run();
  const ms = performance.now() - start;
  if (sum !== TASKS) throw new Error(`${workload.id}: tasks returned ${sum}, expected ${TASKS}`);
  return ms;
}

const runsMs = new Map<string, number[]>(workloads.map((w) => [w.id, []]));

log(
  `core-executor: ${runtime.name} ${runtime.version}, ${TASKS.toLocaleString("en-US")} tasks in batches of ${
    BATCH.toLocaleString("en-US")
  }, ${WARMUP} warm-up + ${RUNS} measured runs per workload`,
);
for (let w = 0; w < WARMUP; w++) {
  for (const workload of workloads) log(`  warm-up ${workload.id}: ${(await measure(workload)).toFixed(0)} ms`);
}
for (let round = 0; round < RUNS; round++) {
  const line: string[] = [];
  for (let k = 0; k < workloads.length; k++) {
    const workload = workloads[(round + k) % workloads.length] as Workload;
    const ms = await measure(workload);
    (runsMs.get(workload.id) as number[]).push(ms);
    line.push(`${workload.id} ${ms.toFixed(0)} ms`);
  }
  log(`  round ${round + 1}: ${line.join(", ")}`);
}

// ---------------------------------------------------------------------------------------------
// Results

interface WorkloadResult {
  id: string;
  library: Library;
  shape: Shape;
  runsMs: number[];
  medianMs: number;
  /** TASKS / median run time. */
  tasksPerSec: number;
}

interface Ratio {
  /** Median over rounds of (Spindle tasks/s) / (peer tasks/s) measured in the same round. */
  median: number;
  min: number;
  max: number;
}

const results: WorkloadResult[] = workloads.map((w) => {
  const ms = runsMs.get(w.id) as number[];
  const medianMs = median(ms);
  return {
    id: w.id,
    library: w.library,
    shape: w.shape,
    runsMs: ms.map((x) => +x.toFixed(2)),
    medianMs: +medianMs.toFixed(2),
    tasksPerSec: Math.round(TASKS / (medianMs / 1000)),
  };
});

function ratio(shape: Shape, peer: Library): Ratio | null {
  const mine = runsMs.get(`spindle-${shape}`);
  const theirs = runsMs.get(`${peer}-${shape}`);
  if (mine === undefined || theirs === undefined) return null;
  const perRound = mine.map((ms, i) => (theirs[i] as number) / ms); // time ratio = inverse rate ratio
  const round2 = (x: number): number => +x.toFixed(3);
  return { median: round2(median(perRound)), min: round2(Math.min(...perRound)), max: round2(Math.max(...perRound)) };
}

const shapes: Shape[] = ["trivial", "suspend-once"];
const ratios = Object.fromEntries(shapes.map((s) => [s, { native: ratio(s, "native"), effect: ratio(s, "effect") }]));
/** Spindle's trivial rate over the floor's (goal: within 1.3x of it, i.e. >= 0.77). */
const floorRatio = ratio("trivial", "floor");
const tierReport = await tiers();

const report = {
  bench: "core-executor",
  runtime,
  tasks: TASKS,
  batch: BATCH,
  warmupRuns: WARMUP,
  measuredRuns: RUNS,
  timeSliceMs: TIME_SLICE_MS ?? "default",
  method:
    `plain loop timed with performance.now() (not mitata): ${WARMUP} warm-up run(s) per workload, then ${RUNS} rounds of one run per workload (order rotated per round); tasks/s from the median run, ratios = median of per-round ratios; no forced garbage collection`,
  effectLoaded,
  results,
  ratios,
  floorRatio,
  tiers: tierReport ?? null,
} satisfies CoreExecutorResult;

const fmtRate = (x: number | undefined): string => (x === undefined ? "–" : `${(x / 1e6).toFixed(2)}M`);
const fmtRatio = (r: Ratio | null | undefined): string =>
  r == null ? "–" : `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
const rate = (id: string): number | undefined => results.find((r) => r.id === id)?.tasksPerSec;

const lines = [
  `### core executor: ${runtime.name} ${runtime.version} (${runtime.engine})`,
  "",
  `${TASKS.toLocaleString("en-US")} tasks in batches of ${BATCH.toLocaleString("en-US")}; ${report.method}.`,
  "",
  "| workload | Spindle tasks/s | native tasks/s | Effect tasks/s | Spindle / native | Spindle / Effect |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  ...shapes.map((s) =>
    `| ${s} | ${fmtRate(rate(`spindle-${s}`))} | ${fmtRate(rate(`native-${s}`))} | ${fmtRate(rate(`effect-${s}`))} | ${
      fmtRatio(ratios[s]?.native)
    } | ${fmtRatio(ratios[s]?.effect)} |`
  ),
  `| floor (trivial) | ${fmtRate(rate("floor-trivial"))} | | | Spindle / floor: ${fmtRatio(floorRatio)} | |`,
  "",
  tierReport === undefined
    ? "Tier: not reported (enable V8 natives syntax: --allow-natives-syntax)."
    : `Tier (${tierReport.method}): ${Object.entries(tierReport.functions).map(([k, v]) => `${k}: ${v}`).join("; ")}.`,
];
console.log(lines.join("\n"));

if (JSON_PATH !== undefined) writeFileSync(JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);
