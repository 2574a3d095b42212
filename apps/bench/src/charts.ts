// Grouped horizontal bar charts as SVG, for docs/benchmarks.md (see scripts/bench/docs.ts): one group of
// bars per category (e.g. a runtime), one bar per series (e.g. a contender), a value at the end of
// each bar, an x axis with grid lines, and optional dashed reference lines (goals).
//
// No dependencies. The output depends only on the input (no dates, no random ids), so a re-render of
// the same results gives the same bytes. A white card with a grey border keeps the chart readable on
// GitHub's light and dark themes. Text widths are estimated (no font metrics): labels get room for
// about 0.6 em per character.

/** One bar's value, or why there is none (written in its place, e.g. "not supported"). */
export type BarValue = number | { missing: string };

export interface BarChart {
  title: string;
  /** One line under the title: what the bars measure, in which unit. */
  subtitle: string;
  /** The groups, top to bottom. */
  categories: string[];
  /** The bars of every group, top to bottom, each with one value per category. */
  series: { name: string; values: BarValue[] }[];
  /** How a value is written at the end of its bar. */
  format: (value: number) => string;
  /** How an axis tick is written; default `format`. */
  formatTick?: (value: number) => string;
  /**
   * The x axis: `log` for values that span orders of magnitude (only values > 0 get a bar), `auto`
   * for log when the largest value is more than 100× the smallest (e.g. a ratio against a peer
   * that stalled); default `linear`.
   */
  scale?: "linear" | "log" | "auto";
  /** Dashed vertical lines across the plot, e.g. a goal: `{ value: 0.9, label: "goal ≥ 0.9×" }`. */
  references?: { value: number; label: string }[];
}

const WIDTH = 760;
const PAD = 16;
const BAR = 14;
const BAR_GAP = 2;
const GROUP_PAD = 8;
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
/** Okabe–Ito colours (distinguishable with colour blindness), without the yellow that fades on white. */
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
const INK = "#1f2328";
const MUTED = "#59636e";
const GRID = "#d8dee4";
const REFERENCE = "#cf222e";
const MISSING_MAX_CHARS = 48;

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
/** A coordinate with at most one decimal, written the same way every time. */
const px = (n: number): string => String(Math.round(n * 10) / 10);
const textWidth = (text: string, size: number): number => text.length * size * 0.6;

/** 1, 2, 2.5 or 5 times a power of ten, the smallest at least `x`. */
function niceStep(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= x * (1 - 1e-9))!;
}

interface Axis {
  ticks: number[];
  /** A value's distance from the axis start, as a share of the plot's width (clamped to [0, 1]). */
  at: (value: number) => number;
}

function linearAxis(max: number): Axis {
  const step = niceStep((max > 0 ? max : 1) / 5);
  const end = Math.max(1, Math.ceil(max / step - 1e-9)) * step;
  const ticks = Array.from({ length: Math.round(end / step) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { ticks, at: (v) => Math.min(1, Math.max(0, v / end)) };
}

/** Powers of ten around the values; with 2 decades or fewer, also 2× and 5× of each. */
function logAxis(min: number, max: number): Axis {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of hi - lo <= 2 ? [1, 2, 5] : [1]) {
      if (e < hi || m === 1) ticks.push(Number((m * 10 ** e).toPrecision(12)));
    }
  }
  return { ticks, at: (v) => (v <= 0 ? 0 : Math.min(1, Math.max(0, (Math.log10(v) - lo) / (hi - lo)))) };
}

/** The chart as a standalone SVG document. */
export function barChart(chart: BarChart): string {
  const { categories, series, format } = chart;
  const formatTick = chart.formatTick ?? format;
  const references = chart.references ?? [];
  const numbers = series.flatMap((s) => s.values.filter((v): v is number => typeof v === "number"));
  const positive = [...numbers, ...references.map((r) => r.value)].filter((v) => v > 0);
  const [min, max] = positive.length === 0 ? [1, 1] : [Math.min(...positive), Math.max(...positive)];
  const log = chart.scale === "log" || (chart.scale === "auto" && max > 100 * min);
  const axis = log ? logAxis(min, max) : linearAxis(max);

  const labelWidth = Math.max(...categories.map((c) => textWidth(c, 12)), 40);
  const valueWidth = Math.max(...numbers.map((v) => textWidth(format(v), 11)), 24);
  const plotLeft = PAD + labelWidth + 10;
  const plotRight = WIDTH - PAD - valueWidth - 8;
  const x = (v: number): number => plotLeft + axis.at(v) * (plotRight - plotLeft);

  const out: string[] = [];
  /** Bar labels, drawn last, with a white outline where they cross a line. */
  const labels: string[] = [];
  const textAt = (tx: number, ty: number, content: string, attrs: string): string =>
    `<text x="${px(tx)}" y="${px(ty)}"${attrs ? ` ${attrs}` : ""}>${escapeXml(content)}</text>`;
  const text = (tx: number, ty: number, content: string, attrs = ""): void => {
    out.push(textAt(tx, ty, content, attrs));
  };
  const label = (tx: number, ty: number, content: string, attrs = ""): void => {
    labels.push(
      textAt(
        tx,
        ty,
        content,
        `font-size="11" stroke="#ffffff" stroke-width="3" paint-order="stroke"${attrs ? ` ${attrs}` : ""}`,
      ),
    );
  };

  text(PAD, 28, chart.title, `font-size="15" font-weight="600"`);
  text(PAD, 46, chart.subtitle, `font-size="12" fill="${MUTED}"`);

  // Legend: one swatch per series, wrapped to the width.
  let legendX = PAD;
  let legendY = 62;
  series.forEach((s, i) => {
    const width = 14 + textWidth(s.name, 12) + 18;
    if (legendX + width > WIDTH - PAD && legendX > PAD) {
      legendX = PAD;
      legendY += 18;
    }
    out.push(
      `<rect x="${px(legendX)}" y="${px(legendY)}" width="10" height="10" rx="2" fill="${
        PALETTE[i % PALETTE.length]
      }"/>`,
    );
    text(legendX + 14, legendY + 9.5, s.name, `font-size="12"`);
    legendX += width;
  });

  const plotTop = legendY + 24 + (references.length > 0 ? 16 : 0);
  const groupHeight = series.length * BAR + (series.length - 1) * BAR_GAP + 2 * GROUP_PAD;
  const plotBottom = plotTop + categories.length * groupHeight;
  const height = plotBottom + 44;

  // Grid and tick labels.
  for (const tick of axis.ticks) {
    out.push(
      `<line x1="${px(x(tick))}" y1="${px(plotTop)}" x2="${px(x(tick))}" y2="${px(plotBottom)}" stroke="${GRID}"/>`,
    );
    text(x(tick), plotBottom + 16, formatTick(tick), `font-size="11" fill="${MUTED}" text-anchor="middle"`);
  }
  if (log) text(plotRight, plotBottom + 32, "log scale", `font-size="11" fill="${MUTED}" text-anchor="end"`);

  // Groups: a label, then one bar (or the reason for none) per series.
  categories.forEach((category, c) => {
    const top = plotTop + c * groupHeight;
    if (c > 0) {
      out.push(
        `<line x1="${PAD}" y1="${px(top)}" x2="${px(plotRight)}" y2="${
          px(top)
        }" stroke="${GRID}" stroke-dasharray="2 3"/>`,
      );
    }
    text(plotLeft - 10, top + groupHeight / 2 + 4, category, `font-size="12" text-anchor="end"`);
    series.forEach((s, i) => {
      const y = top + GROUP_PAD + i * (BAR + BAR_GAP);
      const value = s.values[c] ?? { missing: "–" };
      if (typeof value !== "number") {
        const why = value.missing.length > MISSING_MAX_CHARS
          ? `${value.missing.slice(0, MISSING_MAX_CHARS - 1)}…`
          : value.missing;
        label(plotLeft + 4, y + BAR - 3, why, `font-style="italic" fill="${MUTED}"`);
        return;
      }
      const end = x(value);
      out.push(
        `<rect x="${px(plotLeft)}" y="${px(y)}" width="${px(Math.max(end - plotLeft, 1))}" height="${BAR}" fill="${
          PALETTE[i % PALETTE.length]
        }"/>`,
      );
      label(end + 4, y + BAR - 3, format(value));
    });
  });
  out.push(
    `<line x1="${px(plotLeft)}" y1="${px(plotTop)}" x2="${px(plotLeft)}" y2="${px(plotBottom)}" stroke="${MUTED}"/>`,
  );

  // Reference lines over the bars (under their labels), labelled above the plot.
  for (const ref of references) {
    const rx = x(ref.value);
    out.push(
      `<line x1="${px(rx)}" y1="${px(plotTop - 4)}" x2="${px(rx)}" y2="${
        px(plotBottom)
      }" stroke="${REFERENCE}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
    );
    const anchor = rx + textWidth(ref.label, 11) / 2 > WIDTH - PAD
      ? "end"
      : rx - textWidth(ref.label, 11) / 2 < PAD
      ? "start"
      : "middle";
    text(rx, plotTop - 8, ref.label, `font-size="11" fill="${REFERENCE}" text-anchor="${anchor}"`);
  }
  out.push(...labels);

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${px(height)}" viewBox="0 0 ${WIDTH} ${
      px(height)
    }" ` +
    `role="img" aria-label="${escapeXml(chart.title)}" font-family="${escapeXml(FONT)}" fill="${INK}">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect x="0.5" y="0.5" width="${WIDTH - 1}" height="${px(height - 1)}" rx="6" fill="#ffffff" stroke="${GRID}"/>`,
    ...out,
    "</svg>",
    "",
  ].join("\n");
}
