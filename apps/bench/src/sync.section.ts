// The sync benchmark's section of docs/benchmarks.md (see sync.bench.ts): the results it writes,
// and how they are rendered, with the prose that explains them.
import type { BenchRuntime } from "./harness.ts";
import { barValue, check, fmtRate, fmtRatio, fmtTimes, fmtTimesTick, legName } from "./section-format.ts";
import { type BenchSection, measuredLegs, type Ratio } from "./section.ts";

/** The workloads, `<library>-<structure>`. */
export type SyncWorkloadId =
  | "spindle-mpsc"
  | "effect-queue"
  | "promise-queue"
  | "spindle-mutex"
  | "async-mutex"
  | "spindle-semaphore"
  | "async-sema";

/** The peers Spindle is compared with, each against the Spindle workload of its group. */
export type SyncPeer = "effect-queue" | "promise-queue" | "async-mutex" | "async-sema";

/** One workload's measured rounds. */
export interface SyncWorkloadResult {
  id: SyncWorkloadId;
  group: "channel" | "mutex" | "semaphore";
  /** Messages (channels) or acquisitions (locks) per run. */
  ops: number;
  runsMs: number[];
  medianMs: number;
  opsPerSec: number;
}

/** What `sync.bench.ts --json <file>` writes. */
export interface SyncResult {
  bench: "sync";
  runtime: BenchRuntime;
  messages: number;
  capacity: number;
  tasks: number;
  acquisitions: number;
  warmupRuns: number;
  measuredRuns: number;
  results: SyncWorkloadResult[];
  /** Spindle's rate over each peer's, per round. */
  ratios: Record<SyncPeer, Ratio>;
}

/** The issue's goals: Spindle's rate over the peer's, median per-round ratio. */
const GOALS: [SyncPeer, string, number][] = [
  ["effect-queue", "Effect `Queue.bounded`", 5],
  ["promise-queue", "promise-based bounded queue", 1.5],
  ["async-mutex", "`async-mutex` `Mutex`", 2],
  ["async-sema", "`async-sema` `Sema(4)`", 2],
];

export const syncSection: BenchSection<SyncResult> = {
  id: "sync",
  title: "@spindle/sync: bounded channel and lock throughput on one thread",
  file: "apps/bench/src/sync.bench.ts",
  args: ({ runs }) => (runs === undefined ? [] : ["--runs", String(runs)]),
  passes: [{ pass: "all", args: [] }],
  render(legs, chart) {
    const ok = measuredLegs(legs);
    const first = ok[0]?.result;
    const out: string[] = [];
    if (first !== undefined) {
      out.push(
        `Channels: ${first.messages.toLocaleString("en-US")} numbers from one task to another through a queue of ` +
          `capacity ${first.capacity.toLocaleString("en-US")}: Spindle's \`mpsc.bounded\` between two coroutine ` +
          "tasks of one `LocalExecutor`; Effect 4's `Queue.bounded` between two fibers; a hand-written promise-based " +
          "bounded queue between two " +
          "`async` functions. Locks: " +
          `${first.tasks} tasks, ${first.acquisitions.toLocaleString("en-US")} acquisitions in all, each lock held ` +
          "across one suspension (`yield* yieldNow()`, `await null`) so that the others queue behind it: Spindle's " +
          "`Mutex` against `async-mutex`, Spindle's `Semaphore(4)` against `async-sema`'s `Sema(4)`.",
        "",
        `Method: ${first.warmupRuns} warm-up and ${first.measuredRuns} measured rounds, every workload once per ` +
          "round in rotation; ratios are Spindle's rate over the peer's in the same round, the median in bold and " +
          "the lowest and highest round in brackets. The machine is shared with other work (2 vCPUs): absolute " +
          "rates move between runs, ratios less.",
        "",
        chart("ratios", {
          title: "@spindle/sync: Spindle's rate over its peers'",
          subtitle: "median per-round ratio; higher is better",
          categories: legs.map(legName),
          series: GOALS.map(([peer, name]) => ({
            name: `over ${name.replaceAll("`", "")}`,
            values: legs.map((l) => barValue(l, l.result?.ratios[peer]?.median)),
          })),
          format: fmtTimes,
          formatTick: fmtTimesTick,
          scale: "auto",
        }),
        "",
        "| runtime | workload | median rate (ops/s) |",
        "| --- | --- | ---: |",
      );
      for (const leg of legs) {
        if (leg.result === undefined) {
          out.push(`| ${leg.label} | failed: ${leg.problem} | |`);
          continue;
        }
        for (const w of leg.result.results) out.push(`| ${legName(leg)} | ${w.id} | ${fmtRate(w.opsPerSec)} |`);
      }
      out.push(
        "",
        "#### Goals",
        "",
        "| runtime | peer | Spindle / peer | goal | met |",
        "| --- | --- | ---: | ---: | :---: |",
      );
      for (const leg of ok) {
        for (const [peer, name, goal] of GOALS) {
          const r = leg.result.ratios[peer];
          out.push(
            `| ${legName(leg)} | ${name} | ${fmtRatio(r)} | ≥ ${goal}× | ${check(r.median >= goal)} |`,
          );
        }
      }
      out.push(
        "",
        "Effection 4's channel is not measured: it has no bounded channel, and 100,000 messages through its " +
          "unbounded one took 9.3 s on Node 24 here (Spindle's bounded channel: 0.23 s).",
      );
    }
    return out.join("\n");
  },
};
