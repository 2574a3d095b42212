// How the sections of docs/benchmarks.md write figures, shared by every `<name>.section.ts`.
import type { BarValue } from "./charts.ts";
import type { BenchResult, Leg, Ratio } from "./section.ts";

/** Tasks (or items) per second, in millions. */
export const fmtRate = (x: number | undefined): string => (x === undefined ? "–" : `${(x / 1e6).toFixed(2)}M`);
/** A per-round ratio as the tables write it: the median in bold, the range in brackets. */
export const fmtRatio = (r: Ratio | null | undefined): string =>
  r == null ? "–" : `**${r.median.toFixed(2)}×** (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
/** A goal's cell: met, missed, or not measured. */
export const check = (ok: boolean | undefined): string => (ok === undefined ? "–" : ok ? "✓" : "✗");
const runtimeName: Record<string, string> = { node: "Node", deno: "Deno", bun: "Bun" };
/** A median ratio at the end of a bar, as the tables write it. */
export const fmtTimes = (x: number): string => `${x.toFixed(2)}×`;
export const fmtTimesTick = (x: number): string => `${Number(x.toPrecision(3))}×`;
export const fmtCountTick = (x: number): string => (x >= 1e6 ? `${x / 1e6}M` : x >= 1e3 ? `${x / 1e3}k` : String(x));
/** A bar's value, or "failed" where the leg has no results and "–" where it lacks this figure. */
export const barValue = <R>(leg: Leg<R>, value: number | null | undefined): BarValue =>
  value ?? { missing: leg.result === undefined ? "failed" : "–" };
/** The runtime of a leg as its results name it (`Node 24.21.0`), else the runtime's label. */
export const legName = (leg: Leg<BenchResult>): string =>
  leg.result ? `${runtimeName[leg.result.runtime.name]} ${leg.result.runtime.version}` : leg.label;
