// Running a benchmark's processes, and reading back the results a run saved.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { BenchResult, BenchSection, Leg } from "../../apps/bench/src/section.ts";
import { root, runBounded } from "../workspace.ts";
import { runtimes } from "./runtimes.ts";

/** How long one process may run unless its benchmark says otherwise. */
const LEG_TIMEOUT_MS = 5 * 60_000;

/** A benchmark of any result type, as the runner handles it. */
export type AnyBench = BenchSection<BenchResult>;

/** A leg's JSON results: where a run writes them (its temp dir) and where `--render-from` reads them. */
export const legFile = (dir: string, bench: AnyBench, pass: string, runtime: string): string =>
  join(dir, `${bench.id}-${pass}-${runtime}.json`);

/** Runs one pass of `bench` on `runtime`, its results going to `tmp`. */
export async function runLeg(
  runtime: string,
  bench: AnyBench,
  pass: AnyBench["passes"][number],
  tmp: string,
  runs: number | undefined,
): Promise<Leg<BenchResult>> {
  const rt = runtimes[runtime]!;
  const json = legFile(tmp, bench, pass.pass, runtime);
  const args = rt.args(
    pass.file ?? bench.file,
    [...bench.args({ runs }), ...pass.args, "--json", json],
    bench.runtimeFlags?.[runtime],
  );
  console.log(`\n== ${bench.id} (${pass.pass}) on ${rt.label}: ${relative(root, rt.bin)} ${args.join(" ")}`);
  const started = performance.now();
  let problem = await runBounded(rt.bin, args, {
    stdio: ["ignore", "inherit", "inherit"],
    timeoutMs: bench.legTimeoutMs ?? LEG_TIMEOUT_MS,
  });
  const seconds = (performance.now() - started) / 1000;
  const leg = { runtime, label: rt.label, pass: pass.pass, seconds };
  if (problem === undefined) {
    try {
      return { ...leg, result: readResult(json) };
    } catch (error) {
      problem = `no JSON results (${(error as Error).message})`;
    }
  }
  return { ...leg, problem };
}

/**
 * The legs of `bench` whose results a run saved in `dir`, for each runtime of `names` with any
 * (a pass without its file is a failed leg), and when each file was written.
 */
export function savedLegs(
  bench: AnyBench,
  dir: string,
  names: string[],
): { legs: Leg<BenchResult>[]; savedAt: Date[] } {
  const legs: Leg<BenchResult>[] = [];
  const savedAt: Date[] = [];
  for (const runtime of names) {
    const label = runtimes[runtime]!.label;
    const files = bench.passes.map(({ pass }) => ({ pass, file: legFile(dir, bench, pass, runtime) }));
    if (!files.some(({ file }) => existsSync(file))) continue;
    for (const { pass, file } of files) {
      if (!existsSync(file)) {
        legs.push({ runtime, label, pass, problem: "no saved results" });
        continue;
      }
      savedAt.push(statSync(file).mtime);
      try {
        legs.push({ runtime, label, pass, result: readResult(file) });
      } catch (error) {
        legs.push({ runtime, label, pass, problem: `unreadable results (${(error as Error).message})` });
      }
    }
  }
  return { legs, savedAt };
}

/**
 * A benchmark's JSON results. Trusted to be what its section's result type says: the benchmark
 * writes that type (`satisfies` in its source), and this runner wrote or kept the file.
 */
function readResult(file: string): BenchResult {
  return JSON.parse(readFileSync(file, "utf8")) as BenchResult;
}

export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, "Z");

/** When saved results were written: one time, or the first and the last. */
export function savedRange(times: Date[]): string {
  const sorted = times.map(isoSeconds).sort();
  return sorted[0] === sorted.at(-1) ? sorted[0]! : `${sorted[0]} to ${sorted.at(-1)}`;
}
