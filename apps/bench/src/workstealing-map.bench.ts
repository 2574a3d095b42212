// issue 23's data-parallel benchmarks, briefly: runtime.map against piscina with the same
// chunking and against bare threads; the sum of a 64 MiB Float64Array.
//
//   node_modules/node24/bin/node --conditions=@spindle/source apps/bench/src/workstealing-map.bench.ts
//
// Options: --items <n> (default 1,000,000), --chunk <n> (default 10,000), --workers <n> (2),
// --runs <n> (5; the median is reported, after one warm-up round).
//
// map: every contender maps the same items with `mapItem` in chunks of CHUNK: Spindle with
// `runtime.map("mapItem", items, { chunkSize })`, piscina with one `pool.run(chunk)` per chunk
// (structured clone both ways), the bare threads with the chunks dealt round robin in one message
// per thread. sum: Spindle with one job per worker over a Float64Array argument (copied three
// times: into the encoder's scratch memory, the shared heap, out of it), over the same halves
// passed with `move()` (copied once, into the heap, from a plain Float64Array), over a buffer from
// `runtime.alloc` (by reference: ranges as arguments), and with the array in a SharedArrayBuffer
// passed once as workerData; piscina with the buffer's halves transferred (sliced out of the array
// first: one copy, as `move`); bare threads over a SharedArrayBuffer. One job (or task) per worker.
import { loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { Piscina } from "piscina";
import { move, Runtime } from "@spindle/workstealing";
import { intOption, log, median } from "./harness.ts";
import type jobs from "./workstealing-map-peers/jobs.ts";
import { mapChunk } from "./workstealing-map-peers/work.ts";

const ITEMS = intOption("items", 1_000_000);
const CHUNK = intOption("chunk", 10_000);
const WORKERS = intOption("workers", 2);
const RUNS = intOption("runs", 5);
const SUM_BYTES = 64 * 2 ** 20;

const items = Array.from({ length: ITEMS }, (_, i) => i);
const expected = mapChunk(items);
const shared = new Float64Array(new SharedArrayBuffer(SUM_BYTES));
for (let i = 0; i < shared.length; i++) shared[i] = i % 1024;
/** The same values in this thread's own memory, as a program's data usually is (what `move` takes). */
const plain = new Float64Array(shared);
let expectedSum = 0;
for (let i = 0; i < shared.length; i++) expectedSum += shared[i] as number;

const chunks: number[][] = [];
for (let i = 0; i < ITEMS; i += CHUNK) chunks.push(items.slice(i, i + CHUNK));

const runtime = await Runtime.start<typeof jobs>(new URL("./workstealing-map-peers/jobs.ts", import.meta.url), {
  workers: WORKERS,
  maxExtraMachines: 0,
  workerData: { values: shared },
});
const allocated = runtime.alloc(SUM_BYTES);
allocated.array(Float64Array).set(shared);
const pool = new Piscina({
  filename: new URL("./workstealing-map-peers/pool-task.ts", import.meta.url).href,
  minThreads: WORKERS,
  maxThreads: WORKERS,
});
const threads = Array.from(
  { length: WORKERS },
  () => new Worker(new URL("./workstealing-map-peers/bare-thread.ts", import.meta.url)),
);
const ask = <T>(thread: Worker, message: unknown): Promise<T> =>
  new Promise((resolve) => {
    thread.once("message", resolve);
    thread.postMessage(message);
  });

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`${what}: wrong result`);
}

const contenders: Record<string, () => Promise<void>> = {
  "map spindle": async () => {
    const out = await runtime.map("mapItem", items, { chunkSize: CHUNK });
    check(out.length === ITEMS && out[ITEMS - 1] === expected[ITEMS - 1], "spindle map");
  },
  "map piscina": async () => {
    const out = (await Promise.all(chunks.map((chunk) => pool.run(chunk, { name: "map" }) as Promise<number[]>)))
      .flat();
    check(out.length === ITEMS && out[ITEMS - 1] === expected[ITEMS - 1], "piscina map");
  },
  "map bare": async () => {
    const dealt = threads.map((_, t) => chunks.filter((_, c) => c % WORKERS === t));
    const answers = await Promise.all(threads.map((thread, t) => ask<number[][]>(thread, { chunks: dealt[t] })));
    const out: number[] = [];
    for (let c = 0; c < chunks.length; c++) out.push(...(answers[c % WORKERS]![Math.floor(c / WORKERS)] as number[]));
    check(out.length === ITEMS && out[ITEMS - 1] === expected[ITEMS - 1], "bare map");
  },
  "sum spindle (copied args)": async () => {
    const share = Math.ceil(shared.length / WORKERS);
    const parts = await Promise.all(
      Array.from({ length: WORKERS }, (_, w) => runtime.spawn("sum", shared.slice(w * share, (w + 1) * share))),
    );
    check(parts.reduce((a, b) => a + b, 0) === expectedSum, "spindle sum");
  },
  "sum spindle (move)": async () => {
    const share = Math.ceil(plain.length / WORKERS);
    const parts = await Promise.all(
      Array.from(
        { length: WORKERS },
        (_, w) => runtime.spawn("sumMoved", move(plain.subarray(w * share, (w + 1) * share))),
      ),
    );
    check(parts.reduce((a, b) => a + b, 0) === expectedSum, "spindle moved sum");
  },
  "sum spindle (runtime.alloc)": async () => {
    const share = Math.ceil(shared.length / WORKERS);
    const parts = await Promise.all(
      Array.from(
        { length: WORKERS },
        (_, w) => runtime.spawn("sumBuffer", allocated, w * share, Math.min(shared.length, (w + 1) * share)),
      ),
    );
    check(parts.reduce((a, b) => a + b, 0) === expectedSum, "spindle alloc sum");
  },
  "sum spindle (workerData SAB)": async () => {
    const share = Math.ceil(shared.length / WORKERS);
    const parts = await Promise.all(
      Array.from(
        { length: WORKERS },
        (_, w) => runtime.spawn("sumShared", w * share, Math.min(shared.length, (w + 1) * share)),
      ),
    );
    check(parts.reduce((a, b) => a + b, 0) === expectedSum, "spindle shared sum");
  },
  "sum piscina (transferred)": async () => {
    const share = Math.ceil(shared.length / WORKERS);
    const buffers = Array.from({ length: WORKERS }, (_, w) => shared.slice(w * share, (w + 1) * share).buffer);
    const parts = await Promise.all(
      buffers.map((buffer) => pool.run(buffer, { name: "sum", transferList: [buffer] }) as Promise<number>),
    );
    check(parts.reduce((a, b) => a + b, 0) === expectedSum, "piscina sum");
  },
  "sum bare (SAB)": async () => {
    const share = Math.ceil(shared.length / WORKERS);
    const parts = await Promise.all(
      threads.map((thread, w) =>
        ask<number>(thread, { shared, from: w * share, to: Math.min(shared.length, (w + 1) * share) })
      ),
    );
    check(parts.reduce((a, b) => a + b, 0) === expectedSum, "bare sum");
  },
};

const times: Record<string, number[]> = {};
for (let round = -1; round < RUNS; round++) {
  for (const [name, run] of Object.entries(contenders)) {
    const start = performance.now();
    await run();
    if (round >= 0) (times[name] ??= []).push(performance.now() - start);
  }
}
log(
  `load average at the end: ${
    loadavg().map((l) => l.toFixed(2)).join(" ")
  }; ${WORKERS} workers, ${ITEMS} items, chunk ${CHUNK}, ${RUNS} runs`,
);
for (const [name, list] of Object.entries(times)) {
  log(
    `${name.padEnd(30)} median ${median(list).toFixed(1)} ms  (min ${Math.min(...list).toFixed(1)}, max ${
      Math.max(...list).toFixed(1)
    })`,
  );
}
const m = (name: string): number => median(times[name]!);
log(
  `map: spindle / bare = ${(m("map spindle") / m("map bare")).toFixed(2)}x, piscina / spindle = ${
    (m("map piscina") / m("map spindle")).toFixed(2)
  }x`,
);
const sumRatio = (name: string): string => (m(name) / m("sum bare (SAB)")).toFixed(2);
log(
  `sum / bare: spindle copied ${sumRatio("sum spindle (copied args)")}x, move ${
    sumRatio("sum spindle (move)")
  }x, runtime.alloc ${sumRatio("sum spindle (runtime.alloc)")}x, workerData SAB ${
    sumRatio("sum spindle (workerData SAB)")
  }x, piscina transferred ${sumRatio("sum piscina (transferred)")}x`,
);
allocated.release();
await runtime.shutdown();
await pool.destroy();
for (const thread of threads) await thread.terminate();
