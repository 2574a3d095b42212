// The @spindle/timer reactor against the host's `setTimeout`, in the same process: what it costs
// to schedule and to cancel a timer, and how late timers fire after their deadline.
//
//   node_modules/node24/bin/node apps/bench/src/timer.bench.ts
//   node_modules/.bin/deno run -A --config scripts/bench/deno-dist.json apps/bench/src/timer.bench.ts
//   node_modules/.bin/bun apps/bench/src/timer.bench.ts
//   (build first, `npx turbo run build`: benchmarks import the built packages, as npm users do)
//
// Options: --json <file> (write the results as JSON), --runs <n> (measured rounds, default 5),
// --warmup <n> (warm-up rounds, default 1), --timers <n> (timers per cost run, default 100,000),
// --sizes <n,n> (timers per lateness run, default 10,000,100,000), --window-ms <ms> (the window
// the lateness deadlines are spread over, default 100), --driver thread|host|auto (default thread),
// --only cost,lateness (which part to run), --variants / --loads (lateness variants and loads, for
// profiling; the report needs all three variants).
// No garbage is collected by force between runs (see harness.ts).
//
// Method.
// 1. Cost. TIMERS durations drawn at random in [1000, 2000) whole milliseconds (whole, because
//    Node keeps one timer list per distinct duration: fractional durations would make every
//    `setTimeout` create a list), the same durations for both. Spindle: `timer.sleep(ms)` and one
//    `poll` with a Context (the poll registers: the timer queue stores `cx.waker.clone()`), then
//    `[Symbol.dispose]()` on each (deregisters); setTimeout: `setTimeout(callback, ms)` (one shared
//    callback), then `clearTimeout` on each. The scheduling loop and the cancelling loop are timed
//    separately with `performance.now()`, in one synchronous stretch (no timer can fire: the first
//    deadline is a second away, and a wake or callback would be counted and fail the run). After
//    WARMUP rounds, RUNS rounds run both once each, order rotated per round; ns per timer from
//    the median run, the ratio Spindle / setTimeout is the median of the per-round ratios (same
//    round, same process).
// 2. Lateness. N timers with deadlines drawn uniformly in a WINDOW_MS window that starts LEAD ms
//    after scheduling begins (LEAD grows with N, so that scheduling always ends before the window:
//    only dispatch is measured; a run whose scheduling overran the window start fails). Lateness
//    is the clock when the timer is seen as fired minus its deadline, both on the timer's clock
//    (`performance.timeOrigin - Date.UTC(2025, 0, 1) + performance.now()`, packages/timer/src/
//    clock.ts); negative = fired early. Three ways to see a timer fire:
//    - spindle-waker: `timer.sleepUntil(deadline)` polled once with a Context whose waker is
//      `Waker.fromRaw({ data: probe, vtable })`, one shared vtable whose `wake` records
//      `now - probe.deadline`: the timer thread, the cross-thread wake through core's WakeTable
//      (Atomics.waitAsync), and the thread's timer queue.
//    - spindle-task: N tasks on one @spindle/core `LocalExecutor`, each `yield* timer.sleepUntil()`
//      and then records: the above plus the executor's scheduling, as an application sees it.
//    - settimeout: `setTimeout(callback, deadline - now, probe)` (the exact, fractional delay; one
//      shared callback that records). Node can run a callback up to 1 ms before the delay has
//      passed on the clock above; such timers are counted as early.
//    Each with the main thread idle (awaiting completion) and busy: from the end of scheduling
//    until every timer fired, a loop spins for BUSY_SPIN_MS and then yields to the event loop with
//    `setTimeout(BUSY_YIELD_MS)`; the measured busy fraction is reported. Rounds run every
//    (N, load) cell once per variant, order rotated per round; the percentiles pool every timer of
//    every measured round (no round is dropped), and the per-round p99 range is given beside them.
// Every wait is bounded: a run that has not completed RUN_TIMEOUT_MS after its window fails.
import { writeFileSync } from "node:fs";
import { Context, type Coroutine, LocalExecutor, PENDING, type RawWakerVTable, Waker } from "@spindle/core";
import { type DriverChoice, Instant, type Sleep, type Timer, TimerReactor } from "@spindle/timer";
import { intOption, log, median, option, runtime } from "./harness.ts";
import type { CostReport, LatenessCellReport, Load, Stats, TimerResult, Variant } from "./timer.section.ts";

// ---------------------------------------------------------------------------------------------
// Options

const RUNS = Math.max(1, intOption("runs", 5));
const WARMUP = intOption("warmup", 1);
const TIMERS = Math.max(1, intOption("timers", 100_000));
const SIZES = (option("sizes") ?? "10000,100000").split(",").map((s) => {
  const n = Number(s.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes must list positive integers, got ${s}`);
  return n;
});
const WINDOW_MS = intOption("window-ms", 100);
const DRIVER = (option("driver") ?? "thread") as DriverChoice;
const PARTS = (option("only") ?? "cost,lateness").split(",");
const JSON_PATH = option("json");
for (const part of PARTS) if (part !== "cost" && part !== "lateness") throw new Error(`--only: unknown part ${part}`);

/** Cost runs: durations in [MIN, MIN + SPREAD) ms, so that nothing fires while a run lasts. */
const COST_MIN_MS = 1_000;
const COST_SPREAD_MS = 1_000;
/** Lateness runs: the window starts this long after scheduling begins (scheduling N timers fits). */
const leadMs = (n: number): number => 100 + n * 0.006;
/** Busy load: spin this long, then yield to the event loop for this long. */
const BUSY_SPIN_MS = 1;
const BUSY_YIELD_MS = 1;
/** A lateness run fails if its timers have not all fired this long after the window's end. */
const RUN_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Runtime

/** The timer's clock (packages/timer/src/clock.ts), computed the same way here. */
const ORIGIN = performance.timeOrigin - Date.UTC(2025, 0, 1);
const clock = (): number => ORIGIN + performance.now();

/**
 * The garbage collector's pauses (`performance.now()` start, duration in ms), where the runtime
 * reports them as `gc` performance entries (Node; Deno 2.9 and Bun 1.4 list no such entry type):
 * a lateness run reports the longest one overlapping its window, so that a table can tell the
 * collector's share of a p99 from the executor's.
 */
const gcPauses: { start: number; duration: number }[] = [];
// (The static is in every runtime's PerformanceObserver, not in @types/node's.)
const entryTypes = (PerformanceObserver as unknown as { supportedEntryTypes?: readonly string[] }).supportedEntryTypes;
const gcObserver = entryTypes?.includes("gc")
  ? new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, duration: entry.duration });
  })
  : null;
gcObserver?.observe({ entryTypes: ["gc"] });

/** The longest collector pause overlapping `[from, to]` (the timer's clock), or null where none is reported. */
function longestGcPause(from: number, to: number): number | null {
  if (gcObserver === null) return null;
  let longest = 0;
  for (const pause of gcPauses) {
    if (pause.start < to - ORIGIN && pause.start + pause.duration > from - ORIGIN) {
      longest = Math.max(longest, pause.duration);
    }
  }
  gcPauses.length = 0;
  return +longest.toFixed(2);
}

/** Lets the event loop run one turn (pending callbacks, cross-thread wakes). */
async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

// ---------------------------------------------------------------------------------------------
// 1. Cost of scheduling and cancelling

/** What the cost runs' wakers and callbacks count: any fire fails the run. */
const costFires = { count: 0 };

const COST_VTABLE: RawWakerVTable<typeof costFires> = {
  clone: (data) => ({ data, vtable: COST_VTABLE }),
  wake: (data) => void data.count++,
  wakeByRef: (data) => void data.count++,
  drop: () => {},
};

function costCallback(): void {
  costFires.count++;
}

interface CostRun {
  scheduleMs: number;
  cancelMs: number;
}

function spindleCost(timer: Timer, durations: Float64Array): CostRun {
  const n = durations.length;
  const cx = new Context(Waker.fromRaw({ data: costFires, vtable: COST_VTABLE }));
  const sleeps: Sleep[] = new Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const sleep = timer.sleep(durations[i] as number);
    if (sleep.poll(cx) !== PENDING) throw new Error("spindle-cost: a sleep 1 s away was ready at its first poll");
    sleeps[i] = sleep;
  }
  const scheduled = performance.now();
  if (timer.pendingCount !== n) {
    throw new Error(`spindle-cost: ${timer.pendingCount} timers pending after scheduling ${n}`);
  }
  const cancelStart = performance.now();
  for (let i = 0; i < n; i++) (sleeps[i] as Sleep)[Symbol.dispose]();
  const end = performance.now();
  if (timer.pendingCount !== 0) throw new Error(`spindle-cost: ${timer.pendingCount} timers pending after cancelling`);
  return { scheduleMs: scheduled - start, cancelMs: end - cancelStart };
}

function hostCost(durations: Float64Array): CostRun {
  const n = durations.length;
  const handles: ReturnType<typeof setTimeout>[] = new Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) handles[i] = setTimeout(costCallback, durations[i] as number);
  const scheduled = performance.now();
  for (let i = 0; i < n; i++) clearTimeout(handles[i]);
  const end = performance.now();
  return { scheduleMs: scheduled - start, cancelMs: end - scheduled };
}

type CostId = "spindle" | "settimeout";

async function costPart(timer: Timer): Promise<CostReport> {
  const ids: CostId[] = ["spindle", "settimeout"];
  const runs = new Map<CostId, CostRun[]>(ids.map((id) => [id, []]));
  const one = async (id: CostId): Promise<CostRun> => {
    const durations = new Float64Array(TIMERS);
    for (let i = 0; i < TIMERS; i++) durations[i] = COST_MIN_MS + Math.floor(Math.random() * COST_SPREAD_MS);
    await settle();
    const fired = costFires.count;
    const run = id === "spindle" ? spindleCost(timer, durations) : hostCost(durations);
    if (costFires.count !== fired) {
      throw new Error(`${id}-cost: ${costFires.count - fired} timers fired during the run`);
    }
    return run;
  };
  const ns = (ms: number): string => `${((ms * 1e6) / TIMERS).toFixed(0)} ns`;
  for (let w = 0; w < WARMUP; w++) {
    for (const id of ids) {
      const r = await one(id);
      log(`  cost warm-up ${id}: schedule ${ns(r.scheduleMs)}, cancel ${ns(r.cancelMs)} per timer`);
    }
  }
  for (let round = 0; round < RUNS; round++) {
    const line: string[] = [];
    for (let k = 0; k < ids.length; k++) {
      const id = ids[(round + k) % ids.length] as CostId;
      const r = await one(id);
      (runs.get(id) as CostRun[]).push(r);
      line.push(`${id} schedule ${ns(r.scheduleMs)} cancel ${ns(r.cancelMs)}`);
    }
    log(`  cost round ${round + 1}: ${line.join(", ")} per timer`);
  }
  const perTimer = (id: CostId, key: keyof CostRun): number[] =>
    (runs.get(id) as CostRun[]).map((r) => +((r[key] * 1e6) / TIMERS).toFixed(1));
  const summary = (id: CostId) => ({
    scheduleNs: perTimer(id, "scheduleMs"),
    cancelNs: perTimer(id, "cancelMs"),
    medianScheduleNs: +median(perTimer(id, "scheduleMs")).toFixed(1),
    medianCancelNs: +median(perTimer(id, "cancelMs")).toFixed(1),
  });
  const ratio = (key: keyof CostRun | "total"): Ratio => {
    const mine = runs.get("spindle") as CostRun[];
    const theirs = runs.get("settimeout") as CostRun[];
    const value = (r: CostRun): number => (key === "total" ? r.scheduleMs + r.cancelMs : r[key]);
    return ratioOf(mine.map((r, i) => value(r) / value(theirs[i] as CostRun)));
  };
  return {
    timers: TIMERS,
    durations: `whole ms, uniform in [${COST_MIN_MS}, ${COST_MIN_MS + COST_SPREAD_MS})`,
    spindle: summary("spindle"),
    settimeout: summary("settimeout"),
    ratios: { schedule: ratio("scheduleMs"), cancel: ratio("cancelMs"), total: ratio("total") },
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Lateness

const VARIANTS = (option("variants") ?? "spindle-waker,spindle-task,settimeout").split(",") as Variant[];
const LOADS = (option("loads") ?? "idle,busy").split(",") as Load[];

/** One timer of a lateness run: its deadline and where to record its lateness. */
interface Probe {
  readonly deadline: number;
  readonly index: number;
}

/** The run in progress; wakers and callbacks record into it (one run at a time). */
interface LatenessState {
  readonly n: number;
  readonly lateness: Float64Array;
  fired: number;
  /** Timers recorded twice (a waker woken twice): must stay 0. */
  duplicates: number;
  registered: number;
  scheduledAt: number;
  done: (() => void) | null;
}

let current: LatenessState | null = null;

function record(probe: Probe): void {
  const now = clock();
  const state = current as LatenessState;
  if (state.lateness[probe.index] === state.lateness[probe.index]) {
    // Already recorded (not NaN).
    state.duplicates++;
    return;
  }
  state.lateness[probe.index] = now - probe.deadline;
  if (++state.fired === state.n) state.done?.();
}

const LATENESS_VTABLE: RawWakerVTable<Probe> = {
  clone: (probe) => ({ data: probe, vtable: LATENESS_VTABLE }),
  wake: record,
  wakeByRef: record,
  drop: () => {},
};

function hostLatenessCallback(probe: Probe): void {
  record(probe);
}

function* sleeperTask(timer: Timer, probe: Probe): Coroutine<void> {
  const state = current as LatenessState;
  if (++state.registered === state.n) state.scheduledAt = clock(); // the last task's first poll
  yield* timer.sleepUntil(Instant.fromMillis(probe.deadline));
  record(probe);
}

interface LatenessRun {
  lateness: Float64Array;
  /** Milliseconds from the end of scheduling to the window's start (> 0, or the run fails). */
  slackMs: number;
  /** Fraction of the time from the end of scheduling to the last fire that the busy loop spun. */
  busyFraction: number | null;
  /** The longest collector pause from the end of scheduling to the last fire (ms; null: not reported). */
  longestGcMs: number | null;
}

/** Spins BUSY_SPIN_MS, yields BUSY_YIELD_MS, until every timer fired or `hardDeadline` (clock). */
async function busyLoad(state: LatenessState, hardDeadline: number): Promise<number> {
  const started = performance.now();
  let spun = 0;
  while (state.fired < state.n && clock() < hardDeadline) {
    const spinStart = performance.now();
    let now = spinStart;
    while (now - spinStart < BUSY_SPIN_MS) now = performance.now();
    spun += now - spinStart;
    await new Promise<void>((resolve) => setTimeout(resolve, BUSY_YIELD_MS));
  }
  return spun / (performance.now() - started);
}

async function latenessRun(timer: Timer, variant: Variant, n: number, load: Load): Promise<LatenessRun> {
  const offsets = new Float64Array(n);
  for (let i = 0; i < n; i++) offsets[i] = Math.random() * WINDOW_MS;
  const probes: Probe[] = new Array(n);
  await settle();

  const windowStart = clock() + leadMs(n);
  const hardDeadline = windowStart + WINDOW_MS + RUN_TIMEOUT_MS;
  for (let i = 0; i < n; i++) probes[i] = { deadline: windowStart + (offsets[i] as number), index: i };
  const state: LatenessState = {
    n,
    lateness: new Float64Array(n).fill(NaN),
    fired: 0,
    duplicates: 0,
    registered: 0,
    scheduledAt: NaN,
    done: null,
  };
  current = state;
  let finished = false;
  const allFired = new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(() => {
      if (!finished) {
        reject(
          new Error(
            `${variant} ${n} ${load}: ${state.fired} of ${n} timers fired by ${RUN_TIMEOUT_MS} ms after the window`,
          ),
        );
      }
    }, hardDeadline - clock());
    state.done = () => {
      finished = true;
      clearTimeout(timeout);
      resolve();
    };
  });

  let busy: Promise<number> | null = null;
  let executor: LocalExecutor | null = null;
  let executorRun: Promise<void> | null = null;
  const sleeps: Sleep[] = [];
  if (variant === "spindle-waker") {
    sleeps.length = n;
    for (let i = 0; i < n; i++) {
      const probe = probes[i] as Probe;
      const sleep = timer.sleepUntil(Instant.fromMillis(probe.deadline));
      if (sleep.poll(new Context(Waker.fromRaw({ data: probe, vtable: LATENESS_VTABLE }))) !== PENDING) {
        throw new Error(`${variant}: a sleep was ready at its first poll`);
      }
      sleeps[i] = sleep;
    }
    state.scheduledAt = clock();
  } else if (variant === "settimeout") {
    for (let i = 0; i < n; i++) {
      const probe = probes[i] as Probe;
      setTimeout(hostLatenessCallback, probe.deadline - clock(), probe);
    }
    state.scheduledAt = clock();
  } else {
    executor = new LocalExecutor();
    for (let i = 0; i < n; i++) executor.spawn(sleeperTask(timer, probes[i] as Probe));
    executorRun = executor.run();
    // The tasks register on their first polls, over the executor's first time slices.
    while (state.registered < n && clock() < windowStart) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (load === "busy") busy = busyLoad(state, hardDeadline);
  try {
    await allFired;
    if (executorRun !== null) await executorRun;
  } finally {
    executor?.close();
    current = null;
  }
  const busyFraction = busy === null ? null : await busy;
  const endedAt = clock();
  await settle(); // the collector's entries reach the observer on a later turn
  const longestGcMs = longestGcPause(state.scheduledAt, endedAt);
  const slackMs = windowStart - state.scheduledAt;
  if (!(slackMs > 0)) {
    throw new Error(`${variant} ${n} ${load}: scheduling ended ${(-slackMs).toFixed(1)} ms after the window started`);
  }
  if (state.duplicates !== 0) throw new Error(`${variant} ${n} ${load}: ${state.duplicates} timers fired twice`);
  if (timer.pendingCount !== 0) {
    throw new Error(`${variant} ${n} ${load}: ${timer.pendingCount} Spindle timers still pending`);
  }
  return { lateness: state.lateness, slackMs, busyFraction, longestGcMs };
}

interface Cell {
  variant: Variant;
  n: number;
  load: Load;
  runs: LatenessRun[];
}

async function latenessPart(timer: Timer): Promise<LatenessCellReport[]> {
  const cells: Cell[] = [];
  for (const n of SIZES) {
    for (const load of LOADS) for (const variant of VARIANTS) cells.push({ variant, n, load, runs: [] });
  }
  const cellOf = (variant: Variant, n: number, load: Load): Cell =>
    cells.find((c) => c.variant === variant && c.n === n && c.load === load) as Cell;
  const brief = (r: LatenessRun): string => {
    const s = stats(r.lateness);
    return `p50 ${s.p50.toFixed(3)} p99 ${s.p99.toFixed(3)} max ${s.max.toFixed(2)} early ${s.early}`;
  };
  for (let round = -WARMUP; round < RUNS; round++) {
    const label = round < 0 ? "warm-up" : `round ${round + 1}`;
    for (const n of SIZES) {
      for (const load of LOADS) {
        const line: string[] = [];
        for (let k = 0; k < VARIANTS.length; k++) {
          const variant = VARIANTS[(round + WARMUP + k) % VARIANTS.length] as Variant;
          const r = await latenessRun(timer, variant, n, load);
          if (round >= 0) cellOf(variant, n, load).runs.push(r);
          line.push(`${variant} ${brief(r)}`);
        }
        log(`  lateness ${label}, ${n.toLocaleString("en-US")} timers, ${load}: ${line.join("; ")} (ms)`);
      }
    }
  }
  return cells.map((cell) => {
    const pooled = new Float64Array(cell.runs.reduce((t, r) => t + r.lateness.length, 0));
    let at = 0;
    for (const r of cell.runs) {
      pooled.set(r.lateness, at);
      at += r.lateness.length;
    }
    const perRoundP99 = cell.runs.map((r) => +stats(r.lateness).p99.toFixed(4));
    const busy = cell.runs.map((r) => r.busyFraction).filter((x): x is number => x !== null);
    return {
      variant: cell.variant,
      timers: cell.n,
      load: cell.load,
      ...stats(pooled),
      perRoundP99,
      minSlackMs: +Math.min(...cell.runs.map((r) => r.slackMs)).toFixed(1),
      busyFraction: busy.length === 0 ? null : +median(busy).toFixed(3),
      perRoundLongestGcMs: cell.runs.some((r) => r.longestGcMs === null)
        ? null
        : cell.runs.map((r) => r.longestGcMs as number),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Statistics

interface Ratio {
  /** Median over rounds of Spindle's time over setTimeout's in the same round (< 1: cheaper). */
  median: number;
  min: number;
  max: number;
}

const round3 = (x: number): number => +x.toFixed(3);

function ratioOf(perRound: number[]): Ratio {
  return { median: round3(median(perRound)), min: round3(Math.min(...perRound)), max: round3(Math.max(...perRound)) };
}

function stats(lateness: Float64Array): Stats {
  const sorted = Float64Array.from(lateness).sort();
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
  let early = 0;
  for (let i = 0; i < sorted.length && (sorted[i] as number) < 0; i++) early++;
  const r = (x: number): number => +x.toFixed(4);
  return {
    count: sorted.length,
    p50: r(rank(0.5)),
    p99: r(rank(0.99)),
    max: r(sorted[sorted.length - 1] as number),
    min: r(sorted[0] as number),
    early,
  };
}

// ---------------------------------------------------------------------------------------------
// Main

log(
  `timer: ${runtime.name} ${runtime.version}, driver ${DRIVER}, ${WARMUP} warm-up + ${RUNS} measured rounds; ` +
    `cost: ${TIMERS.toLocaleString("en-US")} timers; lateness: ${
      SIZES.map((n) => n.toLocaleString("en-US")).join(" and ")
    } timers over ${WINDOW_MS} ms`,
);
const reactor = await TimerReactor.start({ driver: DRIVER });
let cost: CostReport | null = null;
let lateness: LatenessCellReport[] | null = null;
try {
  if (PARTS.includes("cost")) cost = await costPart(reactor.timer);
  if (PARTS.includes("lateness")) lateness = await latenessPart(reactor.timer);
} finally {
  reactor.close();
  gcObserver?.disconnect();
}

const report = {
  bench: "timer",
  runtime,
  driver: reactor.driver,
  warmupRounds: WARMUP,
  measuredRounds: RUNS,
  method:
    `plain loops timed with performance.now(): ${WARMUP} warm-up round(s), then ${RUNS} rounds running every workload once (order rotated per round, no forced garbage collection)`,
  cost,
  lateness: lateness === null ? null : {
    windowMs: WINDOW_MS,
    leadMs: Object.fromEntries(SIZES.map((n) => [n, leadMs(n)])),
    busy: { spinMs: BUSY_SPIN_MS, yieldMs: BUSY_YIELD_MS },
    cells: lateness,
  },
} satisfies TimerResult;

const lines: string[] = [
  `### timer: ${runtime.name} ${runtime.version} (${runtime.engine}), driver ${reactor.driver}`,
  "",
];
if (cost !== null) {
  const fmt = (r: Ratio): string => `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
  lines.push(
    `${
      TIMERS.toLocaleString("en-US")
    } timers per run; ns per timer (median run) and Spindle / setTimeout time ratio (median of rounds):`,
    "",
    "| | Spindle ns | setTimeout ns | Spindle / setTimeout |",
    "| --- | ---: | ---: | ---: |",
    `| schedule | ${cost.spindle.medianScheduleNs.toFixed(0)} | ${cost.settimeout.medianScheduleNs.toFixed(0)} | ${
      fmt(cost.ratios.schedule)
    } |`,
    `| cancel | ${cost.spindle.medianCancelNs.toFixed(0)} | ${cost.settimeout.medianCancelNs.toFixed(0)} | ${
      fmt(cost.ratios.cancel)
    } |`,
    "",
  );
}
if (lateness !== null) {
  lines.push("Lateness in ms (p50 / p99 / max, early count), every timer of every measured round:", "");
  lines.push(
    "| timers | main thread | Spindle at wake | Spindle at task poll | setTimeout |",
    "| ---: | --- | --- | --- | --- |",
  );
  for (const n of SIZES) {
    for (const load of LOADS) {
      const cell = (v: Variant): string => {
        const c = lateness!.find((x) => x.variant === v && x.timers === n && x.load === load);
        if (c === undefined) return "–";
        return `${c.p50.toFixed(3)} / ${c.p99.toFixed(3)} / ${c.max.toFixed(2)}, ${c.early} early`;
      };
      lines.push(
        `| ${n.toLocaleString("en-US")} | ${load} | ${cell("spindle-waker")} | ${cell("spindle-task")} | ${
          cell("settimeout")
        } |`,
      );
    }
  }
}
console.log(lines.join("\n"));

if (JSON_PATH !== undefined) writeFileSync(JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);
