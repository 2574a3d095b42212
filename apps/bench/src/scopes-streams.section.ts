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
          `${first.items.toLocaleString("en-US")} numbers consumed in a coroutine (\`yield* next(stream)\`), against ` +
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
      out.push(
        `| ${legName(leg)} | ${ms(m["scope"])} | ${ms(m["plain-spawn"])} | ${fmtRatio(q.scopeOverPlain)} ${
          check(q.scopeOverPlain ? q.scopeOverPlain.median <= 1.1 : undefined)
        } | ${ms(m["spindle-pipeline"])} | ${ms(m["native-pipeline"])} | ${ms(m["effect-pipeline"])} | ${
          fmtRatio(q.nativeOverSpindlePipeline)
        } ${check(q.nativeOverSpindlePipeline ? q.nativeOverSpindlePipeline.median >= 3 : undefined)} | ${
          fmtRatio(q.effectOverSpindlePipeline)
        } ${check(q.effectOverSpindlePipeline ? q.effectOverSpindlePipeline.median > 1 : undefined)} | ${
          ms(m["spindle-for-await"])
        } | ${ms(m["native-for-await"])} | ${fmtRatio(q.nativeOverSpindleForAwait)} ${
          check(q.nativeOverSpindleForAwait ? q.nativeOverSpindleForAwait.median >= 1 : undefined)
        } |`,
      );
    }
    out.push("");
    return out.join("\n");
  },
};
