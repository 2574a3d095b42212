// issue 23's data-parallel benchmarks: runtime.map against piscina with the same chunking and
// against bare threads; the sum of a 64 MiB Float64Array. The `map` pass of the work-stealing
// section of docs/benchmarks.md (workstealing.section.ts renders what it writes).
//
//   node_modules/node24/bin/node --allow-natives-syntax apps/bench/src/workstealing-map.bench.ts
//   node_modules/.bin/deno run -A --config scripts/bench/deno-dist.json apps/bench/src/workstealing-map.bench.ts
//   node_modules/bun/bin/bun.exe apps/bench/src/workstealing-map.bench.ts
//   (build first, `npx turbo run build`: benchmarks import the built packages, as npm users do)
//
// Options: --json <file> (write the results as JSON), --runs <n> (measured rounds, default 5),
// --warmup <n> (warm-up rounds, default 3: on Bun the map settled after 3-5 runs in a probe), --items <n> (default 1,000,000), --chunk <n>
// (default 10,000), --workers <n> (default 2), --only <parts> (map,sum; default both).
//
// map: every contender maps the same items with `mapItem` in chunks of CHUNK: Spindle with
// `runtime.map("mapItem", items, { chunkSize })`, piscina with one `pool.run(chunk)` per chunk
// (structured clone both ways), the bare threads with the chunks dealt round robin in one message
// per thread; every contender's result is one array in order. sum: Spindle with one job per
// worker over a Float64Array argument (copied three times: into the encoder's scratch memory, the
// shared heap, out of it), over the same halves passed with `move()` (copied once, into the heap,
// from a plain Float64Array), over a buffer from `runtime.alloc` (by reference: ranges as
// arguments), and with the array in a SharedArrayBuffer passed once as workerData; piscina with
// the buffer's halves transferred (sliced out of the array first: one copy, as `move`); bare
// threads over a SharedArrayBuffer that they got once, as workerData. One job (or task) per worker.
// Each of Spindle's runs has a runtime of its own (map and the four sums: five runtimes of WORKERS
// workers, idle but for their own run), so that its workers' loop sees one kind of buffer, as each
// bare thread's does.
//
// Method: each contender is started and must answer a first small task (else it is reported as
// `not supported: <error>`); then WARMUP + RUNS rounds, each running every contender of a part
// once, order rotated per round; times are medians over rounds, ratios medians (and range) of
// per-round ratios, so both sides of a ratio ran in the same round of the same process.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import process from "node:process";
import { Worker } from "node:worker_threads";
import { askThread, intOption, listOption, log, median, option, runtime as benchRuntime } from "./harness.ts";
import type { Ratio } from "./section.ts";
import type { MapContenderId, MapRunId, MapRuns, WorkstealingMapResult } from "./workstealing.section.ts";
import type jobs from "./workstealing-map-peers/jobs.ts";
import { mapChunk } from "./workstealing-map-peers/work.ts";

const ITEMS = intOption("items", 1_000_000);
const CHUNK = Math.max(1, intOption("chunk", 10_000));
const WORKERS = Math.max(1, intOption("workers", 2));
const RUNS = Math.max(1, intOption("runs", 5));
const WARMUP = intOption("warmup", 3);
const JSON_PATH = option("json");
const PARTS = listOption("only") ?? ["map", "sum"];
for (const p of PARTS) if (p !== "map" && p !== "sum") throw new Error(`--only: unknown part ${p}; known: map, sum`);
const SUM_BYTES = 64 * 2 ** 20;
const START_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 120_000;
const loadBefore = loadavg()[0]!;
const started = performance.now();

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
const share = Math.ceil(shared.length / WORKERS);
const ranges = Array.from({ length: WORKERS }, (_, w) => [w * share, Math.min(shared.length, (w + 1) * share)]);

function checkMap(out: number[], who: string): void {
  if (out.length !== ITEMS) throw new Error(`${who}: ${out.length} results, expected ${ITEMS}`);
  for (let i = 0; i < ITEMS; i += 997) {
    if (out[i] !== expected[i]) throw new Error(`${who}: result ${i} is ${out[i]}, expected ${expected[i]}`);
  }
}
function checkSum(parts: number[], who: string): void {
  const total = parts.reduce((a, b) => a + b, 0);
  if (total !== expectedSum) throw new Error(`${who}: sum ${total}, expected ${expectedSum}`);
}
function errorText(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.split("\n")[0]!.slice(0, 300);
}
/** `p`, or a rejection after `ms` (the run it stands for is abandoned, not cancelled). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A contender's runs, by run id; each returns once its result is checked. */
type Runs = Partial<Record<MapRunId, () => Promise<void>>>;
interface Contender {
  runs: Runs;
  /** A first small task: proves the contender runs on this runtime. */
  first(): Promise<void>;
  close(): Promise<void>;
}

async function startSpindle(): Promise<Contender> {
  const { move, Runtime } = await import("@spindle/workstealing");
  const jobModule = new URL("./workstealing-map-peers/jobs.ts", import.meta.url);
  // A runtime per run, as each bare thread has its own thread: a JIT's type feedback is per thread,
  // so the workers' summing loop sees one kind of buffer, as a user's would (one runtime for all
  // four sums made JavaScriptCore compile it 1.38x slower over a SharedArrayBuffer).
  const start = (workerData?: unknown) =>
    Runtime.start<typeof jobs>(jobModule, {
      workers: WORKERS,
      // No extra machines: every contender runs exactly WORKERS threads.
      maxExtraMachines: 0,
      ...(workerData === undefined ? {} : { workerData }),
    });
  const [mapRt, copiedRt, movedRt, allocRt, sharedRt] = await Promise.all([
    start(),
    start(),
    start(),
    start(),
    start({ values: shared }),
  ]);
  const allocated = allocRt.alloc(SUM_BYTES);
  allocated.array(Float64Array).set(shared);
  const each = (f: (w: number) => PromiseLike<number>): Promise<number[]> =>
    Promise.all(Array.from({ length: WORKERS }, (_, w) => f(w)));
  return {
    async first() {
      const out = await mapRt.map("mapItem", [1, 2, 3], { chunkSize: 2 });
      if (out.join() !== mapChunk([1, 2, 3]).join()) throw new Error(`map of [1, 2, 3] gave ${out.join()}`);
    },
    runs: {
      "map-spindle": async () => checkMap(await mapRt.map("mapItem", items, { chunkSize: CHUNK }), "spindle map"),
      "sum-copied": async () =>
        checkSum(
          await each((w) => copiedRt.spawn("sum", shared.slice(ranges[w]![0], ranges[w]![1]))),
          "spindle copied",
        ),
      "sum-move": async () =>
        checkSum(
          await each((w) => movedRt.spawn("sumMoved", move(plain.subarray(ranges[w]![0], ranges[w]![1])))),
          "spindle move",
        ),
      "sum-alloc": async () =>
        checkSum(
          await each((w) => allocRt.spawn("sumBuffer", allocated, ranges[w]![0]!, ranges[w]![1]!)),
          "spindle alloc",
        ),
      "sum-worker-data": async () =>
        checkSum(await each((w) => sharedRt.spawn("sumShared", ranges[w]![0]!, ranges[w]![1]!)), "spindle workerData"),
    },
    async close() {
      allocated.release();
      await Promise.all([mapRt, copiedRt, movedRt, allocRt, sharedRt].map((rt) => rt.shutdown()));
    },
  };
}

async function startPiscina(): Promise<Contender> {
  const { Piscina } = await import("piscina");
  const pool = new Piscina({
    filename: new URL("./workstealing-map-peers/pool-task.ts", import.meta.url).href,
    minThreads: WORKERS,
    maxThreads: WORKERS,
  });
  return {
    async first() {
      const out = (await pool.run([1, 2, 3], { name: "map" })) as number[];
      if (out.join() !== mapChunk([1, 2, 3]).join()) throw new Error(`map of [1, 2, 3] gave ${out.join()}`);
    },
    runs: {
      async "map-piscina"() {
        const parts = await Promise.all(chunks.map((chunk) => pool.run(chunk, { name: "map" }) as Promise<number[]>));
        checkMap(parts.flat(), "piscina map");
      },
      async "sum-piscina"() {
        const buffers = ranges.map(([from, to]) => shared.slice(from, to).buffer);
        const parts = await Promise.all(
          buffers.map((buffer) => pool.run(buffer, { name: "sum", transferList: [buffer] }) as Promise<number>),
        );
        checkSum(parts, "piscina transferred");
      },
    },
    close: () => pool.destroy(),
  };
}

async function startBare(): Promise<Contender> {
  const threads = Array.from(
    { length: WORKERS },
    () =>
      new Worker(new URL("./workstealing-map-peers/bare-thread.ts", import.meta.url), {
        workerData: { values: shared },
      }),
  );
  const dealt = threads.map((_, t) => chunks.filter((_, c) => c % WORKERS === t));
  return {
    async first() {
      const answers = await Promise.all(
        threads.map((thread) => askThread<number[][]>(thread, { chunks: [[1, 2, 3]] })),
      );
      for (const a of answers) if (a[0]!.join() !== mapChunk([1, 2, 3]).join()) throw new Error("wrong first map");
    },
    runs: {
      async "map-bare"() {
        const answers = await Promise.all(
          threads.map((thread, t) => askThread<number[][]>(thread, { chunks: dealt[t] })),
        );
        const out = new Array<number>(ITEMS);
        let at = 0;
        for (let c = 0; c < chunks.length; c++) {
          const part = answers[c % WORKERS]![Math.floor(c / WORKERS)]!;
          for (let i = 0; i < part.length; i++) out[at++] = part[i]!;
        }
        checkMap(out, "bare map");
      },
      async "sum-bare"() {
        checkSum(
          await Promise.all(
            threads.map((thread, w) => askThread<number>(thread, { from: ranges[w]![0], to: ranges[w]![1] })),
          ),
          "bare sum",
        );
      },
    },
    async close() {
      await Promise.all(threads.map((t) => t.terminate()));
    },
  };
}

const starters: Record<MapContenderId, () => Promise<Contender>> = {
  spindle: startSpindle,
  piscina: startPiscina,
  bare: startBare,
};
const contenders: WorkstealingMapResult["contenders"] = {};
const live = new Map<MapContenderId, Contender>();
for (const [id, start] of Object.entries(starters) as [MapContenderId, () => Promise<Contender>][]) {
  try {
    const c = await withTimeout(start(), START_TIMEOUT_MS, `${id} start`);
    await withTimeout(c.first(), START_TIMEOUT_MS, `${id} first task`);
    live.set(id, c);
    contenders[id] = { supported: true };
    log(`${id}: started`);
  } catch (e) {
    contenders[id] = { supported: false, problem: errorText(e) };
    log(`${id}: not supported: ${errorText(e)}`);
  }
}

const failures: Partial<Record<MapRunId, string>> = {};
/** WARMUP + RUNS rounds of the given runs, order rotated per round; the measured times per run. */
async function rounds(part: string, ids: MapRunId[]): Promise<MapRuns> {
  const runs = ids.flatMap((id) => {
    for (const c of live.values()) if (c.runs[id]) return [{ id, run: c.runs[id]! }];
    return [];
  });
  const times: MapRuns = {};
  for (let round = -WARMUP; round < RUNS; round++) {
    const line: string[] = [];
    for (let k = 0; k < runs.length; k++) {
      const { id, run } = runs[(Math.max(0, round) + k) % runs.length]!;
      if (failures[id] !== undefined) continue;
      try {
        const t0 = performance.now();
        await withTimeout(run(), RUN_TIMEOUT_MS, id);
        const ms = performance.now() - t0;
        if (round >= 0) (times[id] ??= []).push(Math.round(ms * 1000) / 1000);
        line.push(`${id} ${ms.toFixed(1)} ms`);
      } catch (e) {
        failures[id] = errorText(e);
        delete times[id];
        line.push(`${id} FAILED ${errorText(e)}`);
      }
    }
    log(`${part} ${round < 0 ? "warm-up" : `round ${round + 1}`}: ${line.join(", ")}`);
  }
  return times;
}

/** The per-round ratio `f(a[i], b[i])`: median, lowest and highest; null without both. */
function perRound(a: number[] | undefined, b: number[] | undefined, f: (a: number, b: number) => number): Ratio | null {
  if (!a?.length || !b?.length || a.length !== b.length) return null;
  const rs = a.map((x, i) => f(x, b[i]!));
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  return { median: r3(median(rs)), min: r3(Math.min(...rs)), max: r3(Math.max(...rs)) };
}
const over = (a: number, b: number): number => a / b;

const MAP_RUNS: MapRunId[] = ["map-spindle", "map-piscina", "map-bare"];
const SUM_RUNS: MapRunId[] = ["sum-copied", "sum-move", "sum-alloc", "sum-worker-data", "sum-piscina", "sum-bare"];
const mapTimes = PARTS.includes("map") ? await rounds("map", MAP_RUNS) : undefined;
const sumTimes = PARTS.includes("sum") ? await rounds("sum", SUM_RUNS) : undefined;
const medians = (times: MapRuns): Partial<Record<MapRunId, number>> =>
  Object.fromEntries(Object.entries(times).map(([id, ms]) => [id, Math.round(median(ms) * 1000) / 1000]));

const report = {
  bench: "workstealing-map",
  runtime: benchRuntime,
  items: ITEMS,
  chunk: CHUNK,
  workers: WORKERS,
  sumBytes: SUM_BYTES,
  warmupRuns: WARMUP,
  measuredRuns: RUNS,
  loadAverage: { start: Math.round(loadBefore * 100) / 100, end: Math.round(loadavg()[0]! * 100) / 100 },
  contenders,
  failures,
  map: mapTimes && {
    ms: mapTimes,
    medianMs: medians(mapTimes),
    spindleOverBare: perRound(mapTimes["map-spindle"], mapTimes["map-bare"], over),
    piscinaOverSpindle: perRound(mapTimes["map-piscina"], mapTimes["map-spindle"], over),
    piscinaOverBare: perRound(mapTimes["map-piscina"], mapTimes["map-bare"], over),
  },
  sum: sumTimes && {
    ms: sumTimes,
    medianMs: medians(sumTimes),
    overBare: Object.fromEntries(
      SUM_RUNS.filter((id) => id !== "sum-bare").map((id) => [id, perRound(sumTimes[id], sumTimes["sum-bare"], over)]),
    ),
  },
  seconds: Math.round(performance.now() - started) / 1000,
} satisfies WorkstealingMapResult;
if (JSON_PATH !== undefined) writeFileSync(JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);

const fmtR = (r: Ratio | null | undefined): string =>
  r == null ? "–" : `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
const lines = [
  `### workstealing map: ${benchRuntime.name} ${benchRuntime.version}, ${WORKERS} workers, ${ITEMS} items, chunk ${CHUNK}, ` +
  `${WARMUP} warm-up + ${RUNS} rounds; load average ${report.loadAverage.start} → ${report.loadAverage.end}`,
];
for (const [id, c] of Object.entries(contenders)) if (!c.supported) lines.push(`- ${id} not supported: ${c.problem}`);
for (const [id, why] of Object.entries(failures)) lines.push(`- FAILED ${id}: ${why}`);
for (const [id, ms] of Object.entries({ ...report.map?.medianMs, ...report.sum?.medianMs })) {
  lines.push(`- ${id.padEnd(16)} median ${ms.toFixed(1)} ms`);
}
if (report.map) {
  lines.push(
    `- map: spindle / bare ${fmtR(report.map.spindleOverBare)}, piscina / spindle ${
      fmtR(report.map.piscinaOverSpindle)
    }, piscina / bare ${fmtR(report.map.piscinaOverBare)}`,
  );
}
if (report.sum) {
  lines.push(`- sum / bare: ${Object.entries(report.sum.overBare).map(([id, r]) => `${id} ${fmtR(r)}`).join(", ")}`);
}
console.log(lines.join("\n"));
await Promise.all([...live.values()].map((c) => c.close()));
// A pool that failed mid-run may keep threads alive: end here.
process.exit(0);
