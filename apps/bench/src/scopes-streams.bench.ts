// @spindle/core's structured concurrency and streams against their baselines (issue 21):
//   - scope: TASKS tasks spawned into TaskScopes of BATCH and joined (`scope.joinAll()`, then
//     `scope.close()`), against the same tasks spawned with `executor.spawn` and joined with
//     `joinAll(handles)`. One parent coroutine per batch, one LocalExecutor `run()` for the whole
//     run, as in core-executor.bench.ts. Goal: scope time <= 1.1x plain time.
//   - pipeline: map / filter / take over ITEMS numbers, consumed in a coroutine (run by
//     `toPromise`) by `yield* fold(stream, 0, add)` (the loop inside one future) and, as a second
//     Spindle row, by a `yield* next(stream)` loop (a future per item), against the same pipeline of native async
//     generators consumed with `for await`, and Effect 4's `Stream` (`Stream.range` → map → filter →
//     take → `runFold`). Goal: >= 3x native async generators, and ahead of Effect's Stream.
//   - for await: `for await` over `toAsyncIterable(fromIterable(range))` against `for await` over
//     a native async generator of the same range. Goal: >= 1.0x native.
//
//   node_modules/node24/bin/node --conditions=@spindle/source apps/bench/src/scopes-streams.bench.ts
//   node_modules/.bin/deno run -A apps/bench/src/scopes-streams.bench.ts
//   node_modules/.bin/bun --conditions=@spindle/source apps/bench/src/scopes-streams.bench.ts
//
// Options: --json <file>, --runs <n> (measured rounds, default 5), --warmup <n> (default 1),
// --tasks <n> (default 1,000,000), --batch <n> (default 10,000), --items <n> (default 1,000,000),
// --no-effect (skip Effect). A round runs every workload once, in a rotated order; rates are the
// median over rounds, ratios the median of per-round ratios (steadier on this noisy machine).
import { writeFileSync } from "node:fs";
import process from "node:process";
import {
  type Coroutine,
  filter,
  fold,
  fromIterable,
  joinAll,
  type JoinHandle,
  LocalExecutor,
  map,
  next,
  type Stream,
  STREAM_END,
  take,
  TaskScope,
  toAsyncIterable,
  toPromise,
  yieldNow,
} from "@spindle/core";
import { intOption, log, median, option, runtime } from "./harness.ts";
import type { ScopesStreamsResult } from "./scopes-streams.section.ts";
import type { Ratio } from "./section.ts";

const TASKS = intOption("tasks", 1_000_000);
const BATCH = intOption("batch", 10_000);
const ITEMS = intOption("items", 1_000_000);
const RUNS = Math.max(1, intOption("runs", 5));
const WARMUP = intOption("warmup", 1);
const JSON_PATH = option("json");
const WITH_EFFECT = !process.argv.includes("--no-effect");
if (TASKS % BATCH !== 0) throw new Error(`--tasks (${TASKS}) must be a multiple of --batch (${BATCH})`);
const TAKE = Math.floor(ITEMS / 2);

// ---------------------------------------------------------------------------------------------
// Scopes

function* child(): Coroutine<number> {
  yield* yieldNow();
  return 1;
}

function* plainBatch(executor: LocalExecutor): Coroutine<number> {
  const handles: JoinHandle<number>[] = new Array(BATCH);
  for (let i = 0; i < BATCH; i++) handles[i] = executor.spawn(child());
  const values = yield* joinAll(handles);
  return values.length;
}

function* scopeBatch(): Coroutine<number> {
  const scope = new TaskScope<number>();
  try {
    for (let i = 0; i < BATCH; i++) scope.spawn(child());
    const values = yield* scope.joinAll();
    return values.length;
  } finally {
    yield* scope.close();
  }
}

function* driveBatches(executor: LocalExecutor, scoped: boolean): Coroutine<number> {
  let total = 0;
  for (let b = 0; b < TASKS / BATCH; b++) total += yield* (scoped ? scopeBatch() : plainBatch(executor));
  return total;
}

async function runTasks(scoped: boolean): Promise<number> {
  const executor = new LocalExecutor();
  const start = performance.now();
  const handle = executor.spawn(driveBatches(executor, scoped));
  await executor.run();
  const total = await handle;
  if (total !== TASKS) throw new Error(`joined ${total} of ${TASKS}`);
  return performance.now() - start;
}

// ---------------------------------------------------------------------------------------------
// Pipelines

/** 0..n-1 as a plain iterator object (no generator: the cheapest sync source). */
function range(n: number): Iterable<number> {
  return {
    [Symbol.iterator]() {
      let i = 0;
      return { next: () => (i < n ? { done: false, value: i++ } : { done: true, value: undefined }) };
    },
  };
}

const double = (x: number): number => x * 2;
const notThird = (x: number): boolean => x % 3 !== 0;

function* consume(stream: Stream<number>): Coroutine<number> {
  let sum = 0;
  for (let item; (item = yield* next(stream)) !== STREAM_END;) sum += item;
  return sum;
}

const add = (sum: number, x: number): number => sum + x;

function pipeline(): Stream<number> {
  return take(filter(map(fromIterable(range(ITEMS)), double), notThird), TAKE);
}

function* consumeByFold(stream: Stream<number>): Coroutine<number> {
  return yield* fold(stream, 0, add);
}

async function spindlePipeline(): Promise<number> {
  const start = performance.now();
  await toPromise(consumeByFold(pipeline()));
  return performance.now() - start;
}

async function spindlePipelineNext(): Promise<number> {
  const start = performance.now();
  await toPromise(consume(pipeline()));
  return performance.now() - start;
}

async function* nativeRange(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}
async function* nativeMap(source: AsyncIterable<number>, fn: (x: number) => number): AsyncGenerator<number> {
  for await (const x of source) yield fn(x);
}
async function* nativeFilter(source: AsyncIterable<number>, fn: (x: number) => boolean): AsyncGenerator<number> {
  for await (const x of source) if (fn(x)) yield x;
}
async function* nativeTake(source: AsyncIterable<number>, n: number): AsyncGenerator<number> {
  if (n <= 0) return;
  for await (const x of source) {
    yield x;
    if (--n === 0) return;
  }
}

async function nativePipeline(): Promise<number> {
  const start = performance.now();
  let sum = 0;
  for await (const x of nativeTake(nativeFilter(nativeMap(nativeRange(ITEMS), double), notThird), TAKE)) sum += x;
  if (sum < 0) throw new Error("unreachable");
  return performance.now() - start;
}

let effectPipeline: (() => Promise<number>) | null = null;
if (WITH_EFFECT) {
  const { Effect, Stream: EffectStream } = await import("effect");
  effectPipeline = async () => {
    const start = performance.now();
    await Effect.runPromise(
      EffectStream.range(0, ITEMS - 1).pipe(
        EffectStream.map(double),
        EffectStream.filter(notThird),
        EffectStream.take(TAKE),
        EffectStream.runFold(() => 0, (sum: number, x: number) => sum + x),
      ),
    );
    return performance.now() - start;
  };
}

async function spindleForAwait(): Promise<number> {
  const start = performance.now();
  let sum = 0;
  for await (const x of toAsyncIterable(fromIterable(range(ITEMS)))) sum += x;
  if (sum < 0) throw new Error("unreachable");
  return performance.now() - start;
}

async function nativeForAwait(): Promise<number> {
  const start = performance.now();
  let sum = 0;
  for await (const x of nativeRange(ITEMS)) sum += x;
  if (sum < 0) throw new Error("unreachable");
  return performance.now() - start;
}

// ---------------------------------------------------------------------------------------------
// Rounds

const workloads: [string, () => Promise<number>][] = [
  ["scope", () => runTasks(true)],
  ["plain-spawn", () => runTasks(false)],
  ["spindle-pipeline", spindlePipeline],
  ["spindle-pipeline-next", spindlePipelineNext],
  ["native-pipeline", nativePipeline],
  ...(effectPipeline === null ? [] : [["effect-pipeline", effectPipeline] as [string, () => Promise<number>]]),
  ["spindle-for-await", spindleForAwait],
  ["native-for-await", nativeForAwait],
];

const times = new Map<string, number[]>(workloads.map(([id]) => [id, []]));
for (let round = 0; round < WARMUP + RUNS; round++) {
  const order = workloads.map((_, i) => workloads[(i + round) % workloads.length]!);
  for (const [id, run] of order) {
    const ms = await run();
    if (round >= WARMUP) times.get(id)!.push(ms);
    log(`${round < WARMUP ? "warm-up" : `round ${round - WARMUP + 1}`} ${id}: ${ms.toFixed(1)} ms`);
  }
}

/** Per-round ratio of `slower`'s time over `faster`'s (how many times faster `faster` is). */
function ratio(numerator: string, denominator: string): Ratio | null {
  const a = times.get(numerator);
  const b = times.get(denominator);
  if (a === undefined || b === undefined || a.length === 0) return null;
  const per = a.map((x, i) => x / b[i]!);
  return { median: median(per), min: Math.min(...per), max: Math.max(...per) };
}

const result = {
  bench: "scopes-streams",
  runtime,
  tasks: TASKS,
  batch: BATCH,
  items: ITEMS,
  measuredRounds: RUNS,
  medianMs: Object.fromEntries([...times].map(([id, ms]) => [id, median(ms)])),
  ratios: {
    scopeOverPlain: ratio("scope", "plain-spawn"),
    nativeOverSpindlePipeline: ratio("native-pipeline", "spindle-pipeline"),
    effectOverSpindlePipeline: ratio("effect-pipeline", "spindle-pipeline"),
    nativeOverSpindlePipelineNext: ratio("native-pipeline", "spindle-pipeline-next"),
    effectOverSpindlePipelineNext: ratio("effect-pipeline", "spindle-pipeline-next"),
    nativeOverSpindleForAwait: ratio("native-for-await", "spindle-for-await"),
  },
} satisfies ScopesStreamsResult;

log(JSON.stringify(result.ratios));
if (JSON_PATH !== undefined) writeFileSync(JSON_PATH, JSON.stringify(result, null, 2));
