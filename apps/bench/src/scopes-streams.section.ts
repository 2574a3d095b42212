// The scopes-and-streams benchmark's section of docs/benchmarks.md (see scopes-streams.bench.ts).
import type { BenchRuntime } from "./harness.ts";
import { check, fmtRatio, legName } from "./section-format.ts";
import { type BenchSection, type Ratio } from "./section.ts";

/** What `scopes-streams.bench.ts --json <file>` writes. */
export interface ScopesStreamsResult {
  bench: "scopes-streams";
  runtime: BenchRuntime;
  tasks: number;
  batch: number;
  items: number;
  measuredRounds: number;
  /** Median milliseconds of one run of each workload. */
  medianMs: Record<string, number>;
  ratios: {
    /** Scope time over plain spawn + joinAll time (goal <= 1.1). */
    scopeOverPlain: Ratio | null;
    /** Native async-generator pipeline time over Spindle's (goal >= 3). */
    nativeOverSpindlePipeline: Ratio | null;
    /** Effect Stream pipeline time over Spindle's (goal > 1). */
    effectOverSpindlePipeline: Ratio | null;
    /** The same two, Spindle consuming with a `yield* next(stream)` loop instead of `fold`. */
    nativeOverSpindlePipelineNext: Ratio | null;
    effectOverSpindlePipelineNext: Ratio | null;
    /** Native `for await` time over `for await` on a Spindle stream (goal >= 1). */
    nativeOverSpindleForAwait: Ratio | null;
  };
}

const ms = (x: number | undefined): string => (x === undefined ? "–" : `${x.toFixed(0)} ms`);

export const scopesStreamsSection: BenchSection<ScopesStreamsResult> = {
  id: "scopes-streams",
  title: "@spindle/core: TaskScope cost and stream pipelines",
  file: "apps/bench/src/scopes-streams.bench.ts",
  args: ({ runs }) => (runs === undefined ? [] : ["--runs", String(runs)]),
  passes: [{ pass: "all", args: [] }],
  render(legs) {
    const first = legs.find((l) => l.result !== undefined)?.result;
    const out: string[] = [];
    if (first !== undefined) {
      out.push(
        `Scope: ${first.tasks.toLocaleString("en-US")} tasks (each yields once) spawned into \`TaskScope\`s of ` +
          `${first.batch.toLocaleString("en-US")} and joined (\`scope.joinAll()\`, \`scope.close()\`), against ` +
          "`executor.spawn` + `joinAll(handles)`. Pipeline: `map` → `filter` → `take` over " +
          `${first.items.toLocaleString("en-US")} numbers consumed in a coroutine by \`yield* fold(stream, 0, add)\` ` +
          "(second row per runtime: by a `yield* next(stream)` loop, one future per item), against " +
          "native async generators consumed with `for await` and Effect 4's `Stream` (`runFold`). For await: " +
          "`for await` over `toAsyncIterable(fromIterable(range))` against a native async generator. Times are medians " +
          `of ${first.measuredRounds} rounds; ratios the median per-round ratio (range in brackets).`,
        "",
      );
    }
    out.push(
      "| runtime | scope | spawn + joinAll | scope / plain (goal ≤ 1.1) | Spindle pipeline | native pipeline | Effect pipeline | native / Spindle (goal ≥ 3) | Effect / Spindle (goal > 1) | for await Spindle | for await native | native / Spindle (goal ≥ 1) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const leg of legs) {
      const r = leg.result;
      if (r === undefined) {
        out.push(`| ${leg.label} | failed: ${leg.problem} | | | | | | | | | | |`);
        continue;
      }
      const m = r.medianMs;
      const q = r.ratios;
      const goal = (x: Ratio | null, ok: (median: number) => boolean): string =>
        `${fmtRatio(x)} ${check(x ? ok(x.median) : undefined)}`;
      out.push(
        `| ${legName(leg)} | ${ms(m["scope"])} | ${ms(m["plain-spawn"])} | ${
          goal(q.scopeOverPlain, (x) => x <= 1.1)
        } | ` +
          `${ms(m["spindle-pipeline"])} | ${ms(m["native-pipeline"])} | ${ms(m["effect-pipeline"])} | ` +
          `${goal(q.nativeOverSpindlePipeline, (x) => x >= 3)} | ${
            goal(q.effectOverSpindlePipeline, (x) => x > 1)
          } | ` +
          `${ms(m["spindle-for-await"])} | ${ms(m["native-for-await"])} | ` +
          `${goal(q.nativeOverSpindleForAwait, (x) => x >= 1)} |`,
        `| ${legName(leg)}, \`next\` loop | | | | ${ms(m["spindle-pipeline-next"])} | | | ` +
          `${goal(q.nativeOverSpindlePipelineNext, (x) => x >= 3)} | ${
            goal(q.effectOverSpindlePipelineNext, (x) => x > 1)
          } | | | |`,
      );
    }
    out.push("");
    return out.join("\n");
  },
};
