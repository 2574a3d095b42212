// @spindle/reactor-net's UdpSocket against the runtime's own UDP APIs, in the same process, over
// loopback: one-way throughput and sequential round-trip latency.
//
//   node_modules/node24/bin/node apps/bench/src/udp.bench.ts
//   node_modules/.bin/deno run -A --config scripts/bench/deno-dist.json --unstable-net apps/bench/src/udp.bench.ts
//   node_modules/.bin/bun apps/bench/src/udp.bench.ts
//   (build first, `npx turbo run build`: benchmarks import the built packages, as npm users do)
//
// Options: --json <file> (write the results as JSON), --runs <n> (measured rounds, default 5),
// --warmup <n> (warm-up rounds, default 1), --datagrams <n> (per throughput run, default 200,000),
// --sizes <n,n> (payload bytes, default 64,1200), --pacings api,turn (default both, see below),
// --batch <n> (datagrams per host turn in the `turn` pacing, default 32), --round-trips <n> (per
// latency run, default 20,000), --backends <names> (UdpSocket backends to run; default every one
// reactor-net offers on this runtime, read at run time), --raw <apis> (raw APIs to run; default
// every one this runtime has), --only throughput,rtt (which part to run), --sender try|future
// (how Spindle sends, in both parts: trySendTo + writable(), the default, or one `sendTo` future
// per datagram, which also waits for the runtime's report that it was sent).
// No garbage is collected by force between runs (see harness.ts). Deno needs --unstable-net for
// Deno.listenDatagram (without it that row is skipped and says why).
//
// Method.
// Rows: each runtime's raw APIs (Node: node:dgram; Bun: Bun.udpSocket and node:dgram; Deno:
// Deno.listenDatagram and node:dgram) and one Spindle row per UdpSocket backend. The first raw row
// is the runtime's fastest raw API (the issue's reference) and the peer of every ratio. Every run
// binds fresh sockets on 127.0.0.1 (IPv4, port 0) and closes them after.
// 1. Throughput. DATAGRAMS payloads of SIZE bytes from one socket to another on this thread. The
//    sender waits whenever the API asks it to:
//    - raw node:dgram: `send(data, port, host, callback)` with at most WINDOW sends in flight
//      (Spindle's default sendWindow); a full window waits for a callback;
//    - raw Bun.udpSocket: `send()` until it returns false (would-block), then waits for `drain`;
//    - raw Deno.listenDatagram: `await conn.send()` for each datagram (one promise per send);
//    - Spindle: a task on a @spindle/core LocalExecutor loops `trySendTo()` and on WOULD_BLOCK
//      `yield* writable()` (the send window is the socket's backpressure); its receiver, a second
//      task, loops `tryRecvFrom()` and on WOULD_BLOCK `yield* readable()`.
//    Raw receivers: node:dgram's `message` event, Bun's `data` handler, a loop of
//    `await conn.receive(buffer)` on Deno (one promise per datagram, a reused buffer).
//    Pacing `api`: the sender waits only there. On loopback the kernel never refuses a datagram
//    (a full receive buffer drops it instead), so Node's and Bun's APIs report no backpressure and
//    a sender that waits only on them never lets the event loop run the receiver: only what the
//    kernel buffer holds arrives. Pacing `turn`: the same sender also yields one host event-loop
//    turn (`setImmediate`) after every BATCH datagrams (a Spindle task: `yield*
//    fromPromise(turn())`), as a producer sharing its thread with a receiver must.
//    Measured: received / (last arrival - first send), and loss = sent - received, split into
//    the Spindle receive queue's `stats().dropped` and the kernel's UDP `RcvbufErrors` counter
//    (/proc/net/snmp, system-wide, read before and after each run). A run ends when every datagram
//    arrived, or QUIET_MS after the last send or arrival, whichever is later; it fails after
//    RUN_LIMIT_MS.
// 2. Round trips. ROUND_TRIPS sequential exchanges of one 64-byte datagram each way between a
//    client and an echo server on this thread; each is timed with performance.now() from before
//    the client's send to the client receiving the echo. Raw: the echo and the next send from the
//    APIs' callbacks (node:dgram, Bun) or two `await receive(); await send()` loops (Deno).
//    Spindle: two tasks on one LocalExecutor, `yield* recvFrom()` and the --sender send:
//    `trySendTo()` (waiting on `writable()` only when it would block), as raw node:dgram and Bun
//    send without waiting for a report; with --sender future, `yield* sendTo()`.
//    The first WARM_ROUND_TRIPS exchanges of each run are not recorded. A run fails after
//    RUN_LIMIT_MS (the watchdog closes the sockets, which wakes every waiter).
// Rounds: WARMUP rounds, then RUNS rounds that run every row once per cell (size and pacing, or
// the round-trip cell), order rotated per round, no forced garbage collection. Rates and
// percentiles are medians over rounds (p50 / p99 pool every recorded round trip); ratios are
// Spindle over the first raw row in the same round, median and range over rounds.
// Files: the raw peers are in udp-raw-peers.ts, what every row shares (the meter, the watchdog) in
// udp-harness.ts, the results' type and their section of docs/benchmarks.md in udp.section.ts.
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { type Coroutine, fromGenerator, fromPromise, type Future, LocalExecutor, SpindleError } from "@spindle/core";
import { type SocketAddress, UdpSocket, WOULD_BLOCK } from "@spindle/reactor-net";
import { intOption, listOption, log, median, option, runtime } from "./harness.ts";
import { HOST, Meter, QUIET_MS, RTT_PAYLOAD, type RttRun, turn, WARM_ROUND_TRIPS, watchdog } from "./udp-harness.ts";
import { RAW_APIS, type RawApi, rawRtt, rawThroughput, rawUnavailable, WINDOW } from "./udp-raw-peers.ts";
import type { Pacing, RttStats, ThroughputRun, UdpResult, UdpRow as Row } from "./udp.section.ts";

// ---------------------------------------------------------------------------------------------
// Options

const RUNS = Math.max(1, intOption("runs", 5));
const WARMUP = intOption("warmup", 1);
const DATAGRAMS = Math.max(1, intOption("datagrams", 200_000));
const SIZES = (listOption("sizes") ?? ["64", "1200"]).map((s) => {
  const n = Number(s.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1 || n > 65_507) {
    throw new Error(`--sizes must list payload sizes from 1 to 65507, got ${s}`);
  }
  return n;
});
const PACINGS = (listOption("pacings") ?? ["api", "turn"]) as Pacing[];
for (const p of PACINGS) if (p !== "api" && p !== "turn") throw new Error(`--pacings: unknown pacing ${p} (api, turn)`);
const BATCH = Math.max(1, intOption("batch", 32));
const ROUND_TRIPS = Math.max(1, intOption("round-trips", 20_000));
const PARTS = listOption("only") ?? ["throughput", "rtt"];
for (const part of PARTS) if (part !== "throughput" && part !== "rtt") throw new Error(`--only: unknown part ${part}`);
const JSON_PATH = option("json");
/** How Spindle sends: `try` (trySendTo + writable()) or `future` (yield* sendTo()). */
const SENDER = option("sender") ?? "try";
if (SENDER !== "try" && SENDER !== "future") throw new Error(`--sender: try or future, got ${SENDER}`);

// ---------------------------------------------------------------------------------------------
// Runtime

async function settle(): Promise<void> {
  await turn();
  await new Promise((resolve) => setTimeout(resolve, 10));
}

/** The kernel's count of UDP datagrams dropped for a full receive buffer (Linux), or null. */
function kernelRcvbufErrors(): number | null {
  try {
    const lines = readFileSync("/proc/net/snmp", "utf8").split("\n").filter((l) => l.startsWith("Udp:"));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const at = names.indexOf("RcvbufErrors");
    return at < 0 ? null : Number(values[at]);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Rows: Spindle backends (the raw APIs' rows are in udp-raw-peers.ts)

/**
 * The backend names `UdpSocket.bind`'s `backend` option accepts here, read at run time: an
 * unknown name is refused with INVALID_ARGUMENT and a message that lists the accepted ones
 * (packages/reactor-net/src/backends/backend-choice.ts), so backends added later are found without a change
 * here. Each is then bound once: one that this runtime cannot run is reported, not run.
 */
async function offeredBackends(): Promise<
  { offered: string[]; usable: string[]; unusable: Record<string, string>; auto: string }
> {
  let message = "";
  try {
    const socket = await UdpSocket.bind(`${HOST}:0`, { backend: "\u0000probe" as never });
    socket.close();
    throw new Error("reactor-net accepted the backend name \\0probe: cannot list its backends");
  } catch (error) {
    if (!(error instanceof SpindleError) || error.code !== "INVALID_ARGUMENT") throw error;
    message = error.message;
  }
  const listed = /one of (.*), got/.exec(message)?.[1];
  const offered = [...(listed ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1] as string).filter((n) => n !== "auto");
  if (offered.length === 0) throw new Error(`cannot read the backend names from reactor-net's error: ${message}`);
  const usable: string[] = [];
  const unusable: Record<string, string> = {};
  for (const name of offered) {
    try {
      const socket = await UdpSocket.bind(`${HOST}:0`, { backend: name as never });
      socket.close();
      usable.push(name);
    } catch (error) {
      unusable[name] = (error as Error).message;
    }
  }
  const probe = await UdpSocket.bind(`${HOST}:0`);
  const auto = probe.backend;
  probe.close();
  return { offered, usable, unusable, auto };
}

// ---------------------------------------------------------------------------------------------
// 1. Throughput

/**
 * Sends one datagram the --sender way: `null` once sent, or a future to wait on (`yield* sendTo()`,
 * or `writable()` and a retry when `trySendTo` would block). No generator on the fast path.
 */
function send(socket: UdpSocket, data: Uint8Array, to: SocketAddress): Future<unknown> | null {
  if (SENDER === "future") return socket.sendTo(data, to);
  return socket.trySendTo(data, to) === WOULD_BLOCK ? fromGenerator(sendWhenWritable(socket, data, to)) : null;
}

function* sendWhenWritable(socket: UdpSocket, data: Uint8Array, to: SocketAddress): Coroutine<void> {
  do yield* socket.writable(); while (socket.trySendTo(data, to) === WOULD_BLOCK);
}

function* spindleSender(
  tx: UdpSocket,
  payload: Uint8Array,
  to: SocketAddress,
  meter: Meter,
  pacing: Pacing,
): Coroutine<void> {
  meter.begin();
  let sinceTurn = 0;
  for (let i = 0; i < meter.n; i++) {
    const wait = send(tx, payload, to);
    if (wait !== null) yield* wait;
    meter.sent++;
    if (pacing === "turn" && ++sinceTurn === BATCH) {
      sinceTurn = 0;
      yield* fromPromise(turn());
    }
  }
  meter.sendsDone();
}

function* spindleReceiver(rx: UdpSocket, meter: Meter): Coroutine<void> {
  for (;;) {
    if (rx.tryRecvFrom() === WOULD_BLOCK) {
      yield* rx.readable();
      continue;
    }
    meter.arrived();
  }
}

async function spindleThroughput(backend: string, meter: Meter, size: number, pacing: Pacing): Promise<number> {
  const rx = await UdpSocket.bind(`${HOST}:0`, { backend: backend as never });
  const tx = await UdpSocket.bind(`${HOST}:0`, { backend: backend as never });
  const executor = new LocalExecutor();
  const dog = watchdog(`spindle ${backend} throughput`, () => executor.close());
  try {
    executor.spawn(spindleReceiver(rx, meter));
    const sender = executor.spawn(spindleSender(tx, new Uint8Array(size), rx.localAddr(), meter, pacing));
    const running = executor.run();
    await Promise.race([Promise.all([sender, meter.finished()]), running, dog.expired]);
    const stats = tx.stats();
    meter.sendErrors = stats.sendErrors;
    return rx.stats().dropped;
  } finally {
    dog.clear();
    executor.close();
    rx.close();
    tx.close();
  }
}

async function throughputRun(row: Row, size: number, pacing: Pacing): Promise<ThroughputRun> {
  await settle();
  const meter = new Meter(DATAGRAMS);
  const kernelBefore = kernelRcvbufErrors();
  const cpuBefore = process.cpuUsage();
  let queueDropped: number | null = null;
  if (row.kind === "spindle") queueDropped = await spindleThroughput(row.api, meter, size, pacing);
  else await rawThroughput(row.api as RawApi, meter, size, pacing, BATCH);
  const cpu = process.cpuUsage(cpuBefore);
  const kernelAfter = kernelRcvbufErrors();
  const seconds = (meter.lastArrival - meter.start) / 1000;
  return {
    sent: meter.sent,
    received: meter.received,
    rate: meter.received > 0 && seconds > 0 ? Math.round(meter.received / seconds) : 0,
    lost: meter.sent - meter.received,
    queueDropped,
    kernelDropped: kernelBefore === null || kernelAfter === null ? null : kernelAfter - kernelBefore,
    sendErrors: meter.sendErrors,
    sendMs: +(meter.sendEnd - meter.start).toFixed(1),
    firstArrivalMs: meter.received > 0 ? +(meter.firstArrival - meter.start).toFixed(1) : -1,
    lastArrivalMs: meter.received > 0 ? +(meter.lastArrival - meter.start).toFixed(1) : -1,
    cpuUsPerDatagram: +((cpu.user + cpu.system) / Math.max(1, meter.sent)).toFixed(2),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Round trips

function* spindleEcho(server: UdpSocket, total: number): Coroutine<void> {
  for (let i = 0; i < total; i++) {
    const { data, from } = yield* server.recvFrom();
    const wait = send(server, data, from);
    if (wait !== null) yield* wait;
  }
}

function* spindleAsk(client: UdpSocket, to: SocketAddress, total: number, times: Float64Array): Coroutine<void> {
  const payload = new Uint8Array(RTT_PAYLOAD);
  for (let i = 0; i < total; i++) {
    const sentAt = performance.now();
    const wait = send(client, payload, to);
    if (wait !== null) yield* wait;
    yield* client.recvFrom();
    const at = i - WARM_ROUND_TRIPS;
    if (at >= 0) times[at] = (performance.now() - sentAt) * 1000;
  }
}

async function spindleRtt(backend: string, n: number): Promise<RttRun> {
  const server = await UdpSocket.bind(`${HOST}:0`, { backend: backend as never });
  const client = await UdpSocket.bind(`${HOST}:0`, { backend: backend as never });
  const times = new Float64Array(n);
  const total = n + WARM_ROUND_TRIPS;
  const executor = new LocalExecutor();
  const dog = watchdog(`spindle ${backend} round trips`, () => executor.close());
  try {
    const echo = executor.spawn(spindleEcho(server, total));
    const ask = executor.spawn(spindleAsk(client, server.localAddr(), total, times));
    await Promise.race([Promise.all([echo, ask, executor.run()]), dog.expired]);
  } finally {
    dog.clear();
    executor.close();
    server.close();
    client.close();
  }
  return times;
}

async function rttRun(row: Row): Promise<RttRun> {
  await settle();
  if (row.kind === "spindle") return spindleRtt(row.api, ROUND_TRIPS);
  return rawRtt(row.api as RawApi, ROUND_TRIPS);
}

// ---------------------------------------------------------------------------------------------
// Statistics

interface Ratio {
  /** Median over rounds of Spindle's value over the first raw row's in the same round. */
  median: number;
  min: number;
  max: number;
}

const round3 = (x: number): number => +x.toFixed(3);

function ratioOf(perRound: number[]): Ratio | null {
  const finite = perRound.filter((x) => Number.isFinite(x));
  if (finite.length === 0) return null;
  return { median: round3(median(finite)), min: round3(Math.min(...finite)), max: round3(Math.max(...finite)) };
}

/** Nearest-rank percentile of sorted values. */
const rank = (sorted: Float64Array, p: number): number =>
  sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;

function rttStats(times: Float64Array): RttStats {
  const sorted = Float64Array.from(times).sort();
  const r = (x: number): number => +x.toFixed(1);
  return {
    count: sorted.length,
    p50: r(rank(sorted, 0.5)),
    p99: r(rank(sorted, 0.99)),
    max: r(sorted[sorted.length - 1] as number),
  };
}

// ---------------------------------------------------------------------------------------------
// Main

const backends = await offeredBackends();
const wantedBackends = listOption("backends") ?? backends.usable;
for (const name of wantedBackends) {
  if (!backends.offered.includes(name)) {
    throw new Error(`--backends: reactor-net offers no backend ${name} (it offers ${backends.offered.join(", ")})`);
  }
  if (!backends.usable.includes(name)) {
    throw new Error(`--backends: ${name} does not run here: ${backends.unusable[name]}`);
  }
}
const wantedRaw = (listOption("raw") ?? RAW_APIS) as RawApi[];
for (const api of wantedRaw) {
  if (!RAW_APIS.includes(api)) {
    throw new Error(`--raw: ${api} is not a raw API of ${runtime.name} (${RAW_APIS.join(", ")})`);
  }
}
const rawSkipped: Record<string, string> = {};
const rows: Row[] = [];
for (const api of wantedRaw) {
  const why = rawUnavailable(api);
  if (why === null) rows.push({ id: `raw:${api}`, kind: "raw", api });
  else rawSkipped[api] = why;
}
for (const name of wantedBackends) rows.push({ id: `spindle:${name}`, kind: "spindle", api: name });
const peer = rows.find((r) => r.kind === "raw") ?? null;

log(
  `udp: ${runtime.name} ${runtime.version}; backends offered ${backends.offered.join(", ")} (auto = ${backends.auto}` +
    `${
      Object.keys(backends.unusable).length
        ? `; not here: ${Object.entries(backends.unusable).map(([k, v]) => `${k}: ${v}`).join("; ")}`
        : ""
    }); ` +
    `rows ${rows.map((r) => r.id).join(", ")}${
      Object.keys(rawSkipped).length
        ? ` (skipped: ${Object.entries(rawSkipped).map(([k, v]) => `${k}: ${v}`).join("; ")})`
        : ""
    }; ` +
    `${WARMUP} warm-up + ${RUNS} measured rounds; ${DATAGRAMS.toLocaleString("en-US")} datagrams of ${
      SIZES.join(" and ")
    } B, pacing ${PACINGS.join(" and ")} (batch ${BATCH}); ` +
    `${ROUND_TRIPS.toLocaleString("en-US")} round trips`,
);

interface ThroughputCell {
  size: number;
  pacing: Pacing;
  runs: Map<string, ThroughputRun[]>;
}

const throughputCells: ThroughputCell[] = [];
if (PARTS.includes("throughput")) {
  for (const size of SIZES) {
    for (const pacing of PACINGS) throughputCells.push({ size, pacing, runs: new Map(rows.map((r) => [r.id, []])) });
  }
  const k = (x: number): string => `${(x / 1000).toFixed(1)}k/s`;
  for (let round = -WARMUP; round < RUNS; round++) {
    const label = round < 0 ? "warm-up" : `round ${round + 1}`;
    for (const cell of throughputCells) {
      const line: string[] = [];
      for (let i = 0; i < rows.length; i++) {
        const row = rows[(round + WARMUP + i) % rows.length] as Row;
        const r = await throughputRun(row, cell.size, cell.pacing);
        if (round >= 0) cell.runs.get(row.id)!.push(r);
        const drops = r.queueDropped === null ? "" : `, queue dropped ${r.queueDropped}`;
        line.push(
          `${row.id} ${k(r.rate)} lost ${r.lost}${drops} (kernel ${
            r.kernelDropped ?? "?"
          }), first arrival ${r.firstArrivalMs} ms, sends ${r.sendMs} ms, cpu ${r.cpuUsPerDatagram} µs/datagram`,
        );
      }
      log(`  throughput ${label}, ${cell.size} B, pacing ${cell.pacing}: ${line.join("; ")}`);
    }
  }
}

const rttRuns = new Map<string, RttRun[]>(rows.map((r) => [r.id, []]));
if (PARTS.includes("rtt")) {
  for (let round = -WARMUP; round < RUNS; round++) {
    const label = round < 0 ? "warm-up" : `round ${round + 1}`;
    const line: string[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[(round + WARMUP + i) % rows.length] as Row;
      const times = await rttRun(row);
      if (round >= 0) rttRuns.get(row.id)!.push(times);
      const s = rttStats(times);
      line.push(`${row.id} p50 ${s.p50} p99 ${s.p99} max ${s.max}`);
    }
    log(`  round trips ${label}: ${line.join("; ")} (µs)`);
  }
}

// Summaries

const throughput = throughputCells.map((cell) => ({
  size: cell.size,
  pacing: cell.pacing,
  rows: rows.map((row) => {
    const runs = cell.runs.get(row.id)!;
    const med = (f: (r: ThroughputRun) => number | null): number | null => {
      const xs = runs.map(f).filter((x): x is number => x !== null);
      return xs.length === 0 ? null : median(xs);
    };
    const vsPeer = peer === null || row.kind === "raw" ? null : {
      rate: ratioOf(runs.map((r, i) => r.rate / cell.runs.get(peer.id)![i]!.rate)),
      /** Spindle's loss minus the peer's, in percentage points of sent, median over rounds. */
      lossPoints: ratioOf(runs.map((r, i) => {
        const p = cell.runs.get(peer.id)![i]!;
        return (100 * r.lost) / r.sent - (100 * p.lost) / p.sent;
      })),
    };
    return {
      row: row.id,
      medianRate: med((r) => r.rate),
      medianLossPercent: med((r) => +((100 * r.lost) / Math.max(1, r.sent)).toFixed(2)),
      medianLost: med((r) => r.lost),
      medianQueueDropped: med((r) => r.queueDropped),
      medianKernelDropped: med((r) => r.kernelDropped),
      medianFirstArrivalMs: med((r) => r.firstArrivalMs),
      medianSendMs: med((r) => r.sendMs),
      medianCpuUsPerDatagram: med((r) => r.cpuUsPerDatagram),
      vsPeer,
      runs,
    };
  }),
}));

const rtt = PARTS.includes("rtt")
  ? rows.map((row) => {
    const runs = rttRuns.get(row.id)!;
    const pooled = new Float64Array(runs.reduce((t, r) => t + r.length, 0));
    let at = 0;
    for (const r of runs) {
      pooled.set(r, at);
      at += r.length;
    }
    const perRound = runs.map(rttStats);
    const peerRounds = peer === null ? [] : rttRuns.get(peer.id)!.map(rttStats);
    return {
      row: row.id,
      ...rttStats(pooled),
      perRoundP50: perRound.map((s) => s.p50),
      perRoundP99: perRound.map((s) => s.p99),
      vsPeer: peer === null || row.kind === "raw" ? null : {
        p50: ratioOf(perRound.map((s, i) => s.p50 / peerRounds[i]!.p50)),
        p99: ratioOf(perRound.map((s, i) => s.p99 / peerRounds[i]!.p99)),
      },
    };
  })
  : null;

const report = {
  bench: "udp",
  runtime,
  backends: { ...backends, run: wantedBackends },
  rawApis: wantedRaw,
  rawSkipped,
  rows,
  peer: peer?.id ?? null,
  datagrams: DATAGRAMS,
  sizes: SIZES,
  pacings: PACINGS,
  batch: BATCH,
  sender: SENDER,
  window: WINDOW,
  quietMs: QUIET_MS,
  roundTrips: ROUND_TRIPS,
  warmRoundTrips: WARM_ROUND_TRIPS,
  rttPayload: RTT_PAYLOAD,
  warmupRounds: WARMUP,
  measuredRounds: RUNS,
  method: `${WARMUP} warm-up round(s), then ${RUNS} rounds running every row once per cell (order rotated per round, ` +
    `no forced garbage collection), fresh sockets per run`,
  throughput,
  rtt,
} satisfies UdpResult;

const lines: string[] = [
  `### udp: ${runtime.name} ${runtime.version} (${runtime.engine}), peer ${peer?.id ?? "none"}`,
  "",
];
const fmtK = (x: number | null): string => (x === null ? "–" : `${(x / 1000).toFixed(1)}k`);
const fmtR = (
  r: Ratio | null | undefined,
): string => (r == null ? "–" : `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`);
if (throughput.length > 0) {
  lines.push(
    "| size | pacing | row | received/s | loss | queue dropped | kernel dropped | first arrival ms | rate / peer |",
    "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const cell of throughput) {
    for (const r of cell.rows) {
      lines.push(
        `| ${cell.size} | ${cell.pacing} | ${r.row} | ${fmtK(r.medianRate)} | ${r.medianLossPercent}% | ${
          r.medianQueueDropped ?? "–"
        } | ` +
          `${r.medianKernelDropped ?? "–"} | ${r.medianFirstArrivalMs} | ${fmtR(r.vsPeer?.rate)} |`,
      );
    }
  }
  lines.push("");
}
if (rtt !== null) {
  lines.push("| row | p50 µs | p99 µs | max µs | p50 / peer |", "| --- | ---: | ---: | ---: | ---: |");
  for (const r of rtt) lines.push(`| ${r.row} | ${r.p50} | ${r.p99} | ${r.max} | ${fmtR(r.vsPeer?.p50)} |`);
}
console.log(lines.join("\n"));

if (JSON_PATH !== undefined) writeFileSync(JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);
