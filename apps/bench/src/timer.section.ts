// The timer benchmark's section of docs/benchmarks.md (see timer.bench.ts): the results it writes,
// and how they are rendered, with the prose that explains them.
import type { BenchRuntime } from "./harness.ts";
import { barValue, check, fmtRatio, fmtTimes, fmtTimesTick, legName } from "./section-format.ts";
import { type BenchSection, measuredLegs, type Ratio } from "./section.ts";

/** How a lateness is seen: at the waker's wake, at the task's poll, or by a `setTimeout` callback. */
export type Variant = "spindle-waker" | "spindle-task" | "settimeout";
/** What the main thread does meanwhile. */
export type Load = "idle" | "busy";
const LOADS: Load[] = ["idle", "busy"];

/** Lateness statistics of a set of timers. */
export interface Stats {
  count: number;
  /** Milliseconds; nearest-rank percentiles. */
  p50: number;
  p99: number;
  max: number;
  min: number;
  /** Timers seen fired before their deadline. */
  early: number;
}

/** The cost part: ns per timer to schedule and to cancel, and Spindle's time over setTimeout's. */
export interface CostReport {
  timers: number;
  durations: string;
  spindle: { scheduleNs: number[]; cancelNs: number[]; medianScheduleNs: number; medianCancelNs: number };
  settimeout: { scheduleNs: number[]; cancelNs: number[]; medianScheduleNs: number; medianCancelNs: number };
  ratios: { schedule: Ratio; cancel: Ratio; total: Ratio };
}

/** One lateness cell: a variant, a number of timers and a load, pooled over the measured rounds. */
export interface LatenessCellReport extends Stats {
  variant: Variant;
  timers: number;
  load: Load;
  perRoundP99: number[];
  minSlackMs: number;
  busyFraction: number | null;
  /** Per measured round, the longest collector pause in its window (ms); null where not reported. */
  perRoundLongestGcMs?: number[] | null;
}

/** What `timer.bench.ts --json <file>` writes (a part not run is null). */
export interface TimerResult {
  bench: "timer";
  runtime: BenchRuntime;
  driver: string;
  warmupRounds: number;
  measuredRounds: number;
  method: string;
  cost: CostReport | null;
  lateness: {
    windowMs: number;
    /** Per number of timers: how long after scheduling begins the deadlines' window starts. */
    leadMs: Record<string, number>;
    busy: { spinMs: number; yieldMs: number };
    cells: LatenessCellReport[];
  } | null;
}

/** How many timers the p99 lateness goal is judged at. */
const GOAL_TIMERS = 100_000;
/** Milliseconds of lateness: 3 decimals below 1 ms, 2 below 10 ms, else 1. */
const fmtMs = (x: number): string => x.toFixed(Math.abs(x) < 1 ? 3 : Math.abs(x) < 10 ? 2 : 1);

export const timerSection: BenchSection<TimerResult> = {
  id: "timer",
  title: "@spindle/timer: cost to schedule and cancel, lateness after the deadline",
  file: "apps/bench/src/timer.bench.ts",
  args: ({ runs }) => (runs === undefined ? [] : ["--runs", String(runs)]),
  passes: [{ pass: "all", args: [] }],
  render(legs, chart) {
    const ok = measuredLegs(legs);
    const first = ok[0]?.result;
    const out: string[] = [];
    const cellOf = (r: TimerResult, variant: Variant, n: number, load: Load): LatenessCellReport | undefined =>
      r.lateness?.cells.find((c) => c.variant === variant && c.timers === n && c.load === load);
    /** `idle`, or `busy` with the measured share of time the main thread spun. */
    const loadLabel = (r: TimerResult | undefined, n: number, load: Load): string => {
      const busy = r == null ? undefined : cellOf(r, "spindle-waker", n, load)?.busyFraction;
      return load === "busy" && busy != null ? `busy (${(busy * 100).toFixed(0)} %)` : load;
    };
    if (first !== undefined) {
      const lat = first.lateness;
      const cost = first.cost;
      out.push(
        `Spindle runs on a \`TimerReactor\` with the timer thread (\`driver: "${first.driver}"\`); its peer is the ` +
          "host's own `setTimeout`, in the same process. Method: " +
          `${first.method}.`,
        "",
      );
      if (cost != null) {
        out.push(
          `**Cost.** ${
            cost.timers.toLocaleString("en-US")
          } timers per run, durations ${cost.durations} (the same for ` +
            "both, far enough ahead that none fires; whole milliseconds because Node keeps one timer list per distinct " +
            "duration). Spindle: `timer.sleep(ms)` plus one `poll` with a `Context` (the poll registers: the queue " +
            "stores a clone of `cx.waker`), later `[Symbol.dispose]()` (deregisters); setTimeout: `setTimeout(callback, ms)` " +
            "with one shared callback, later `clearTimeout`. The scheduling loop and the cancelling loop are timed " +
            "separately; ns per timer from the median run; the ratio is Spindle's time over setTimeout's, the median " +
            "of per-round ratios (in brackets the lowest and highest), so **≤ 1 means Spindle is no more costly**.",
          "",
        );
      }
      if (lat != null) {
        const leads = Object.entries(lat.leadMs as Record<string, number>)
          .map(([n, ms]) => `${ms} ms for ${Number(n).toLocaleString("en-US")}`)
          .join(", ");
        out.push(
          `**Lateness.** N timers with deadlines drawn uniformly in a ${lat.windowMs} ms window that starts well ` +
            `after scheduling ends (${leads} after scheduling begins; a run whose scheduling overran fails), so only ` +
            "dispatch is measured. Lateness = the clock when the timer is seen fired minus its deadline, both on the " +
            "timer's clock (`performance.timeOrigin` + `performance.now()`); a negative value is a timer that fired " +
            "**early**, and is counted. Seen three ways: *Spindle at wake*: `timer.sleepUntil(deadline)` polled once " +
            "with a waker from `Waker.fromRaw` (one shared vtable whose `wake` records) — the timer thread, the " +
            "cross-thread wake through core's `WakeTable` and the thread's timer queue; *Spindle at task poll*: N tasks " +
            "on one `LocalExecutor`, each `yield* timer.sleepUntil(deadline)` then records — what an application " +
            "sees; *setTimeout*: `setTimeout(callback, deadline - now, probe)` with the exact, fractional delay. " +
            "Main thread *idle*: it only awaits completion; *busy*: from the end of scheduling until every timer " +
            `fired, a loop spins ${lat.busy.spinMs} ms and then yields to the event loop with \`setTimeout(${lat.busy.yieldMs})\` ` +
            "(the measured share of time spent spinning is given; it is lower where `setTimeout(1)` yields for longer). Percentiles pool every timer of every measured " +
            "round (none dropped); in brackets the lowest and highest per-round p99.",
          "",
        );
      }
      out.push(
        "The machine has 2 shared, noisy vCPUs, and the timer thread needs one of them: absolute numbers move " +
          "between runs (ratios measured within one process move less), and a tail (p99, max) measured here is an " +
          "upper bound for a quiet machine, not a floor.",
        "",
      );
    }
    if (ok.some((l) => l.result.cost != null)) {
      out.push(
        "#### Cost to schedule and to cancel one timer",
        "",
        chart("cost", {
          title: "@spindle/timer: cost of a timer, Spindle over setTimeout",
          subtitle: "Spindle's time ÷ setTimeout's (clearTimeout's) per timer, median per-round ratio; lower is better",
          categories: legs.map(legName),
          series: (["schedule", "cancel"] as const).map((key) => ({
            name: key,
            values: legs.map((l) => barValue(l, l.result?.cost?.ratios?.[key]?.median)),
          })),
          format: fmtTimes,
          formatTick: fmtTimesTick,
          scale: "auto",
          references: [{ value: 1, label: "goal ≤ 1×" }],
        }),
        "",
        "| runtime | Spindle schedule | setTimeout schedule | Spindle / setTimeout | Spindle cancel | clearTimeout | Spindle / setTimeout |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      );
      for (const leg of legs) {
        const c = leg.result?.cost;
        if (c == null) {
          out.push(`| ${legName(leg)} | failed: ${leg.problem ?? "no cost results"} | | | | | |`);
          continue;
        }
        out.push(
          `| ${legName(leg)} | ${c.spindle.medianScheduleNs.toFixed(0)} ns | ${
            c.settimeout.medianScheduleNs.toFixed(0)
          } ns | ` +
            `${fmtRatio(c.ratios.schedule)} | ${c.spindle.medianCancelNs.toFixed(0)} ns | ${
              c.settimeout.medianCancelNs.toFixed(0)
            } ns | ` +
            `${fmtRatio(c.ratios.cancel)} |`,
        );
      }
      out.push("");
    }
    const firstLateness = ok.find((l) => l.result.lateness != null)?.result;
    if (firstLateness?.lateness != null) {
      const sizes = [...new Set<number>(firstLateness.lateness.cells.map((c) => c.timers))];
      const fmtCell = (c: LatenessCellReport | undefined): string =>
        c === undefined
          ? "–"
          : `${fmtMs(c.p50)} / ${fmtMs(c.p99)} (${fmtMs(Math.min(...c.perRoundP99))}–${
            fmtMs(Math.max(...c.perRoundP99))
          }) / ` +
            `${fmtMs(c.max)}, ${c.early === 0 ? "0 early" : `**${c.early.toLocaleString("en-US")} early**`}`;
      out.push(
        "#### Lateness after the deadline",
        "",
        "Milliseconds: p50 / p99 (per-round p99 range) / max, and how many timers fired before their deadline, out of " +
          `${firstLateness.measuredRounds} × N.`,
        "",
      );
      if (sizes.includes(GOAL_TIMERS)) {
        const loads = legs.flatMap((leg) => LOADS.map((load) => ({ leg, load })));
        out.push(
          chart("lateness", {
            title: `@spindle/timer: p99 lateness with ${GOAL_TIMERS.toLocaleString("en-US")} timers`,
            subtitle:
              "Milliseconds after the deadline, pooled over every measured round, main thread idle or busy; lower is better",
            categories: loads.map(({ leg, load }) => `${legName(leg)}, ${loadLabel(leg.result, GOAL_TIMERS, load)}`),
            series: ([["spindle-waker", "Spindle at wake"], ["spindle-task", "Spindle at task poll"], [
              "settimeout",
              "setTimeout",
            ]] as const).map(([variant, name]) => ({
              name,
              values: loads.map(({ leg, load }) =>
                barValue(leg, leg.result?.lateness && cellOf(leg.result, variant, GOAL_TIMERS, load)?.p99)
              ),
            })),
            format: (ms) => `${fmtMs(ms)} ms`,
            formatTick: (ms) => `${Number(ms.toPrecision(3))} ms`,
            scale: "log",
            references: [{ value: 0.5, label: "goal ≤ 0.5 ms" }],
          }),
          "",
        );
      }
      out.push(
        "| runtime | timers | main thread | Spindle at wake | Spindle at task poll | setTimeout |",
        "| --- | ---: | --- | --- | --- | --- |",
      );
      for (const leg of legs) {
        const r = leg.result;
        if (r?.lateness == null) {
          out.push(`| ${legName(leg)} | failed: ${leg.problem ?? "no lateness results"} | | | | |`);
          continue;
        }
        for (const n of sizes) {
          for (const load of LOADS) {
            out.push(
              `| ${legName(leg)} | ${n.toLocaleString("en-US")} | ${loadLabel(r, n, load)} | ${
                fmtCell(cellOf(r, "spindle-waker", n, load))
              } | ` +
                `${fmtCell(cellOf(r, "spindle-task", n, load))} | ${fmtCell(cellOf(r, "settimeout", n, load))} |`,
            );
          }
        }
      }
      out.push("");
      const pauses = legs.flatMap((leg) => {
        const c = leg.result == null ? undefined : cellOf(leg.result, "spindle-task", GOAL_TIMERS, "idle");
        const ms = c?.perRoundLongestGcMs;
        return ms == null ? [] : [`${legName(leg)} ${ms.map((x) => x === 0 ? "0" : fmtMs(x)).join(", ")} ms`];
      });
      if (pauses.length > 0) {
        out.push(
          `The longest garbage-collector pause in each measured round's window (from the end of scheduling to the ` +
            `last fire), Spindle at task poll, ${GOAL_TIMERS.toLocaleString("en-US")} timers, idle: ` +
            `${pauses.join("; ")} (\`gc\` performance entries; the other runtimes report none).`,
          "",
        );
      }
    }
    out.push(
      "#### Goals",
      "",
      "From the issue: scheduling and cancelling a Spindle timer should cost **no more than `setTimeout`** " +
        "(Spindle / setTimeout ≤ 1, median per-round ratio), and at 100,000 timers the **p99 lateness should be " +
        "≤ 0.5 ms, with no timer early**. The p99 goal is judged on every Spindle measurement at 100,000 timers " +
        "(pooled p99), at wake and at task poll, with the main thread idle and busy; *never early* on every Spindle " +
        "run of the benchmark.",
      "",
      "| runtime | schedule ≤ setTimeout | cancel ≤ setTimeout | p99 ≤ 0.5 ms, idle: at wake / at task poll | p99 ≤ 0.5 ms, busy: at wake / at task poll | never early |",
      "| --- | :---: | :---: | :---: | :---: | :---: |",
    );
    for (const leg of legs) {
      const r = leg.result;
      const ratio = (key: "schedule" | "cancel"): boolean | undefined => {
        const ratio = r?.cost?.ratios?.[key];
        return ratio == null ? undefined : ratio.median <= 1;
      };
      const p99 = (variant: Variant, load: Load): boolean | undefined => {
        const c = r == null ? undefined : cellOf(r, variant, GOAL_TIMERS, load);
        return c === undefined ? undefined : c.p99 <= 0.5;
      };
      const spindleCells = (r?.lateness?.cells ?? []).filter((c) => c.variant !== "settimeout");
      const neverEarly = spindleCells.length === 0 ? undefined : spindleCells.every((c) => c.early === 0);
      out.push(
        `| ${leg.label} | ${check(ratio("schedule"))} | ${check(ratio("cancel"))} | ` +
          `${check(p99("spindle-waker", "idle"))} / ${check(p99("spindle-task", "idle"))} | ` +
          `${check(p99("spindle-waker", "busy"))} / ${check(p99("spindle-task", "busy"))} | ${check(neverEarly)} |`,
      );
    }
    out.push("", ...TIMER_FINDINGS);
    return out.join("\n");
  },
};

/**
 * What limits Spindle in this benchmark, found by profiling it (Node 24, `--cpu-prof`, and timing
 * the package's internals from a scratch script); kept beside the renderer because the numbers
 * above do not explain themselves.
 */
const TIMER_FINDINGS: string[] = [
  "#### What the numbers come from",
  "",
  "Found on Node 24 (and checked on Deno and Bun) with `--cpu-prof` and with scratch scripts that time the " +
  "package's internals, on this machine; numbers from single runs, so only their size matters.",
  "",
  "- **Registering and cancelling a sleep.** The queue is a hierarchical timing wheel (five levels of 64 " +
  "slots, 62.5 µs to 17.5 min per slot) whose slots are intrusive lists: a registered sleep is the `Sleep`, " +
  "its entry and the raw waker clone (none for an executor task, which is its own waker), inserting links " +
  "the entry at a slot's tail and cancelling unlinks it, with no `Map` lookup, heap or bucket. Before, with " +
  "a calendar queue (a `Map` of 62.5 µs buckets in a min-heap), scheduling cost 2.7× a `setTimeout` on Node " +
  "and 2.1× on Bun, and a third of Node's time was the garbage collector moving the buckets. On Bun a " +
  "sleep still costs more than its `setTimeout` (about 120–180 ns): `timer.sleep(ms)` reads the clock " +
  "(`performance.now()`, ~50 ns there, where the host's timer reads the event loop's cached time), its first " +
  "poll reads the timer's closed word in shared memory (`Atomics.load`, ~25 ns) and allocates the sleep " +
  "and its entry (~60 ns), before the O(1) insert.",
  "- **The tail of the lateness at wake is the machine, not the queue.** In a build that recorded, on the " +
  "timer thread, how late it took each due thread out (10,000 and 100,000 timers, Node, Deno, Bun): p50 " +
  "0.01–0.03 ms, p99 0.11–0.46 ms; the main thread received the wake 0.02–0.05 ms after the deadline at p50. " +
  "The p99 of 1–5 ms comes from a few stalls of 1.6–4 ms, and in each run the timer thread's own worst " +
  "lateness matched the main thread's worst lag: the timer thread did not get a CPU (2 shared vCPUs, the " +
  "main thread and V8's helper threads). Spinning on the timer thread before deadlines halved the median but " +
  "made this worse, so the thread does not spin.",
  "- **From source on Node, the timer thread also paid for the TypeScript stripper** (the benchmarks now run " +
  "the built packages, as npm users do). Its worker loads " +
  "`.ts` modules, so Node loads its type stripper there too, and the thread's heap is about 10 MB instead of " +
  "6 MB; `--trace-gc` showed that heap's occasional full collection taking 6–11 ms, and one falling inside a " +
  "measured window stalls every wake in flight (one traced run: an 11 ms collection, a p99 of 10.8 ms at " +
  "wake with 100,000 timers). Against the built package (`dist`, what npm users get) the same run showed no " +
  "full collection on the timer thread and a p99 at wake of 3.5 ms. The loop itself allocates nothing.",
  "- **With tasks, 100,000 timers in 100 ms outrun the executor.** One timer falls due every microsecond, and " +
  "waking, polling and finishing one `LocalExecutor` task (resuming its generator, settling its join handle, " +
  "collecting 100,000 coroutines) takes 1.6–1.9 µs on Node: the backlog grows from the first milliseconds and " +
  "the tasks run tens to hundreds of milliseconds late. This is the executor's throughput, which the core " +
  "benchmark measures; the timer's dispatch is the *at wake* column.",
  "- **At task poll, the executor's cost per timer is the floor, and the garbage collector adds to some " +
  "rounds.** Each round reports the longest collector pause in its window (the line under the table; " +
  "Node's `gc` entries): in the run of 2026-12-06 18:56 no round on Node had one, and its p99 at task poll " +
  "was still 11.4–73.2 ms, so a late round needs no collection. A sleeping task of this " +
  "benchmark holds about 440 bytes (its generator, the task, the sleep: heap after `gc()`, 100,000 " +
  "tasks), 44 MB in all, allocated just before the window. A scavenge that falls in or just before the " +
  "window copies up to the whole 16 MB young generation, 99.8 % of which survives: 62 ms on a quiet " +
  "machine, 150–390 ms in other runs (`--trace-gc-nvp`, Node 24, load 1–3), and every task woken " +
  "meanwhile waits. In five rounds on a quiet machine the p99 at task poll was 3.2–10.8 ms in rounds " +
  "without such a collection and 26–105 ms in the others; a traced run's 332 ms scavenge gave that " +
  "round a p99 of 395 ms. A build that counted (Node 24, load 3–4) saw the timer thread wake the main " +
  "thread 2–23 times per window, each fire waking 200–36,000 tasks, which the executor polled in 94–159 " +
  "slices of 1 ms, each after a host turn; the main thread's CPU in the window was 1.3–2.2 µs per timer " +
  "(`process.threadCpuUsage`), above the 1 µs the goal needs. The per-batch context and `Await` of the " +
  "executor are not what moves it: on a fixed window on a virtual clock (callgrind, Node 24 " +
  "`--single-threaded --predictable`, (Ir at 300,000 timers − Ir at 100,000) / 200,000, from spawn to " +
  "finish) a timer costs 7,711 instructions at `545ecc6`, 8,925 after the per-batch context, 9,248 on " +
  "main and 9,424 with a new context every 64 polls instead; the profile puts most of main's extra in " +
  "collector work (2,080 against 316 per timer: the larger run of main hit a full collection the older " +
  "build's did not) and about 300 in calls the larger `#pollReady` no longer inlines (`#settle`, " +
  "`isFinished`, `isEmpty`).",
  "- **Fixed since the first run of this benchmark:** core's `WakeTable` listener drained again without " +
  "yielding whenever the timer thread had already woken it anew (655 consecutive drains over 45.8 ms in one " +
  "traced run), so no promise, task or I/O could run; it now yields a turn of the event loop between such " +
  "drains.",
  "- **`setTimeout` fires early; Spindle never did.** Measured against the exact deadline, callbacks ran up " +
  "to about 2 ms early on Node (its timers count from the event loop's cached time, in whole milliseconds), " +
  "and up to about 1 ms early on Deno and Bun. Spindle compares each exact deadline with the clock before " +
  "waking, and no Spindle timer fired early in any run.",
];
