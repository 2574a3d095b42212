// `npm run bench`: runs every package's benchmark under Node 24, Deno and Bun, one process at a time
// (2 noisy vCPUs: nothing else of ours runs meanwhile), each writing its results as JSON to a temp
// file, then writes docs/benchmarks.md: a header (date, machine, runtimes, command) and one section
// per benchmark between `<!-- section:<id> -->` and `<!-- /section:<id> -->`.
//
// Each benchmark is one entry of `benches` below: the file to run, and how to render its JSON
// results (one per runtime) as markdown. To add one (timer, UDP, work-stealing), write
// apps/bench/src/<name>.bench.ts so that it takes `--json <file>`, and add an entry. Sections of
// benchmarks that were not run this time (`--only`) are kept from the existing file.
//
// Usage: node scripts/bench.ts [--only core] [--runtime node24,deno,bun] [--runs 5] [--out docs/benchmarks.md]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, relative, resolve as resolvePath } from "node:path";
import { parseArgs } from "node:util";
import { bin, root, runBounded } from "./workspace.ts";

const LEG_TIMEOUT_MS = 5 * 60_000;

// ---------------------------------------------------------------------------------------------
// Runtimes

interface Runtime {
  /** How the docs name it. */
  label: string;
  bin: string;
  /** The command line that runs `file` (relative to the root) with the benchmark's own `args`. */
  args: (file: string, args: string[]) => string[];
  version: () => string;
}

const firstLine = (cmd: string, args: string[]): string =>
  (spawnSync(cmd, args, { encoding: "utf8" }).stdout ?? "").trim().split("\n")[0] ?? "?";

// V8 natives syntax lets a benchmark report which tier (Ignition/Maglev/TurboFan) its hot functions
// reached; --expose-gc lets it collect garbage between measured runs. Neither changes the JIT.
const nodeRuntime = (label: string, node: string): Runtime => ({
  label,
  bin: node,
  args: (file, args) => ["--conditions=@spindle/source", "--allow-natives-syntax", "--expose-gc", file, ...args],
  version: () => firstLine(node, ["--version"]),
});

const runtimes: Record<string, Runtime> = {
  node24: nodeRuntime("Node 24", bin.node24),
  node22: nodeRuntime("Node 22", bin.node22),
  // Run from the root: the root deno.json workspace maps @spindle/core to its source.
  deno: {
    label: "Deno",
    bin: bin.deno,
    args: (file, args) => ["run", "-A", "--conditions=@spindle/source", "--v8-flags=--allow-natives-syntax,--expose-gc", file, ...args],
    version: () => firstLine(bin.deno, ["--version"]),
  },
  bun: {
    label: "Bun",
    bin: bin.bun,
    args: (file, args) => ["--conditions=@spindle/source", file, ...args],
    version: () => `bun ${firstLine(bin.bun, ["--version"])}`,
  },
};
const DEFAULT_RUNTIMES = ["node24", "deno", "bun"];

// ---------------------------------------------------------------------------------------------
// Benchmarks

/** One process: a benchmark's pass on one runtime, with its JSON results or why there are none. */
interface Leg {
  runtime: string;
  pass: string;
  result?: any;
  problem?: string;
  seconds: number;
}

interface Bench {
  /** The section id in docs/benchmarks.md. */
  id: string;
  title: string;
  /** Relative to the root; must accept `--json <file>`. */
  file: string;
  /** Arguments for every pass (e.g. `--runs`). */
  args: (opts: { runs?: number }) => string[];
  /** The processes to run per runtime, one after another: a name and its own extra arguments. */
  passes: { pass: string; args: string[] }[];
  /** The section's markdown (without its heading and markers). */
  render: (legs: Leg[]) => string;
}

const fmtRate = (x: number | undefined): string => (x === undefined ? "–" : `${(x / 1e6).toFixed(2)}M`);
const fmtRatio = (r: { median: number; min: number; max: number } | null | undefined): string =>
  r == null ? "–" : `**${r.median.toFixed(2)}×** (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
const check = (ok: boolean | undefined): string => (ok === undefined ? "–" : ok ? "✓" : "✗");
const runtimeName: Record<string, string> = { node: "Node", deno: "Deno", bun: "Bun" };

const core: Bench = {
  id: "core",
  title: "@spindle/core: LocalExecutor spawn/join throughput",
  file: "apps/bench/src/core-executor.bench.ts",
  args: ({ runs }) => (runs === undefined ? [] : ["--runs", String(runs)]),
  // The second pass measures Spindle and native with Effect not loaded: loading Effect shifts V8's
  // pretenuring decisions for Spindle's allocations (see core-executor.bench.ts).
  passes: [
    { pass: "all", args: [] },
    { pass: "no-effect", args: ["--no-effect"] },
  ],
  render(allLegs) {
    const legs = allLegs.filter((l) => l.pass === "all");
    const ok = legs.filter((l) => l.result !== undefined);
    const first = ok[0]?.result;
    const shapes: [string, string][] = [
      ["trivial", "Trivial tasks (return at once)"],
      ["suspend-once", "Tasks that suspend once and are woken by the batch driver"],
    ];
    const out: string[] = [];
    if (first !== undefined) {
      out.push(
        `${first.tasks.toLocaleString("en-US")} tasks per run, in batches of ${first.batch.toLocaleString("en-US")}: a parent ` +
          "spawns a batch and joins it before the next. Spindle: a parent coroutine on a `LocalExecutor` calls " +
          "`executor.spawn(child())` and `yield* joinAll(handles)` (child: a top-level `function*`); native: a parent " +
          "`async` function calls `child()` and `await Promise.all(promises)`; Effect " +
          "(effect@4): `yield* Effect.forkChild(child)` and `yield* Fiber.joinAll(fibers)` in an `Effect.gen`, run by " +
          "`Effect.runPromise` (child: `Effect.succeed(1)`). Suspend-once children wait on a gate the parent opens after " +
          "all have started: a Spindle future that stores each task's waker, a promise, an `Effect.callback`.",
        "",
        `Method: ${first.method}. Ratios are Spindle's rate over the peer's; in brackets the lowest and highest ` +
          "per-round ratio. The machine is shared and noisy: absolute rates move by ±30 % between runs, ratios much less. " +
          "Rows marked *Effect not loaded* come from a second process per runtime that runs only the Spindle and native " +
          "workloads: merely loading Effect changes V8's allocation-site pretenuring for Spindle's per-task objects " +
          "and lowers Spindle's rate on Node and Deno (not native's); the goals below are judged on the main rows. " +
          "Effect's own rate differs a lot between runtimes (several times lower on Deno than on Node), so the " +
          "Spindle / Effect ratio does too.",
        "",
      );
    }
    for (const [shape, title] of shapes) {
      out.push(
        `#### ${title}`,
        "",
        "| runtime | Spindle tasks/s | native tasks/s | Effect tasks/s | Spindle / native | Spindle / Effect |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
      );
      for (const leg of allLegs) {
        const name = leg.result ? `${runtimeName[leg.result.runtime.name as string]} ${leg.result.runtime.version}` : runtimes[leg.runtime]!.label;
        const label = `${name}${leg.pass === "no-effect" ? ", *Effect not loaded*" : ""}`;
        if (leg.result === undefined) {
          out.push(`| ${label} | failed: ${leg.problem} | | | | |`);
          continue;
        }
        const r = leg.result;
        const rate = (lib: string): number | undefined => r.results.find((x: any) => x.id === `${lib}-${shape}`)?.tasksPerSec;
        out.push(
          `| ${label} | ${fmtRate(rate("spindle"))} | ${fmtRate(rate("native"))} | ${fmtRate(rate("effect"))} | ` +
            `${fmtRatio(r.ratios[shape]?.native)} | ${fmtRatio(r.ratios[shape]?.effect)} |`,
        );
      }
      out.push("");
    }
    out.push(
      "#### Goals",
      "",
      "From the issue: Spindle should reach **at least native Promise throughput** (Spindle / native ≥ 1) and " +
        "**at least 5× Effect's fork/join** (Spindle / Effect ≥ 5), judged on the median per-round ratio.",
      "",
      "| runtime | ≥ native, trivial | ≥ native, suspend-once | ≥ 5× Effect, trivial | ≥ 5× Effect, suspend-once |",
      "| --- | :---: | :---: | :---: | :---: |",
    );
    for (const leg of legs) {
      const ratios = leg.result?.ratios;
      const goal = (shape: string, peer: string, min: number): boolean | undefined =>
        ratios?.[shape]?.[peer] == null ? undefined : ratios[shape][peer].median >= min;
      out.push(
        `| ${runtimes[leg.runtime]!.label} | ${check(goal("trivial", "native", 1))} | ${check(goal("suspend-once", "native", 1))} | ` +
          `${check(goal("trivial", "effect", 5))} | ${check(goal("suspend-once", "effect", 5))} |`,
      );
    }
    out.push(
      "",
      "Where the gap to native comes from (profiled on Node 24, `--cpu-prof`): creating a generator and running " +
        "it to its end while keeping one object per task runs at about 18M/s on V8 here, so a generator-based " +
        "task cannot beat an `async` function that returns at once (26M/s); Spindle spends the rest on its own " +
        "objects (the coroutine driver, the task, and a waker for each joined child that is still pending) and " +
        "the garbage they make (~18 % of the time). Known next steps: a task that drives its generator directly " +
        "(no separate coroutine future), and `joinAll` registering itself on child tasks instead of through a " +
        "cloned waker per child.",
    );
    const tiers = ok.filter((l) => l.result.tiers != null);
    if (tiers.length > 0) {
      out.push(
        "",
        "#### JIT tiers",
        "",
        "V8 can leave code in Maglev, ~2.3× slower than TurboFan (RUNTIME-FACTS); every workload here runs through a " +
          "full warm-up run first. Tier of each function's own code while the workloads run (a function inlined into " +
          "an optimized caller, such as `JoinHandle.poll` into the join loop, can show a lower tier for its own code; " +
          "a generator whose loop runs in on-stack-replaced code, such as the parents, shows its baseline tier):",
        "",
      );
      for (const leg of tiers) {
        const t = leg.result.tiers;
        const fns = Object.entries(t.functions as Record<string, string>).map(([k, v]) => `\`${k}\`: ${v}`).join("; ");
        out.push(`- ${runtimes[leg.runtime]!.label} (${t.method}): ${fns}.`);
      }
    }
    return out.join("\n");
  },
};

/** Milliseconds of lateness: 3 decimals below 1 ms, 2 below 10 ms, else 1. */
const fmtMs = (x: number): string => x.toFixed(Math.abs(x) < 1 ? 3 : Math.abs(x) < 10 ? 2 : 1);
const legName = (leg: Leg): string =>
  leg.result ? `${runtimeName[leg.result.runtime.name as string]} ${leg.result.runtime.version}` : runtimes[leg.runtime]!.label;

const timer: Bench = {
  id: "timer",
  title: "@spindle/timer: cost to schedule and cancel, lateness after the deadline",
  file: "apps/bench/src/timer.bench.ts",
  args: ({ runs }) => (runs === undefined ? [] : ["--runs", String(runs)]),
  passes: [{ pass: "all", args: [] }],
  render(legs) {
    const ok = legs.filter((l) => l.result !== undefined);
    const first = ok[0]?.result;
    const out: string[] = [];
    const cellOf = (r: any, variant: string, n: number, load: string): any =>
      r.lateness?.cells.find((c: any) => c.variant === variant && c.timers === n && c.load === load);
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
          `**Cost.** ${cost.timers.toLocaleString("en-US")} timers per run, durations ${cost.durations} (the same for ` +
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
          `| ${legName(leg)} | ${c.spindle.medianScheduleNs.toFixed(0)} ns | ${c.settimeout.medianScheduleNs.toFixed(0)} ns | ` +
            `${fmtRatio(c.ratios.schedule)} | ${c.spindle.medianCancelNs.toFixed(0)} ns | ${c.settimeout.medianCancelNs.toFixed(0)} ns | ` +
            `${fmtRatio(c.ratios.cancel)} |`,
        );
      }
      out.push("");
    }
    const withLateness = ok.filter((l) => l.result.lateness != null);
    if (withLateness.length > 0) {
      const sizes = [...new Set<number>(withLateness[0]!.result.lateness.cells.map((c: any) => c.timers))];
      const fmtCell = (c: any): string =>
        c === undefined
          ? "–"
          : `${fmtMs(c.p50)} / ${fmtMs(c.p99)} (${fmtMs(Math.min(...c.perRoundP99))}–${fmtMs(Math.max(...c.perRoundP99))}) / ` +
            `${fmtMs(c.max)}, ${c.early === 0 ? "0 early" : `**${c.early.toLocaleString("en-US")} early**`}`;
      out.push(
        "#### Lateness after the deadline",
        "",
        "Milliseconds: p50 / p99 (per-round p99 range) / max, and how many timers fired before their deadline, out of " +
          `${withLateness[0]!.result.measuredRounds} × N.`,
        "",
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
          for (const load of ["idle", "busy"]) {
            const busy = cellOf(r, "spindle-waker", n, load)?.busyFraction;
            const loadLabel = load === "busy" && busy != null ? `busy (${(busy * 100).toFixed(0)} %)` : load;
            out.push(
              `| ${legName(leg)} | ${n.toLocaleString("en-US")} | ${loadLabel} | ${fmtCell(cellOf(r, "spindle-waker", n, load))} | ` +
                `${fmtCell(cellOf(r, "spindle-task", n, load))} | ${fmtCell(cellOf(r, "settimeout", n, load))} |`,
            );
          }
        }
      }
      out.push("");
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
      const ratio = (key: string): boolean | undefined => (r?.cost?.ratios?.[key] == null ? undefined : r.cost.ratios[key].median <= 1);
      const p99 = (variant: string, load: string): boolean | undefined => {
        const c = r == null ? undefined : cellOf(r, variant, 100_000, load);
        return c === undefined ? undefined : c.p99 <= 0.5;
      };
      const spindleCells = (r?.lateness?.cells ?? []).filter((c: any) => c.variant !== "settimeout");
      const neverEarly = spindleCells.length === 0 ? undefined : spindleCells.every((c: any) => c.early === 0);
      out.push(
        `| ${runtimes[leg.runtime]!.label} | ${check(ratio("schedule"))} | ${check(ratio("cancel"))} | ` +
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
  "- **Registering a sleep costs more than a `setTimeout` on Node and Bun** (Deno's own `setTimeout` costs " +
    "several times more than either). A registered sleep is four objects (the `Sleep`, its queue entry, the " +
    "raw waker clone, and about one bucket per six timers when deadlines are spread over a second) and a " +
    "bucket lookup in a `Map` (31 ns on V8 with the small-integer tick keys the queue uses, 72–78 ns with " +
    "ticks since the clock's epoch, which it used before); on Node about a third of the time is the garbage " +
    "collector moving those objects. Node's `setTimeout` appends one object to a list per duration and reads " +
    "the event loop's cached time. Bun's `clearTimeout` costs about 20 ns, which a deregistration that drops a " +
    "waker and may drop a bucket does not match.",
  "- **The tail of the lateness at wake is the machine, not the queue.** In a build that recorded, on the " +
    "timer thread, how late it took each due thread out (10,000 and 100,000 timers, Node, Deno, Bun): p50 " +
    "0.01–0.03 ms, p99 0.11–0.46 ms; the main thread received the wake 0.02–0.05 ms after the deadline at p50. " +
    "The p99 of 1–5 ms comes from a few stalls of 1.6–4 ms, and in each run the timer thread's own worst " +
    "lateness matched the main thread's worst lag: the timer thread did not get a CPU (2 shared vCPUs, the " +
    "main thread and V8's helper threads). Spinning on the timer thread before deadlines halved the median but " +
    "made this worse, so the thread does not spin.",
  "- **From source on Node, the timer thread also pays for the TypeScript stripper.** Its worker loads " +
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
  "- **Fixed since the first run of this benchmark:** core's `WakeTable` listener drained again without " +
    "yielding whenever the timer thread had already woken it anew (655 consecutive drains over 45.8 ms in one " +
    "traced run), so no promise, task or I/O could run; it now yields a turn of the event loop between such " +
    "drains.",
  "- **`setTimeout` fires early; Spindle never did.** Measured against the exact deadline, callbacks ran up " +
    "to about 2 ms early on Node (its timers count from the event loop's cached time, in whole milliseconds), " +
    "and up to about 1 ms early on Deno and Bun. Spindle compares each exact deadline with the clock before " +
    "waking, and no Spindle timer fired early in any run.",
];

/** Every package's benchmark, in the order of their sections in docs/benchmarks.md. */
const benches: Bench[] = [core, timer];

// ---------------------------------------------------------------------------------------------
// Running

async function runLeg(runtime: string, bench: Bench, pass: Bench["passes"][number], tmp: string, runs: number | undefined): Promise<Leg> {
  const rt = runtimes[runtime]!;
  const json = join(tmp, `${bench.id}-${pass.pass}-${runtime}.json`);
  const args = rt.args(bench.file, [...bench.args({ runs }), ...pass.args, "--json", json]);
  console.log(`\n== ${bench.id} (${pass.pass}) on ${rt.label}: ${relative(root, rt.bin)} ${args.join(" ")}`);
  const started = performance.now();
  let problem = await runBounded(rt.bin, args, { stdio: ["ignore", "inherit", "inherit"], timeoutMs: LEG_TIMEOUT_MS });
  const seconds = (performance.now() - started) / 1000;
  if (problem === undefined) {
    try {
      return { runtime, pass: pass.pass, result: JSON.parse(readFileSync(json, "utf8")), seconds };
    } catch (error) {
      problem = `no JSON results (${(error as Error).message})`;
    }
  }
  return { runtime, pass: pass.pass, problem, seconds };
}

// ---------------------------------------------------------------------------------------------
// docs/benchmarks.md

const sectionRe = /<!-- section:([\w-]+) -->\n[\s\S]*?<!-- \/section:\1 -->/g;

function existingSections(file: string): Map<string, string> {
  const sections = new Map<string, string>();
  if (!existsSync(file)) return sections;
  for (const m of readFileSync(file, "utf8").matchAll(sectionRe)) sections.set(m[1]!, m[0]);
  return sections;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? "unknown";
}

function section(bench: Bench, legs: Leg[], date: string, names: string[], runs: number | undefined): string {
  const seconds = names.map((n) => `${runtimes[n]!.label} ${legs.filter((l) => l.runtime === n).reduce((t, l) => t + l.seconds, 0).toFixed(0)} s`);
  const commands = names.flatMap((n) => {
    const rt = runtimes[n]!;
    return bench.passes.map((p) => `    ${relative(root, rt.bin)} ${rt.args(bench.file, [...bench.args({ runs }), ...p.args, "--json", "<file>"]).join(" ")}`);
  });
  const failed = legs.filter((l) => l.problem !== undefined).map((l) => `${runtimes[l.runtime]!.label} (${l.pass}): ${l.problem}`);
  return [
    `<!-- section:${bench.id} -->`,
    `## ${bench.title}`,
    "",
    `Measured ${date} (${seconds.join(", ")}). Source: \`${bench.file}\`. Processes, one after another:`,
    "",
    ...commands,
    ...(failed.length ? ["", `**Failed:** ${failed.join("; ")}.`] : []),
    "",
    bench.render(legs),
    `<!-- /section:${bench.id} -->`,
  ].join("\n");
}

function writeDocs(file: string, fresh: Map<string, string>, names: string[], date: string): void {
  const kept = existingSections(file);
  const ids = [...benches.map((b) => b.id), ...[...kept.keys()].filter((id) => !benches.some((b) => b.id === id))];
  const sections = ids.flatMap((id) => fresh.get(id) ?? kept.get(id) ?? []);
  const doc = [
    "# Benchmarks",
    "",
    "<!-- Generated by `npm run bench` (scripts/bench.ts). Each section between `<!-- section:<id> -->` and",
    "     `<!-- /section:<id> -->` belongs to the entry <id> of `benches` in scripts/bench.ts; a run with",
    "     `--only <id>` rewrites that section and keeps the others. Edit the script, not this file. -->",
    "",
    `Last run: ${date}, with \`npm run bench\` (\`node_modules/node24/bin/node scripts/bench.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(" ")}` : ""}\`), runtimes run one after another.`,
    "",
    `Machine: ${cpuModel()}, ${cpus().length} vCPUs (shared and noisy: compare the ratios measured within one process rather ` +
      "than absolute rates across runs or machines); " +
      `${process.platform} ${(spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout ?? "").trim()}.`,
    "",
    `Runtimes: ${names.map((n) => `${runtimes[n]!.label}: ${runtimes[n]!.version()}`).join("; ")}.`,
    "",
    ...sections.flatMap((s) => [s, ""]),
  ].join("\n");
  writeFileSync(file, doc);
}

// ---------------------------------------------------------------------------------------------
// Main

const { values: opts } = parseArgs({
  options: {
    only: { type: "string" },
    runtime: { type: "string" },
    runs: { type: "string" },
    out: { type: "string", default: "docs/benchmarks.md" },
  },
});
const names = opts.runtime?.split(",") ?? DEFAULT_RUNTIMES;
const unknownRuntimes = names.filter((n) => !(n in runtimes));
const wanted = opts.only?.split(",");
const selected = benches.filter((b) => !wanted || wanted.includes(b.id));
if (unknownRuntimes.length || selected.length === 0) {
  console.error(
    unknownRuntimes.length
      ? `unknown runtime ${unknownRuntimes.join(", ")}; known: ${Object.keys(runtimes).join(", ")}`
      : `--only ${opts.only} matches no benchmark; known: ${benches.map((b) => b.id).join(", ")}`,
  );
  process.exit(2);
}
const runs = opts.runs === undefined ? undefined : Number(opts.runs);

const started = performance.now();
const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
const tmp = mkdtempSync(join(tmpdir(), "spindle-bench-"));
const fresh = new Map<string, string>();
const failures: string[] = [];
for (const bench of selected) {
  const legs: Leg[] = [];
  for (const runtime of names) {
    for (const pass of bench.passes) {
      const leg = await runLeg(runtime, bench, pass, tmp, runs);
      if (leg.problem !== undefined) failures.push(`${bench.id} (${pass.pass}) on ${runtime}: ${leg.problem}`);
      legs.push(leg);
    }
  }
  fresh.set(bench.id, section(bench, legs, date, names, runs));
}
const out = resolvePath(root, opts.out!);
writeDocs(out, fresh, names, date);
console.log(`\nwrote ${relative(root, out)} (JSON results in ${tmp}) in ${((performance.now() - started) / 1000).toFixed(0)} s`);
if (failures.length) {
  console.log(`FAILED: ${failures.join("; ")}`);
  process.exitCode = 1;
}
