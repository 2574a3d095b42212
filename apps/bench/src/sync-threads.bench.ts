// The cross-thread part of the sync benchmark: @spindle/sync's `sharedChannel` against
// `MessagePort.postMessage` (a worker's `parentPort`) in the same process, on one runtime.
//
// - flood: MESSAGES values from a worker to the main thread, a number (i) or one 64-byte string.
//   Spindle: the worker sends with `sendBlocking` into a channel of capacity 1,024 (slots of 128
//   bytes) and closes it; the main thread receives with `yield* rx.recv()` in a coroutine on a
//   `LocalExecutor` until STREAM_END. postMessage: the worker posts each value to its parent; the
//   main thread counts them in a `message` listener.
// - ping-pong: TRIPS round trips of a number, main → worker → main, one at a time. Spindle: the
//   main thread `yield* tx.send(i)` then `yield* back.recv()`; the worker echoes with
//   `recvBlocking` / `sendBlocking`. postMessage: `worker.postMessage(i)`, the worker posts it back.
//   Each trip is timed; the p50 and p99 are reported.
//
// Each workload runs `--warmup` times (default 1), then `--runs` rounds (default 3) in rotation.
// Usage: node apps/bench/src/sync-threads.bench.ts [--runs 3] [--warmup 1] [--messages 1000000] [--trips 20000]
import { Worker } from "node:worker_threads";
import { type Coroutine, LocalExecutor, STREAM_END } from "@spindle/core";
import { sharedChannel, type SharedReceiver, type SharedSender } from "@spindle/sync";
import { intOption, log, median, runtime } from "./harness.ts";

const MESSAGES = intOption("messages", 1_000_000);
const TRIPS = intOption("trips", 20_000);
const RUNS = intOption("runs", 3);
const WARMUP = intOption("warmup", 1);
const PAYLOAD = "0123456789abcdef".repeat(4); // 64 bytes

const worker = new Worker(new URL("./sync-threads-peer.ts", import.meta.url));
const once = <T>(): Promise<T> => new Promise((resolve) => worker.once("message", resolve));

function* drain(rx: SharedReceiver<unknown>): Coroutine<number> {
  let n = 0;
  while ((yield* rx.recv()) !== STREAM_END) n++;
  return n;
}

async function sharedFlood(payload: string | null): Promise<number> {
  const [tx, rx] = sharedChannel<unknown>(1024, { slotBytes: 128 });
  const executor = new LocalExecutor();
  const count = executor.spawn(drain(rx));
  const start = performance.now();
  worker.postMessage({ kind: "shared-flood", tx: tx.handle(), count: MESSAGES, payload });
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
  tx.close();
}

async function sharedPingPong(): Promise<number[]> {
  const [tx, rx] = sharedChannel<number>(1);
  const [backTx, back] = sharedChannel<number>(1);
  worker.postMessage({ kind: "shared-echo", rx: rx.handle(), tx: backTx.handle() });
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
const floods = { number: null, "string64": PAYLOAD } as const;
const results: Record<string, number[]> = {};
const add = (key: string, v: number) => (results[key] ??= []).push(v);

for (let round = -WARMUP; round < RUNS; round++) {
  for (const [name, payload] of Object.entries(floods)) {
    const s = await sharedFlood(payload);
    const p = await portFlood(payload);
    if (round >= 0) {
      add(`flood ${name} shared M/s`, MESSAGES / s / 1000);
      add(`flood ${name} postMessage M/s`, MESSAGES / p / 1000);
      add(`flood ${name} ratio`, p / s);
    }
  }
  const s = await sharedPingPong();
  const p = await portPingPong();
  if (round >= 0) {
    add("ping-pong shared p50 µs", pct(s, 0.5) * 1000);
    add("ping-pong shared p99 µs", pct(s, 0.99) * 1000);
    add("ping-pong postMessage p50 µs", pct(p, 0.5) * 1000);
    add("ping-pong postMessage p99 µs", pct(p, 0.99) * 1000);
    add("ping-pong p50 ratio (shared/postMessage)", pct(s, 0.5) / pct(p, 0.5));
  }
  log(`round ${round} done`);
}
await worker.terminate();
console.log(`${runtime.name} ${runtime.version}`);
for (const [key, xs] of Object.entries(results)) {
  console.log(`${key}: median ${median(xs).toFixed(2)} (${xs.map((x) => x.toFixed(2)).join(", ")})`);
}
