// The UDP benchmark's section of docs/benchmarks.md (see udp.bench.ts): the results it writes, and
// how they are rendered, with the prose that explains them.
import type { BarValue } from "./charts.ts";
import type { BenchRuntime } from "./harness.ts";
import { check, fmtTimes, fmtTimesTick, legName } from "./section-format.ts";
import { type BenchSection, measuredLegs, type Ratio } from "./section.ts";

/** How a throughput sender paces itself: only where its API says (`api`), or also a host turn per batch (`turn`). */
export type Pacing = "api" | "turn";
/** Pacings in the order the docs show them. */
const PACINGS: Pacing[] = ["turn", "api"];

/** A row of the benchmark: one raw API or one Spindle backend. */
export interface UdpRow {
  /** `raw:<api>` or `spindle:<backend>`. */
  id: string;
  kind: "raw" | "spindle";
  api: string;
}

/** What one throughput run of one row counted. */
export interface ThroughputRun {
  sent: number;
  received: number;
  /** Received per second, from the first send to the last arrival. */
  rate: number;
  /** Sent - received. */
  lost: number;
  /** Spindle's receive queue drops (`stats().dropped`); null for raw rows. */
  queueDropped: number | null;
  /** The kernel's RcvbufErrors increase during the run (system-wide), or null. */
  kernelDropped: number | null;
  sendErrors: number;
  /** Milliseconds from the first send to the last send handed over. */
  sendMs: number;
  /** Milliseconds from the first send to the first arrival. */
  firstArrivalMs: number;
  /** Milliseconds from the first send to the last arrival. */
  lastArrivalMs: number;
  /** Process CPU time (user + system, every thread) per datagram sent, in microseconds. */
  cpuUsPerDatagram: number;
}

/** One row's throughput in one cell (size and pacing): medians over the measured rounds. */
export interface ThroughputRowReport {
  row: string;
  medianRate: number | null;
  medianLossPercent: number | null;
  medianLost: number | null;
  medianQueueDropped: number | null;
  medianKernelDropped: number | null;
  medianFirstArrivalMs: number | null;
  medianSendMs: number | null;
  medianCpuUsPerDatagram: number | null;
  /** Against the peer (the first raw row) in the same round; null for raw rows. */
  vsPeer: {
    rate: Ratio | null;
    /** Spindle's loss minus the peer's, in percentage points of sent. */
    lossPoints: Ratio | null;
  } | null;
  runs: ThroughputRun[];
}

/** The throughput of every row at one payload size and pacing. */
export interface ThroughputCellReport {
  size: number;
  pacing: Pacing;
  rows: ThroughputRowReport[];
}

/** Round-trip statistics, in microseconds. */
export interface RttStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** One row's round trips, pooled over the measured rounds. */
export interface RttRowReport extends RttStats {
  row: string;
  perRoundP50: number[];
  perRoundP99: number[];
  /** Per-round p50 and p99 over the peer's; null for raw rows. */
  vsPeer: { p50: Ratio | null; p99: Ratio | null } | null;
}

/** What `udp.bench.ts --json <file>` writes. */
export interface UdpResult {
  bench: "udp";
  runtime: BenchRuntime;
  /** reactor-net's backends on this runtime, the default (`auto`), and the ones run. */
  backends: { offered: string[]; usable: string[]; unusable: Record<string, string>; auto: string; run: string[] };
  rawApis: string[];
  rawSkipped: Record<string, string>;
  rows: UdpRow[];
  /** The id of the row every ratio is taken against, if any. */
  peer: string | null;
  datagrams: number;
  sizes: number[];
  pacings: Pacing[];
  batch: number;
  sender: "try" | "future";
  window: number;
  quietMs: number;
  roundTrips: number;
  warmRoundTrips: number;
  rttPayload: number;
  warmupRounds: number;
  measuredRounds: number;
  method: string;
  throughput: ThroughputCellReport[];
  /** Null when the round-trip part was not run. */
  rtt: RttRowReport[] | null;
}

/** A row of the UDP benchmark as the docs name it: `raw:<api>` or `spindle:<backend>`. */
const udpRowName = (id: string, auto?: string): string => {
  const [kind, ...rest] = id.split(":");
  const api = rest.join(":");
  return kind === "raw" ? `raw \`${api}\`` : `Spindle \`${api}\`${api === auto ? " (auto)" : ""}`;
};
const fmtInt = (x: number | null | undefined): string => (x == null ? "–" : Math.round(x).toLocaleString("en-US"));
const fmtKps = (x: number | null | undefined): string => (x == null ? "–" : `${(x / 1000).toFixed(1)}k`);
const fmtPct = (
  x: number | null | undefined,
): string => (x == null ? "–" : `${x < 10 && x > 0 ? x.toFixed(2) : x.toFixed(1)} %`);
const fmtX = (r: { median: number; min: number; max: number } | null | undefined, bold = true): string =>
  r == null
    ? "–"
    : `${bold ? "**" : ""}${r.median.toFixed(2)}×${bold ? "**" : ""} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
/** A cell whose receiver saw its first datagram only after the sender had finished. */
const starved = (row: ThroughputRowReport): boolean =>
  row.medianFirstArrivalMs != null && row.medianSendMs != null && row.medianFirstArrivalMs >= 0.9 * row.medianSendMs &&
  (row.medianLossPercent ?? 0) > 50;
const udpCell = (r: UdpResult, size: number, pacing: Pacing, row: string): ThroughputRowReport | undefined =>
  r.throughput?.find((c) => c.size === size && c.pacing === pacing)?.rows.find((x) => x.row === row);
const UDP_PACING_TITLE: Record<Pacing, string> = {
  turn:
    "Pacing `turn`: the sender also yields one host event-loop turn after every {batch} datagrams (how the issue's reference figures were measured)",
  api: "Pacing `api`: the sender waits only where the API tells it to",
};

export const udpSection: BenchSection<UdpResult> = {
  id: "udp",
  title: "@spindle/reactor-net: UDP one-way throughput and round trips against each runtime's raw API",
  file: "apps/bench/src/udp.bench.ts",
  args: ({ runs }) => (runs === undefined ? [] : ["--runs", String(runs)]),
  passes: [{ pass: "all", args: [] }],
  // Deno.listenDatagram (the raw peer and reactor-net's "deno" backend) needs --unstable-net.
  runtimeFlags: { deno: ["--unstable-net"] },
  legTimeoutMs: 15 * 60_000,
  render(legs, chart) {
    const ok = measuredLegs(legs);
    const first = ok[0]?.result;
    const out: string[] = [];
    if (first !== undefined) {
      out.push(
        `Loopback (127.0.0.1), one process per runtime; every run binds fresh sockets. Rows: the runtime's raw UDP APIs ` +
          "— its fastest first (Node `node:dgram`, Bun `Bun.udpSocket`, Deno `Deno.listenDatagram`), the peer of every " +
          "ratio, then the runtime's own `node:dgram` on Bun and Deno — and one row per `UdpSocket` backend that " +
          "`@spindle/reactor-net` offers on the runtime (found at run time; *(auto)* marks the default). Method: " +
          `${first.method}. Ratios are Spindle's figure over the peer's in the same round: the median, and in brackets ` +
          "the lowest and highest round.",
        "",
        `**Throughput.** ${first.datagrams.toLocaleString("en-US")} datagrams from one socket to another on the same ` +
          "thread. Senders wait where their API says so: raw `node:dgram` keeps at most " +
          `${first.window} sends in flight (its callbacks; Spindle's default \`sendWindow\`), raw \`Bun.udpSocket\` sends ` +
          "until `send()` returns false and then waits for `drain`, raw `Deno.listenDatagram` awaits each `send()`; " +
          (first.sender === "future"
            ? "Spindle's sender is a task on a `LocalExecutor` awaiting one `yield* sendTo()` future per datagram, "
            : "Spindle's sender is a task on a `LocalExecutor` looping `trySendTo()` and, on `WOULD_BLOCK`, `yield* writable()`, ") +
          "and its receiver a second task looping `tryRecvFrom()` / `yield* readable()`. Raw receivers: " +
          "the `message` event, Bun's `data` handler, a loop of `await receive(buffer)` on Deno. Received/s = datagrams " +
          "received over the time from the first send to the last arrival (the median round); loss = sent − received, " +
          "in brackets split into Spindle's receive-queue drops (`stats().dropped`) / the kernel's `RcvbufErrors` " +
          "(system-wide counter, read around each run); CPU = the process's user + system time per datagram. " +
          `A run ends when all arrived or ${first.quietMs} ms after the last send and arrival.`,
        "",
        "On loopback the kernel never refuses a datagram (a full receive buffer drops it), so Node's and Bun's APIs " +
          "never report backpressure: a sender that waits only on them (pacing `api`) keeps the thread until it is " +
          "done, and the receiver on the same thread gets only what the kernel buffer held when the sender finished " +
          "(~256 × 64 B, ~92 × 1,200 B). Those cells are marked *starved*: they show the API, not a rate. Pacing " +
          `\`turn\` adds one \`setImmediate\` turn after every ${first.batch} datagrams (a Spindle task: \`yield* ` +
          "fromPromise(turn())`), as a producer sharing its thread with a consumer must; the issue's reference " +
          "figures (Node ~127k/s, Bun ~184k/s, Deno 32k/s with 82 % loss) match this pacing.",
        "",
        `**Round trips.** ${
          first.roundTrips.toLocaleString("en-US")
        } sequential exchanges of one ${first.rttPayload}-byte ` +
          "datagram each way between a client and an echo server in the same process, each timed from before the " +
          "client's send to its receipt of the echo (the first " +
          `${first.warmRoundTrips} of each run not recorded). Raw: the echo and the next send from the API's callbacks ` +
          "(`node:dgram`, Bun) or two `await receive(); await send()` loops (Deno); Spindle: two tasks on one " +
          "`LocalExecutor`, each receiving with `yield* recvFrom()` and sending " +
          (first.sender === "future"
            ? "with `yield* sendTo()`, which also waits for the runtime's report that the datagram was sent. "
            : "with `trySendTo()` (waiting on `writable()` only if it would block), as the raw `node:dgram` and Bun " +
              "loops send without waiting for a report (`yield* sendTo()` also waits for that report; see the " +
              "findings). ") +
          "Percentiles pool every recorded round trip of every round; the ratios are per-round p50 (p99) over the peer's.",
        "",
        "The machine has 2 shared, noisy vCPUs: absolute rates move by tens of percent between runs; ratios within " +
          "one process move less, and CPU per datagram is steadier than either.",
        "",
      );
    }
    const measured = new Set<Pacing>(ok.flatMap((l) => (l.result.throughput ?? []).map((c) => c.pacing)));
    const pacings = PACINGS.filter((p) => measured.has(p));
    const sizes: number[] = [...new Set<number>(ok.flatMap((l) => (l.result.throughput ?? []).map((c) => c.size)))];
    for (const pacing of pacings) {
      out.push(
        `#### Throughput — ${UDP_PACING_TITLE[pacing].replace("{batch}", String(first?.batch ?? "?"))}`,
        "",
        `| runtime | API | ${
          sizes.map((s) => `${s.toLocaleString("en-US")} B received/s | loss (queue / kernel) | CPU µs | × raw`).join(
            " | ",
          )
        } |`,
        `| --- | --- | ${sizes.map(() => "---: | ---: | ---: | ---:").join(" | ")} |`,
      );
      for (const leg of legs) {
        const r = leg.result;
        if (r?.throughput == null) {
          out.push(
            `| ${legName(leg)} | failed: ${leg.problem ?? "no throughput results"} |${
              " |".repeat(sizes.length * 4 - 1)
            }`,
          );
          continue;
        }
        for (const row of r.rows) {
          const cells = sizes.map((size) => {
            const c = udpCell(r, size, pacing, row.id);
            if (c === undefined) return "– | – | – | –";
            const rate = starved(c) ? `*starved* (${fmtKps(c.medianRate)})` : fmtKps(c.medianRate);
            const split = `${c.medianQueueDropped == null ? "–" : fmtInt(c.medianQueueDropped)} / ${
              fmtInt(c.medianKernelDropped)
            }`;
            const ratio = row.id === r.peer ? "peer" : row.kind === "raw" ? "" : fmtX(c.vsPeer?.rate, !starved(c));
            return `${rate} | ${fmtPct(c.medianLossPercent)} (${split}) | ${
              c.medianCpuUsPerDatagram?.toFixed(1) ?? "–"
            } | ${ratio}`;
          });
          out.push(`| ${legName(leg)} | ${udpRowName(row.id, r.backends?.auto)} | ${cells.join(" | ")} |`);
        }
      }
      out.push("");
    }
    if (ok.some((l) => l.result.rtt != null)) {
      out.push(
        "#### Round trips",
        "",
        "Microseconds, every recorded round trip of every measured round.",
        "",
        "| runtime | API | p50 µs | p99 µs | max µs | p50 × raw | p99 × raw |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
      );
      for (const leg of legs) {
        const r = leg.result;
        if (r?.rtt == null) {
          out.push(`| ${legName(leg)} | failed: ${leg.problem ?? "no round-trip results"} | | | | | |`);
          continue;
        }
        for (const x of r.rtt) {
          const row = r.rows.find((y) => y.id === x.row);
          const peerCell = (
            k: "p50" | "p99",
          ): string => (x.row === r.peer ? "peer" : row?.kind === "raw" ? "" : fmtX(x.vsPeer?.[k], k === "p50"));
          out.push(
            `| ${legName(leg)} | ${udpRowName(x.row, r.backends?.auto)} | ${x.p50.toFixed(1)} | ${x.p99.toFixed(1)} | ${
              x.max.toFixed(0)
            } | ${peerCell("p50")} | ${peerCell("p99")} |`,
          );
        }
      }
      out.push("");
    }
    // Goals, per Spindle backend.
    out.push(
      "#### Goals",
      "",
      "From the issue: **at least 0.9× the raw throughput** and **at most 1.1× the raw p50 round trip** on every " +
        "runtime (median per-round ratio against the runtime's fastest raw API), and **on Deno less loss than raw " +
        "`Deno.listenDatagram`** (median loss in percentage points below the raw row's). Throughput is judged per " +
        "size and pacing; a *starved* cell (see above) measures no rate and is not judged (n/a). The ratios are " +
        "given to three decimals, as judged.",
      "",
    );
    // One bar group per Spindle backend and runtime.
    const backends = ok.flatMap((leg) =>
      leg.result.rows.filter((x) => x.kind === "spindle").map((row) => ({ leg, r: leg.result, row: row.id }))
    );
    if (backends.length > 0) {
      const categories = backends.map(({ leg, r, row }) =>
        `${legName(leg)}, ${udpRowName(row, r.backends?.auto).replaceAll("`", "")}`
      );
      out.push(
        chart("throughput", {
          title: "@spindle/reactor-net: UDP throughput, Spindle over the raw API",
          subtitle: "Datagrams received per second ÷ the fastest raw API's, median per-round ratio; higher is better",
          categories,
          series: pacings.flatMap((p) =>
            sizes.map((size) => ({
              name: `${size.toLocaleString("en-US")} B, pacing ${p}`,
              values: backends.map(({ r, row }): BarValue => {
                const c = udpCell(r, size, p, row);
                if (c?.vsPeer?.rate == null) return { missing: "–" };
                return starved(c) ? { missing: "starved (not judged)" } : c.vsPeer.rate.median;
              }),
            }))
          ),
          format: fmtTimes,
          formatTick: fmtTimesTick,
          scale: "auto",
          references: [{ value: 0.9, label: "goal ≥ 0.9×" }],
        }),
        "",
        chart("rtt", {
          title: "@spindle/reactor-net: UDP round trip, Spindle over the raw API",
          subtitle: "p50 round trip ÷ the fastest raw API's, median per-round ratio; lower is better",
          categories,
          series: [{
            name: "p50 round trip",
            values: backends.map(({ r, row }) =>
              r.rtt?.find((x) => x.row === row)?.vsPeer?.p50?.median ?? { missing: "–" }
            ),
          }],
          format: fmtTimes,
          formatTick: fmtTimesTick,
          scale: "auto",
          references: [{ value: 1.1, label: "goal ≤ 1.1×" }],
        }),
        "",
      );
    }
    out.push(
      `| runtime | backend | ${
        pacings.flatMap((p) => sizes.map((s) => `≥ 0.9× raw, ${s.toLocaleString("en-US")} B ${p}`)).join(" | ")
      } | p50 ≤ 1.1× raw | less loss than raw (Deno) |`,
      `| --- | --- | ${pacings.flatMap(() => sizes.map(() => ":---:")).join(" | ")} | :---: | :---: |`,
    );
    for (const leg of ok) {
      const r = leg.result;
      for (const row of r.rows.filter((x) => x.kind === "spindle")) {
        const tp = pacings.flatMap((p) =>
          sizes.map((s) => {
            const c = udpCell(r, s, p, row.id);
            if (c?.vsPeer?.rate == null) return "–";
            if (starved(c)) return "n/a";
            return `${check(c.vsPeer.rate.median >= 0.9)} ${c.vsPeer.rate.median.toFixed(3)}×`;
          })
        );
        const p50 = r.rtt?.find((x) => x.row === row.id)?.vsPeer?.p50;
        const rtt = p50 == null ? "–" : `${check(p50.median <= 1.1)} ${p50.median.toFixed(3)}×`;
        let loss = "–";
        if (r.runtime.name === "deno" && r.peer === "raw:Deno.listenDatagram") {
          const pts = pacings.flatMap((p) => sizes.map((s) => udpCell(r, s, p, row.id)?.vsPeer?.lossPoints?.median))
            .filter((x) => x != null);
          loss = pts.length === 0
            ? "–"
            : `${check(pts.every((x) => x < 0))} ${
              pts.map((x) => `${x > 0 ? "+" : ""}${x.toFixed(1)}`).join(" / ")
            } pts`;
        }
        out.push(
          `| ${legName(leg)} | ${udpRowName(row.id, r.backends?.auto)} | ${tp.join(" | ")} | ${rtt} | ${loss} |`,
        );
      }
    }
    if (ok.some((l) => l.result.runtime.name === "deno")) {
      out.push(
        "",
        `Deno's loss column: Spindle's loss minus raw's, in percentage points of the datagrams sent, for ${
          pacings.flatMap((p) => sizes.map((s) => `${s.toLocaleString("en-US")} B ${p}`)).join(", ")
        }.`,
      );
    }
    // Fastest backend per runtime.
    const fastest: string[] = [];
    for (const leg of ok) {
      const r = leg.result;
      const spindle = r.rows.filter((x) => x.kind === "spindle");
      if (spindle.length === 0) continue;
      const score = (id: string): number => {
        const ratios = (r.throughput ?? []).flatMap((c) => {
          const x = c.rows.find((y) => y.row === id);
          return x?.vsPeer?.rate != null && !starved(x) ? [Math.log(x.vsPeer.rate.median)] : [];
        });
        return ratios.length === 0 ? NaN : Math.exp(ratios.reduce((a, b) => a + b, 0) / ratios.length);
      };
      const p50 = (id: string): number => r.rtt?.find((x) => x.row === id)?.p50 ?? NaN;
      const byRate = [...spindle].sort((a, b) => score(b.id) - score(a.id));
      const byRtt = [...spindle].sort((a, b) => p50(a.id) - p50(b.id));
      const desc = spindle.map((x) =>
        `${udpRowName(x.id)} ${Number.isNaN(score(x.id)) ? "–" : `${score(x.id).toFixed(2)}×`} raw, p50 ${
          p50(x.id).toFixed(1)
        } µs`
      ).join("; ");
      fastest.push(
        `- ${legName(leg)}: ${
          byRate[0]!.id === byRtt[0]!.id
            ? `**${udpRowName(byRate[0]!.id)}**`
            : `throughput ${udpRowName(byRate[0]!.id)}, round trips ${udpRowName(byRtt[0]!.id)}`
        } ` +
          `(${desc}; default today: \`${r.backends?.auto}\`).`,
      );
    }
    if (fastest.length > 0) {
      out.push(
        "",
        "#### Fastest backend per runtime",
        "",
        "Throughput as the geometric mean of the judged throughput ratios above; round trips by pooled p50.",
        "",
        ...fastest,
      );
    }
    out.push("", ...UDP_FINDINGS);
    return out.join("\n");
  },
};

/**
 * What the UDP numbers come from, found with scratch probes, `--cpu-prof`, `strace -c` and
 * per-thread /proc stats on Node 24 (and checked on Deno and Bun); kept beside the renderer
 * because the tables do not explain themselves.
 */
const UDP_FINDINGS: string[] = [
  "#### What the numbers come from",
  "",
  "Found while writing this benchmark, on this machine; figures from single development runs, so only their size matters.",
  "",
  "- **Spindle does not hand the thread back while a sender never has to wait (pacing `api`).** A task that sends " +
  "200,000 datagrams with `trySendTo()` / `yield* writable()` kept the thread for the whole send: on Node " +
  "(`node:dgram` backend) it waited on `writable()` 3,124 times (the 64-send window), yet a `setTimeout(0)` set " +
  "before it fired only after 831 ms, when the last datagram was handed over, and the receiver got 256. Each wait " +
  "parks the `LocalExecutor`, and `node:dgram`'s send callbacks (`process.nextTick`) wake it again inside the " +
  "same macrotask, so its 1 ms `timeSliceMs` never ends with a task still queued, and it never yields a turn. " +
  "With the `bun` backend a send completes at once, the task never waits, and one poll ran 745 ms. The Deno " +
  "backends complete sends through the event loop (the timer fired after 2–3 ms). The raw APIs do the same " +
  "(their rows are starved too). A cooperative budget (tokio's is 128 operations per task poll) or a time slice " +
  "that also counts the parks that ended without a host turn would let the receiver run." +
  " Both are in place since issue 17 (the slice lasts across parks woken within one host turn; ready leaf futures " +
  "take from a budget of 128 per task poll): in 100,000-datagram `api` runs on Node 24 (3 rounds, 64 B, load " +
  "average about 12 on the 2 vCPUs) the receiver's first datagram came after 26 ms instead of 1.3–1.7 s and it " +
  "got 1,856 instead of 256; the tables above were measured before. Pacing `turn` and round trips did not move " +
  "beyond the noise in the same conditions (Spindle's CPU per datagram over raw 1.04–1.16× before, 1.06–1.18× " +
  "after; round-trip p50 over raw 1.11–1.12× before, 1.12–1.13× after; a Spindle-only `turn` loop: 11.3–14.3 µs " +
  "per datagram before, 11.4–15.1 after).",
  "- **On Node, every received datagram costs the receiving task a full wait.** Node runs microtasks after each " +
  "`message` callback, so the executor polls the receiver after every datagram: the receive queue never holds " +
  "more than one, and the receiver waits on `readable()` once per datagram. A wait was an executor park and wake " +
  "(a new promise per park), a `readable()` future built from closures, a `ReadinessWaiter` and a `Set` insert " +
  "(V8 reallocates a `Set`'s table when it empties: once per datagram), and a coroutine resume; the young " +
  "generation was collected 3.5× as often as raw's (553 against 158 scavenges in 3 × 50,000 round trips). Now " +
  "an operation is one future that is its own waiter, waiters sit in arrays and in-flight sends in an " +
  "intrusive list (455 scavenges), and the `node:dgram` backend answers the " +
  "address lookup of its sends itself (Node's `dns.lookup` answers an IP literal on the next tick, so each send " +
  "reached the kernel a tick late). That moved Node 24 (64 B / 1,200 B, pacing `turn`) from 0.81× / 0.84× raw " +
  "to 0.97× / 0.90× in a 3-round run, and Bun's `bun` backend from 0.76× / 0.85× to 0.84× / 0.97×. The " +
  "system calls are the same as raw's (`strace -c`: one `sendmsg` and one `recvmsg` per datagram). Since then " +
  "the executor resumes a parked driver with one reaction on an already-resolved promise (not a promise and " +
  "its resolving functions per park; Node's `queueMicrotask` would build an async resource per call), " +
  "`yield* future` allocates one object instead of three, and a registration's waiter list keeps its storage " +
  "when emptied (setting an array's `length` to 0 makes V8 free it): 262 → 208 MB allocated per 50,000 round " +
  "trips in a sampling heap profile (raw: 97 MB).",
  "- **Round trips: what is left on Node is about 1.5 µs of JavaScript and garbage per round trip.** The " +
  "benchmark's Spindle loops send with `trySendTo()`, as the raw loops send without waiting for a report. " +
  "`yield* sendTo()` also waits for the runtime's report that the datagram was sent, which `node:dgram` gives " +
  "on the next tick: one more task wake and poll per send, 20.8–21.1 µs against 19.8–20.6 µs p50 in three " +
  "alternating probe pairs (Node 24, 40,000 round trips; raw 18.3 µs). The rest, from `perf record` of both " +
  "sides in one process: the same system calls as raw (`strace -c`), about 10 % more samples in Node's own " +
  "C++ and builtins (the microtask that resumes the executor, write barriers, class construction) and twice the " +
  "JIT-code samples, spread over small functions. Small things count at this size: emptying the waiter list " +
  "with `Array.prototype.fill` instead of a loop cost about 0.3 µs per round trip (1.10× → 1.08–1.09× raw in 3 " +
  "A/B pairs), and reading the clock for a lone woken task 0.2 µs. Within one benchmark process Spindle's p50 used to drift up " +
  "by 1–2 µs over rounds where probes did not: that was the forced garbage collection before each run, which " +
  "deoptimized the hot code every time (see the core section); without it the benchmark and the probes agree.",
  "- **On Deno the loss is the raw API's, to the datagram.** In every run, Spindle's `deno` backend lost exactly " +
  "what raw `Deno.listenDatagram` lost (the kernel's `RcvbufErrors` count: 164,864 of 200,000 at 64 B with " +
  "pacing `turn`, 3,806 with pacing `api`). Its receive loop is the raw loop (one `receive` outstanding), and " +
  "Deno's scheduling of those operations decides how much is read. Keeping more receives outstanding did not " +
  "help in a raw probe (pacing `turn`, 64 B, received out of 200,000: 35,136 with 1 or 2 outstanding, 32,800 " +
  "with 4, 31,105 with 8). So *less loss than raw* is out of reach by reading faster through this API; a larger " +
  "kernel receive buffer would help, and Deno offers no way to set one (nor does its `node:dgram`, which accepts " +
  "`recvBufferSize` and ignores it).",
  "- **Deno, pacing `api`: what the last tenth is made of.** `perf record` (V8's perf map, with the builtins " +
  "located in the binary's embedded copy) of a receiver-only probe (a raw sender, 6 × 200,000 datagrams of " +
  "64 B): Spindle's receiving side took 11 % more samples than raw's `await receive()` loop. About a third of " +
  "the extra is V8's native code (garbage collection, write barriers), a seventh megamorphic property loads, the " +
  "rest the receive loop, the executor's wake and the task's poll. The megamorphic loads were the sender " +
  "addresses: Deno builds each one as a dictionary-mode object with a hidden class of its own (375,251 " +
  "distinct maps in an IC log of 1.2 million datagrams), so reading its `hostname` and `port` by name missed " +
  "V8's caches every time and called into the runtime, 100–150 ns per datagram in a micro-probe. The raw loop " +
  "never reads the sender; `recvFrom` must. Since 2026-11-29 the backend reads them with `Reflect.get`, which " +
  "looks the dictionary up inline (15 ns for both): in back-to-back runs (3 rounds each) the rate over raw went " +
  "from 0.89–0.92× to 0.92–0.94× at 64 B and from 0.87× to 0.90× at 1,200 B. A hand-written future " +
  "polling `pollRecvFrom` instead of `yield* readable()` saved about 0.2 µs more per datagram (the benchmark " +
  "keeps the idiomatic loop). No gain from: issuing the next `receive` before delivering a datagram, sending " +
  "through an `async` loop instead of one `then` per send, a `readable()` future that is its own iterator, " +
  "receiving straight into a shared 96–256 KiB pool instead of copying each datagram out of one reused buffer " +
  "(CPU per 1,200-byte datagram over raw's 1.15–1.19× against 1.13×: the pool's fresh memory cost more than " +
  "the copy saved). " +
  "Two `receive`s outstanding made raw itself collapse with this pacing (24k/s, 87 % lost).",
  "- **Deno's `node:dgram`** (the default on Deno without `--unstable-net`) is itself slow: raw `node:dgram` reaches 0.02–0.7× raw " +
  "`Deno.listenDatagram` here, and with pacing `api` it loses 93–98 % of what it sends where `Deno.listenDatagram` " +
  "loses 2 %. The Spindle backend over it also " +
  "keeps one send in flight on Deno (sends issued without waiting arrive in reverse order there), which costs " +
  "it more.",
];
