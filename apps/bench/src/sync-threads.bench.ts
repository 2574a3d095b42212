// The cross-thread part of the sync benchmark (pass `threads` of section `sync` of
// docs/benchmarks.md; sync.section.ts renders it): @spindle/sync's `sharedChannel` against
// `MessagePort.postMessage` (a worker's `parentPort`) in the same process, on one runtime.
//
// - flood: MESSAGES values from a worker to the main thread, a number (i) or one 64-byte string.
//   Spindle: the worker sends with `sendBlocking` into a channel of capacity 1,024 (slots of 128
//   bytes) and drops its sender (the last one: the channel closes); the main thread receives with `yield* rx.recv()` in a coroutine on a
//   `LocalExecutor` until STREAM_END. postMessage: the worker posts each value to its parent; the
//   main thread counts them in a `message` listener.
// - ping-pong: TRIPS round trips of a number, main → worker → main, one at a time. Spindle: the
//   main thread `yield* tx.send(i)` then `yield* back.recv()`; the worker echoes with
//   `recvBlocking` / `sendBlocking`. postMessage: `worker.postMessage(i)`, the worker posts it back.
//   Each trip is timed; the p50 and p99 are reported.
//
// Each workload runs `--warmup` times (default 1), then `--runs` rounds (default 3) in rotation.
// Usage: node apps/bench/src/sync-threads.bench.ts [--runs 3] [--warmup 1] [--messages 1000000] [--trips 20000] [--json file]
import { writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { type Coroutine, LocalExecutor, STREAM_END } from "@spindle/core";
import { sharedChannel, type SharedReceiver, type SharedSender } from "@spindle/sync";
import { intOption, log, median, option, runtime } from "./harness.ts";
import type { Ratio } from "./section.ts";
import type { SyncFlood, SyncPayload, SyncThreadsResult } from "./sync.section.ts";

const MESSAGES = intOption("messages", 1_000_000);
const TRIPS = intOption("trips", 20_000);
const RUNS = intOption("runs", 3);
const WARMUP = intOption("warmup", 1);
const PAYLOAD = "0123456789abcdef".repeat(4); // 64 bytes
const CAPACITY = 1024;
const SLOT_BYTES = 128;

const worker = new Worker(new URL("./sync-threads-peer.ts", import.meta.url));
const once = <T>(): Promise<T> => new Promise((resolve) => worker.once("message", resolve));

function* drain(rx: SharedReceiver<unknown>): Coroutine<number> {
  let n = 0;
  while ((yield* rx.recv()) !== STREAM_END) n++;
  return n;
}

async function sharedFlood(payload: string | null): Promise<number> {
  const [tx, rx] = sharedChannel<unknown>(CAPACITY, { slotBytes: SLOT_BYTES });
  const executor = new LocalExecutor();
  const count = executor.spawn(drain(rx));
  const start = performance.now();
  worker.postMessage({ kind: "shared-flood", tx: tx.handle(), count: MESSAGES, payload });
  tx.drop(); // the worker's sender is the only one left
  await executor.run();
  const ms = performance.now() - start;
  if ((await count) !== MESSAGES) throw new Error(`received ${await count} of ${MESSAGES}`);
  return ms;
}

function portFlood(payload: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const start = performance.now();
    const onMessage = (m: unknown) => {
      if (m !== "done") return void n++;
      worker.off("message", onMessage);
      if (n !== MESSAGES) reject(new Error(`received ${n} of ${MESSAGES}`));
      else resolve(performance.now() - start);
    };
    worker.on("message", onMessage);
    worker.postMessage({ kind: "port-flood", count: MESSAGES, payload });
  });
}

function* trips(tx: SharedSender<number>, back: SharedReceiver<number>, times: number[]): Coroutine<void> {
  for (let i = 0; i < TRIPS; i++) {
    const t0 = performance.now();
    yield* tx.send(i);
    if ((yield* back.recv()) !== i) throw new Error("echo mismatch");
    times.push(performance.now() - t0);
  }
  tx.drop(); // the last sender: the worker's receiver ends
}

async function sharedPingPong(): Promise<number[]> {
  const [tx, rx] = sharedChannel<number>(1);
  const [backTx, back] = sharedChannel<number>(1);
  worker.postMessage({ kind: "shared-echo", rx: rx.handle(), tx: backTx.handle() });
  rx.drop();
  backTx.drop();
  const times: number[] = [];
  const executor = new LocalExecutor();
  executor.spawn(trips(tx, back, times));
  await executor.run();
  return times;
}

async function portPingPong(): Promise<number[]> {
  worker.postMessage({ kind: "port-echo" });
  await once<string>();
  const times: number[] = [];
  for (let i = 0; i < TRIPS; i++) {
    const t0 = performance.now();
    const reply = once<number>();
    worker.postMessage(i);
    if ((await reply) !== i) throw new Error("echo mismatch");
    times.push(performance.now() - t0);
  }
  worker.postMessage(null);
  return times;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const PAYLOADS: [SyncPayload, string | null][] = [["number", null], ["string64", PAYLOAD]];
const floodMs = new Map<SyncPayload, { shared: number[]; port: number[] }>(
  PAYLOADS.map(([name]) => [name, { shared: [], port: [] }]),
);
const trip = { sharedP50: [] as number[], sharedP99: [] as number[], portP50: [] as number[], portP99: [] as number[] };

for (let round = -WARMUP; round < RUNS; round++) {
  for (const [name, payload] of PAYLOADS) {
    const s = await sharedFlood(payload);
    const p = await portFlood(payload);
    log(
      `${round < 0 ? "warmup" : `round ${round + 1}`} flood ${name}: shared ${s.toFixed(0)} ms, postMessage ${
        p.toFixed(0)
      } ms`,
    );
    if (round >= 0) {
      floodMs.get(name)!.shared.push(s);
      floodMs.get(name)!.port.push(p);
    }
  }
  const s = await sharedPingPong();
  const p = await portPingPong();
  log(
    `${round < 0 ? "warmup" : `round ${round + 1}`} ping-pong p50: shared ${
      (pct(s, 0.5) * 1000).toFixed(1)
    } µs, postMessage ${(pct(p, 0.5) * 1000).toFixed(1)} µs`,
  );
  if (round >= 0) {
    trip.sharedP50.push(pct(s, 0.5) * 1000);
    trip.sharedP99.push(pct(s, 0.99) * 1000);
    trip.portP50.push(pct(p, 0.5) * 1000);
    trip.portP99.push(pct(p, 0.99) * 1000);
  }
}
await worker.terminate();

/** `a[i] / b[i]` per round: median, lowest, highest. */
function perRound(a: number[], b: number[]): Ratio {
  const xs = a.map((x, i) => x / b[i]!);
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

const floods: SyncFlood[] = PAYLOADS.map(([payload]) => {
  const { shared, port } = floodMs.get(payload)!;
  return {
    payload,
    sharedPerSec: (MESSAGES / median(shared)) * 1000,
    portPerSec: (MESSAGES / median(port)) * 1000,
    sharedRunsMs: shared,
    portRunsMs: port,
    ratio: perRound(port, shared), // Spindle's rate over postMessage's: the time ratio inverted
  };
});

const result = {
  bench: "sync-threads",
  runtime,
  messages: MESSAGES,
  trips: TRIPS,
  capacity: CAPACITY,
  slotBytes: SLOT_BYTES,
  warmupRuns: WARMUP,
  measuredRuns: RUNS,
  floods,
  pingPong: {
    sharedP50Us: median(trip.sharedP50),
    sharedP99Us: median(trip.sharedP99),
    portP50Us: median(trip.portP50),
    portP99Us: median(trip.portP99),
    p50Ratio: perRound(trip.sharedP50, trip.portP50),
  },
} satisfies SyncThreadsResult;

const json = option("json");
if (json !== undefined) writeFileSync(json, JSON.stringify(result, null, 2));
for (const f of floods) log(`flood ${f.payload}: spindle / postMessage ${f.ratio.median.toFixed(2)}x`);
log(`ping-pong p50 spindle / postMessage ${result.pingPong.p50Ratio.median.toFixed(2)}x`);
