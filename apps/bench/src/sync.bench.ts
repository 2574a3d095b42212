// The sync benchmark (section `sync` of docs/benchmarks.md; sync.section.ts renders it): same-run
// rates of @spindle/sync against its peers, in one process per runtime.
//
// - channel: MESSAGES numbers from one task to another through a bounded queue of capacity 1,024:
//   Spindle's `mpsc.bounded` between two coroutine tasks of one `LocalExecutor` (`yield* tx.send(i)`,
//   `yield* rx.recv()`); Effect 4's
//   `Queue.bounded` between two fibers (`Effect.forkChild` + `Queue.offer` / `Queue.take`, one
//   `Effect.runPromise`); and a hand-written promise-based bounded queue between two `async` functions (what
//   users write today: `await queue.push(v)` resolves at once while there is room, else when the
//   consumer takes; `await queue.pop()` likewise).
// - lock: TASKS tasks each taking a lock LOCKS / TASKS times and holding it across one suspension
//   (`yield* yieldNow()` for Spindle, `await null` for the promise-based peers), so that the others
//   queue behind it: Spindle's `Mutex` against `async-mutex`'s `Mutex`, Spindle's `Semaphore(4)`
//   against `async-sema`'s `Sema(4)`. Like with like: on both sides all but the first 4 of the
//   acquisitions find a waiter ahead and queue (both hand a released permit to the front waiter),
//   so each acquisition suspends twice on either side (Spindle: the acquire and `yieldNow()`;
//   async-sema: `await sema.acquire()` on a pending promise and `await null`).
//
// Not measured: Effection 4's channel (unbounded, no backpressure): 100,000 messages took 9.3 s on
// Node 24 here (Spindle: 0.23 s), too slow to run at 1,000,000 in a benchmark run.
//
// Each workload runs `--warmup` times (default 1), then `--runs` measured rounds (default 3) in
// rotation (every workload once per round), so that drifts in the machine's load hit every
// workload alike; ratios are per round.
// Usage: node apps/bench/src/sync.bench.ts [--runs 3] [--warmup 1] [--messages 1000000] [--locks 1000000] [--json file]
import { writeFileSync } from "node:fs";
import { type Coroutine, LocalExecutor, STREAM_END, yieldNow } from "@spindle/core";
import { mpsc, Mutex, type Receiver, Semaphore, type Sender } from "@spindle/sync";
import { Mutex as AsyncMutex } from "async-mutex";
import { Sema } from "async-sema";
import { Effect, Fiber, Queue } from "effect";
import { intOption, log, median, option, runtime } from "./harness.ts";
import type { Ratio } from "./section.ts";
import type { SyncResult, SyncWorkloadResult } from "./sync.section.ts";

const MESSAGES = intOption("messages", 1_000_000);
const LOCKS = intOption("locks", 1_000_000);
const CAPACITY = 1024;
const TASKS = 100;
const RUNS = intOption("runs", 3);
const WARMUP = intOption("warmup", 1);

interface Workload {
  id: SyncWorkloadResult["id"];
  group: "channel" | "mutex" | "semaphore";
  /** Runs once; resolves to a checksum that proves every message or acquisition happened. */
  run: () => Promise<number>;
  /** What `run` must resolve to. */
  expected: number;
  ops: number;
}

const SUM = (MESSAGES * (MESSAGES - 1)) / 2;

// --- channel -------------------------------------------------------------------------------------

function* produce(tx: Sender<number>): Coroutine<void> {
  for (let i = 0; i < MESSAGES; i++) yield* tx.send(i);
  tx.drop();
}

function* consume(rx: Receiver<number>): Coroutine<number> {
  let sum = 0;
  for (let n; (n = yield* rx.recv()) !== STREAM_END;) sum += n;
  return sum;
}

async function spindleChannel(): Promise<number> {
  const [tx, rx] = mpsc.bounded<number>(CAPACITY);
  const executor = new LocalExecutor();
  executor.spawn(produce(tx));
  const sum = executor.spawn(consume(rx));
  await executor.run();
  return await sum;
}

function effectChannel(): Promise<number> {
  return Effect.runPromise(Effect.gen(function* () {
    const queue = yield* Queue.bounded<number>(CAPACITY);
    const consumer = yield* Effect.forkChild(Effect.gen(function* () {
      let sum = 0;
      for (let i = 0; i < MESSAGES; i++) sum += yield* Queue.take(queue);
      return sum;
    }));
    for (let i = 0; i < MESSAGES; i++) yield* Queue.offer(queue, i);
    return yield* Fiber.join(consumer);
  }));
}

/** A bounded queue over promises, as users write one: resolvers of waiting pushers and poppers. */
class PromiseQueue<T> {
  readonly #items: T[] = [];
  #head = 0;
  readonly #capacity: number;
  #popper: ((value: T) => void) | null = null;
  #pusher: (() => void) | null = null;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get #length(): number {
    return this.#items.length - this.#head;
  }

  push(value: T): Promise<void> | undefined {
    const popper = this.#popper;
    if (popper !== null) {
      this.#popper = null;
      popper(value);
      return;
    }
    if (this.#length < this.#capacity) {
      this.#items.push(value);
      return;
    }
    return new Promise((resolve) => {
      this.#pusher = () => {
        this.#items.push(value);
        resolve();
      };
    });
  }

  pop(): Promise<T> | T {
    if (this.#length === 0) return new Promise((resolve) => (this.#popper = resolve));
    const value = this.#items[this.#head++] as T;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    const pusher = this.#pusher;
    if (pusher !== null) {
      this.#pusher = null;
      pusher();
    }
    return value;
  }
}

async function promiseChannel(): Promise<number> {
  const queue = new PromiseQueue<number>(CAPACITY);
  const consumer = (async () => {
    let sum = 0;
    for (let i = 0; i < MESSAGES; i++) sum += await queue.pop();
    return sum;
  })();
  for (let i = 0; i < MESSAGES; i++) await queue.push(i);
  return await consumer;
}

// --- locks ---------------------------------------------------------------------------------------

const PER_TASK = Math.ceil(LOCKS / TASKS);

function* lockTask(mutex: Mutex<number>): Coroutine<void> {
  for (let i = 0; i < PER_TASK; i++) {
    const guard = yield* mutex.lock();
    yield* yieldNow();
    guard.value++;
    guard.release();
  }
}

async function spindleMutex(): Promise<number> {
  const mutex = new Mutex(0);
  const executor = new LocalExecutor();
  for (let t = 0; t < TASKS; t++) executor.spawn(lockTask(mutex));
  await executor.run();
  return mutex.tryLock()!.value;
}

async function asyncMutex(): Promise<number> {
  const mutex = new AsyncMutex();
  let count = 0;
  const task = async () => {
    for (let i = 0; i < PER_TASK; i++) {
      const release = await mutex.acquire();
      await null;
      count++;
      release();
    }
  };
  await Promise.all(Array.from({ length: TASKS }, task));
  return count;
}

function* semaphoreTask(semaphore: Semaphore, counter: { n: number }): Coroutine<void> {
  for (let i = 0; i < PER_TASK; i++) {
    const permit = yield* semaphore.acquire();
    yield* yieldNow();
    counter.n++;
    permit.release();
  }
}

async function spindleSemaphore(): Promise<number> {
  const semaphore = new Semaphore(4);
  const counter = { n: 0 };
  const executor = new LocalExecutor();
  for (let t = 0; t < TASKS; t++) executor.spawn(semaphoreTask(semaphore, counter));
  await executor.run();
  return counter.n;
}

async function asyncSema(): Promise<number> {
  const sema = new Sema(4);
  let count = 0;
  const task = async () => {
    for (let i = 0; i < PER_TASK; i++) {
      await sema.acquire();
      await null;
      count++;
      sema.release();
    }
  };
  await Promise.all(Array.from({ length: TASKS }, task));
  return count;
}

// --- driver --------------------------------------------------------------------------------------

const LOCK_OPS = PER_TASK * TASKS;
const workloads: Workload[] = [
  { id: "spindle-mpsc", group: "channel", run: spindleChannel, expected: SUM, ops: MESSAGES },
  { id: "effect-queue", group: "channel", run: effectChannel, expected: SUM, ops: MESSAGES },
  { id: "promise-queue", group: "channel", run: promiseChannel, expected: SUM, ops: MESSAGES },
  { id: "spindle-mutex", group: "mutex", run: spindleMutex, expected: LOCK_OPS, ops: LOCK_OPS },
  { id: "async-mutex", group: "mutex", run: asyncMutex, expected: LOCK_OPS, ops: LOCK_OPS },
  { id: "spindle-semaphore", group: "semaphore", run: spindleSemaphore, expected: LOCK_OPS, ops: LOCK_OPS },
  { id: "async-sema", group: "semaphore", run: asyncSema, expected: LOCK_OPS, ops: LOCK_OPS },
];

const runsMs = new Map<string, number[]>(workloads.map((w) => [w.id, []]));
for (let round = 0; round < WARMUP + RUNS; round++) {
  for (const workload of workloads) {
    const started = performance.now();
    const checksum = await workload.run();
    const ms = performance.now() - started;
    if (checksum !== workload.expected) {
      throw new Error(`${workload.id}: checksum ${checksum}, expected ${workload.expected}`);
    }
    if (round >= WARMUP) runsMs.get(workload.id)!.push(ms);
    log(`${round < WARMUP ? "warmup" : `round ${round - WARMUP + 1}`} ${workload.id}: ${ms.toFixed(1)} ms`);
  }
}

const results: SyncWorkloadResult[] = workloads.map((w) => {
  const runs = runsMs.get(w.id)!;
  const medianMs = median(runs);
  return { id: w.id, group: w.group, ops: w.ops, runsMs: runs, medianMs, opsPerSec: (w.ops / medianMs) * 1000 };
});

/** Spindle's rate over the peer's, per round (a round's times are paired): median, lowest, highest. */
function ratio(spindle: string, peer: string): Ratio {
  const a = runsMs.get(spindle)!;
  const b = runsMs.get(peer)!;
  const perRound = a.map((ms, i) => b[i]! / ms);
  return { median: median(perRound), min: Math.min(...perRound), max: Math.max(...perRound) };
}

const result = {
  bench: "sync",
  runtime,
  messages: MESSAGES,
  capacity: CAPACITY,
  tasks: TASKS,
  acquisitions: LOCK_OPS,
  warmupRuns: WARMUP,
  measuredRuns: RUNS,
  results,
  ratios: {
    "effect-queue": ratio("spindle-mpsc", "effect-queue"),
    "promise-queue": ratio("spindle-mpsc", "promise-queue"),
    "async-mutex": ratio("spindle-mutex", "async-mutex"),
    "async-sema": ratio("spindle-semaphore", "async-sema"),
  },
} satisfies SyncResult;

const json = option("json");
if (json !== undefined) writeFileSync(json, JSON.stringify(result, null, 2));
for (const [peer, r] of Object.entries(result.ratios)) {
  log(`spindle / ${peer}: ${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`);
}
