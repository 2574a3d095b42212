// `npm run bench`: runs every package's benchmark under Node 24, Deno and Bun, one process at a time
// (2 noisy vCPUs: nothing else of ours runs meanwhile), each writing its results as JSON to a temp
// file, then writes docs/benchmarks.md: a header (date, machine, runtimes, command) and one section
// per benchmark between `<!-- section:<id> -->` and `<!-- /section:<id> -->`. It builds the packages
// first and every benchmark imports them from `dist`, as npm users do (scripts/bench/runtimes.ts).
//
// Each benchmark is one entry of `benches` below, a `BenchSection` that its
// apps/bench/src/<name>.section.ts exports beside apps/bench/src/<name>.bench.ts: the file to run,
// the type of its JSON results, and how to render them (one per runtime) as markdown tables and
// SVG charts (apps/bench/src/charts.ts) with the prose that explains them. The charts go to
// docs/charts/<id>-<name>.svg (charts/ beside the `--out` file) and the section links them. To add
// a benchmark, write apps/bench/src/<name>.bench.ts so that it takes `--json <file>` and writes its
// result type there, its <name>.section.ts, and an entry below. Sections of benchmarks that were
// not run this time (`--only`) are kept from the existing file, with their charts. Running is in
// scripts/bench/run.ts, the runtimes in scripts/bench/runtimes.ts, the docs file in
// scripts/bench/docs.ts.
//
// `--render-from <dir>` runs nothing: it re-renders the sections (tables and charts) from the JSON
// results a run left in its temp dir (`<id>-<pass>-<runtime>.json`, the dir is printed at the end),
// e.g. after changing a renderer. The section then gives when the results were saved (file times).
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve as resolvePath } from "node:path";
import { parseArgs } from "node:util";
import { coreSection } from "../apps/bench/src/core-executor.section.ts";
import type { BenchResult, Leg } from "../apps/bench/src/section.ts";
import { syncSection } from "../apps/bench/src/sync.section.ts";
import { timerSection } from "../apps/bench/src/timer.section.ts";
import { udpSection } from "../apps/bench/src/udp.section.ts";
import { workstealingSection } from "../apps/bench/src/workstealing.section.ts";
import { type Section, section, writeDocs } from "./bench/docs.ts";
import { type AnyBench, isoSeconds, runLeg, savedLegs, savedRange } from "./bench/run.ts";
import { DEFAULT_RUNTIMES, runtimes } from "./bench/runtimes.ts";
import { root, turbo } from "./workspace.ts";

const USAGE =
  `Usage: node scripts/bench.ts [--only core,timer] [--runtime node24,deno,bun] [--runs 5] [--out docs/benchmarks.md]
       node scripts/bench.ts --render-from <dir> [--only ...] [--runtime ...] [--out ...]`;

/** Every package's benchmark, in the order of their sections in docs/benchmarks.md. */
const benches: AnyBench[] = [coreSection, timerSection, udpSection, syncSection, workstealingSection];
const ids = benches.map((b) => b.id);

/** The command line's options; on a bad one, prints why and the usage, and exits with 2. */
function parseOptions() {
  try {
    return parseArgs({
      options: {
        only: { type: "string" },
        runtime: { type: "string" },
        runs: { type: "string" },
        out: { type: "string", default: "docs/benchmarks.md" },
        "render-from": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const opts = parseOptions();
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const renderFrom = opts["render-from"] === undefined ? undefined : resolvePath(root, opts["render-from"]);
// Re-rendering takes every runtime with saved results unless told otherwise.
const names = opts.runtime?.split(",") ?? (renderFrom === undefined ? DEFAULT_RUNTIMES : Object.keys(runtimes));
const unknownRuntimes = names.filter((n) => !(n in runtimes));
const wanted = opts.only?.split(",");
const selected = benches.filter((b) => !wanted || wanted.includes(b.id));
if (unknownRuntimes.length || selected.length === 0 || (renderFrom !== undefined && !existsSync(renderFrom))) {
  console.error(
    unknownRuntimes.length
      ? `unknown runtime ${unknownRuntimes.join(", ")}; known: ${Object.keys(runtimes).join(", ")}`
      : selected.length === 0
      ? `--only ${opts.only} matches no benchmark; known: ${benches.map((b) => b.id).join(", ")}`
      : `--render-from ${opts["render-from"]}: no such directory`,
  );
  process.exit(2);
}
const runs = opts.runs === undefined ? undefined : Number(opts.runs);
const out = resolvePath(root, opts.out!);
const command = `\`node_modules/node24/bin/node scripts/bench.ts${
  process.argv.slice(2).map((a) => ` ${a}`).join("")
}\``;
const fresh = new Map<string, Section>();

if (renderFrom === undefined) {
  // Every benchmark runs the built packages (see scripts/bench/runtimes.ts): build them first.
  if (!turbo(["build", "--filter=./packages/*"])) {
    console.error("npm run bench: the build failed; nothing was measured");
    process.exit(1);
  }
  const started = performance.now();
  const date = isoSeconds(new Date());
  const tmp = mkdtempSync(join(tmpdir(), "spindle-bench-"));
  const failures: string[] = [];
  for (const bench of selected) {
    const legs: Leg<BenchResult>[] = [];
    for (const runtime of names) {
      for (const pass of bench.passes) {
        const leg = await runLeg(runtime, bench, pass, tmp, runs);
        if (leg.problem !== undefined) failures.push(`${bench.id} (${pass.pass}) on ${runtime}: ${leg.problem}`);
        legs.push(leg);
      }
    }
    const seconds = names.map((n) =>
      `${runtimes[n]!.label} ${legs.filter((l) => l.runtime === n).reduce((t, l) => t + l.seconds!, 0).toFixed(0)} s`
    );
    fresh.set(bench.id, section(bench, legs, `${date} (${seconds.join(", ")})`, runs));
  }
  writeDocs(out, ids, fresh, names, `${date}, with \`npm run bench\` (${command}), runtimes run one after another.`);
  console.log(
    `\nwrote ${relative(root, out)} (JSON results in ${tmp}) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  if (failures.length) {
    console.log(`FAILED: ${failures.join("; ")}`);
    process.exitCode = 1;
  }
} else {
  const savedAt: Date[] = [];
  const used = new Set<string>();
  for (const bench of selected) {
    const saved = savedLegs(bench, renderFrom, names);
    if (saved.legs.length === 0) continue;
    savedAt.push(...saved.savedAt);
    for (const leg of saved.legs) used.add(leg.runtime);
    const measured = `${
      savedRange(saved.savedAt)
    } (when its processes saved their results; re-rendered from them with \`--render-from\`)`;
    fresh.set(bench.id, section(bench, saved.legs, measured, runs));
  }
  if (fresh.size === 0) {
    console.error(
      `--render-from ${opts["render-from"]}: no results of ${
        selected.map((b) => b.id).join(", ")
      } there (files <id>-<pass>-<runtime>.json)`,
    );
    process.exit(2);
  }
  writeDocs(
    out,
    ids,
    fresh,
    names.filter((n) => used.has(n)),
    `results saved ${savedRange(savedAt)}, re-rendered with ${command}, runtimes run one after another.`,
  );
  console.log(`wrote ${relative(root, out)} (${[...fresh.keys()].join(", ")}) from ${renderFrom}`);
}
