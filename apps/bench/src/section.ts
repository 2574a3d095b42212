// What a benchmark gives `npm run bench` (scripts/bench.ts): how to run it, and how to render its
// JSON results as its section of docs/benchmarks.md. Each benchmark's `<name>.section.ts`, beside
// its `<name>.bench.ts`, exports one `BenchSection` with the type of the results it renders; the
// benchmark writes exactly that type (`satisfies`), so the two cannot drift apart unnoticed.
import type { BarChart } from "./charts.ts";
import type { BenchRuntime } from "./harness.ts";

/** A ratio measured per round: the median over rounds, and the lowest and highest round. */
export interface Ratio {
  median: number;
  min: number;
  max: number;
}

/** What every benchmark's results carry, whatever else they hold. */
export interface BenchResult {
  runtime: BenchRuntime;
}

/** One process: a benchmark's pass on one runtime, with its JSON results or why there are none. */
export interface Leg<R> {
  /** The runtime's key (`node24`, `deno`...). */
  runtime: string;
  /** How the docs name the runtime (`Node 24`), for legs without results. */
  label: string;
  pass: string;
  result?: R;
  problem?: string;
  /** How long the process ran; unknown for results re-rendered from files. */
  seconds?: number;
}

/** Adds a chart to the section being rendered; returns the markdown that shows it. */
export type ChartSink = (name: string, chart: BarChart) => string;

/** One benchmark as `npm run bench` runs it and renders it. */
export interface BenchSection<R extends BenchResult> {
  /** The section id in docs/benchmarks.md. */
  id: string;
  title: string;
  /** Relative to the root; must accept `--json <file>` and write an `R` there. */
  file: string;
  /** Arguments for every pass (e.g. `--runs`). */
  args: (opts: { runs?: number }) => string[];
  /**
   * The processes to run per runtime, one after another: a name, its own extra arguments, and the
   * file it runs when not `file` (relative to the root; it takes `--json <file>` too).
   */
  passes: { pass: string; args: string[]; file?: string }[];
  /**
   * The section's markdown (without its heading and markers); `chart` places a chart in it.
   * (Method syntax: a section of any result type can sit in one list of sections.)
   */
  render(legs: Leg<R>[], chart: ChartSink): string;
  /** Runtime flags the benchmark needs, per runtime key (e.g. Deno's `--unstable-net`). */
  runtimeFlags?: Partial<Record<string, string[]>>;
  /** How long one process may run before it is killed and the leg fails; default 5 minutes. */
  legTimeoutMs?: number;
}

/** A leg that has results. */
export type MeasuredLeg<R> = Leg<R> & { result: R };

/** The legs that have results, in their order. */
export const measuredLegs = <R>(legs: Leg<R>[]): MeasuredLeg<R>[] =>
  legs.filter((l): l is MeasuredLeg<R> => l.result !== undefined);
