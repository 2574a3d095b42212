import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Worker } from "node:worker_threads";
import { dequeOffset, memoryWords, type StressData, type StressStats } from "./test-support/deque-stress-worker.ts";
import { BOTTOM_WORD, EMPTY, SLOTS_WORD, TOP_WORD, WorkDeque } from "./work-deque.ts";

/** A deque of `capacity` over fresh shared memory, at `offset` words into its view. */
function deque(capacity: number, offset = 0): { deque: WorkDeque; view: Int32Array } {
  const view = new Int32Array(new SharedArrayBuffer((offset + WorkDeque.words(capacity)) * 4));
  return { deque: new WorkDeque(view, offset, capacity), view };
}

/** Sets both indices of the deque at `offset` to `position` (an empty deque, as if after use). */
function startAt(view: Int32Array, offset: number, position: number): void {
  view[offset + TOP_WORD] = position;
  view[offset + BOTTOM_WORD] = position;
}

function pushAll(d: WorkDeque, jobs: number[]): void {
  for (const job of jobs) assert.equal(d.push(job), true, `push ${job}`);
}

function popAll(d: WorkDeque): number[] {
  const jobs: number[] = [];
  for (let job = d.pop(); job !== EMPTY; job = d.pop()) jobs.push(job);
  return jobs;
}

test("peek shows the job pop would take, without taking it, and EMPTY once thieves took the rest", () => {
  const { deque: d, view } = deque(4);
  startAt(view, 0, 2 ** 31 - 2); // across the int32 wrap, as after long use
  assert.equal(d.peek(), EMPTY);
  pushAll(d, [20, 21, 22]);
  assert.equal(d.peek(), 22);
  assert.equal(d.length, 3, "peek took nothing");
  assert.equal(d.steal(), 20);
  assert.equal(d.peek(), 22);
  assert.equal(d.pop(), 22);
  assert.equal(d.peek(), 21);
  assert.equal(d.steal(), 21);
  assert.equal(d.peek(), EMPTY);
  assert.equal(d.pop(), EMPTY);
});

test("the owner pops newest first and thieves steal oldest first", () => {
  const { deque: d } = deque(8);
  pushAll(d, [10, 11, 12, 13]);
  assert.equal(d.length, 4);
  assert.equal(d.pop(), 13);
  assert.equal(d.steal(), 10);
  assert.equal(d.pop(), 12);
  assert.equal(d.steal(), 11);
  assert.equal(d.isEmpty, true);
  assert.equal(d.pop(), EMPTY);
  assert.equal(d.steal(), EMPTY);
  assert.equal(d.length, 0);
  assert.equal(d.pop(), EMPTY, "a pop of an empty deque leaves it consistent");
  pushAll(d, [0]);
  assert.equal(d.isEmpty, false);
  assert.equal(d.steal(), 0);
});

test("zeroed memory is an empty deque, and deques side by side do not interfere", () => {
  const words = WorkDeque.words(4);
  const view = new Int32Array(new SharedArrayBuffer(3 * words * 4));
  const a = new WorkDeque(view, 0, 4);
  const b = new WorkDeque(view, words, 4);
  const c = new WorkDeque(view, 2 * words, 4);
  assert.equal(a.isEmpty && b.isEmpty && c.isEmpty, true);
  pushAll(a, [1, 2, 3, 4]);
  pushAll(c, [7]);
  assert.equal(b.pop(), EMPTY);
  assert.equal(b.steal(), EMPTY);
  assert.deepEqual(popAll(a), [4, 3, 2, 1]);
  assert.equal(c.steal(), 7);
  // Another instance over the same words is the same deque (what each thread builds).
  pushAll(b, [5, 6]);
  assert.equal(new WorkDeque(view, words, 4).steal(), 5);
  assert.equal(b.pop(), 6);
});

test("the header layout: top and bottom words, then the slots", () => {
  const offset = 32;
  const { deque: d, view } = deque(4, offset);
  pushAll(d, [40, 41, 42]);
  assert.equal(d.steal(), 40);
  assert.equal(view[offset + TOP_WORD], 1);
  assert.equal(view[offset + BOTTOM_WORD], 3);
  assert.deepEqual([...view.subarray(offset + SLOTS_WORD, offset + SLOTS_WORD + 4)], [40, 41, 42, 0]);
  assert.equal(WorkDeque.words(4), SLOTS_WORD + 32, "words are a multiple of 32");
  assert.equal(WorkDeque.words(256), SLOTS_WORD + 256);
});

test("push reports full at capacity, and room comes back when a job is taken", () => {
  const { deque: d, view } = deque(4);
  pushAll(d, [1, 2, 3, 4]);
  assert.equal(d.push(5), false);
  assert.equal(d.length, 4);
  // Taken through another instance, as another thread would: the owner's push must see it.
  assert.equal(new WorkDeque(view, 0, 4).steal(), 1);
  assert.equal(d.push(5), true);
  assert.equal(d.push(6), false);
  assert.deepEqual(popAll(d), [5, 4, 3, 2]);

  const { deque: one } = deque(1);
  assert.equal(one.push(9), true);
  assert.equal(one.push(8), false);
  assert.equal(one.pop(), 9);
  assert.equal(one.push(8), true);
  assert.equal(one.steal(), 8);
});

test("invalid capacities, offsets and job ids are refused", () => {
  for (const capacity of [0, 3, 6, -4, 1.5, 2 ** 31, Number.NaN]) {
    assert.throws(() => WorkDeque.words(capacity), RangeError, `capacity ${capacity}`);
  }
  const view = new Int32Array(new SharedArrayBuffer(WorkDeque.words(8) * 4));
  assert.throws(() => new WorkDeque(view, 1, 8), RangeError, "past the end of the view");
  assert.throws(() => new WorkDeque(view, -1, 8), RangeError);
  const d = new WorkDeque(view, 0, 8);
  for (const job of [-1, -2, 1.5, 2 ** 31, Number.NaN]) {
    assert.throws(() => d.push(job), RangeError, `job ${job}`);
  }
  assert.equal(d.isEmpty, true, "a refused job is not pushed");
  pushAll(d, [1, 2]);
  assert.throws(() => d.stealHalfInto(deque(8).deque, 0), RangeError);
  assert.equal(d.length, 2, "a refused batch steal takes nothing");
});

test("stealHalfInto takes ceil(len/2), at most the limit, and returns the oldest", () => {
  for (const [len, expected] of [[1, 1], [2, 1], [3, 2], [5, 3], [8, 4]] as const) {
    const { deque: victim } = deque(16);
    const { deque: thief } = deque(16);
    const jobs = Array.from({ length: len }, (_, i) => 100 + i);
    pushAll(victim, jobs);
    assert.equal(victim.stealHalfInto(thief, 64), 100, `len ${len}`);
    assert.equal(thief.length, expected - 1, `len ${len}: pushed onto the thief`);
    assert.equal(victim.length, len - expected, `len ${len}: left behind`);
    // The rest went onto the thief's bottom oldest first: its pop gives the newest stolen first.
    assert.deepEqual(popAll(thief), jobs.slice(1, expected).reverse());
    assert.deepEqual(popAll(victim), jobs.slice(expected).reverse());
  }

  const { deque: victim } = deque(16);
  const { deque: thief } = deque(16);
  pushAll(victim, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(victim.stealHalfInto(thief, 2), 0);
  assert.deepEqual(popAll(thief), [1], "limit 2: the job returned and one pushed");
  assert.equal(victim.stealHalfInto(thief, 1), 2);
  assert.equal(thief.isEmpty, true, "limit 1: only the job returned");
  assert.equal(victim.length, 7);
  assert.equal(deque(4).deque.stealHalfInto(thief, 8), EMPTY);
});

test("stealHalfInto takes no more than the thief's deque has room for", () => {
  const { deque: victim } = deque(16);
  const { deque: thief } = deque(4);
  pushAll(victim, [0, 1, 2, 3, 4, 5, 6, 7]);
  pushAll(thief, [50, 51, 52]);
  assert.equal(victim.stealHalfInto(thief, 8), 0, "room for one more: returns one, pushes one");
  assert.equal(thief.length, 4);
  assert.equal(victim.length, 6);
  assert.equal(victim.stealHalfInto(thief, 8), 2, "a full thief still gets the job it runs now");
  assert.deepEqual(popAll(thief), [1, 52, 51, 50]);
});

test("stealHalfInto its own deque moves the oldest half to the bottom", () => {
  const { deque: d } = deque(8);
  pushAll(d, [1, 2, 3, 4]);
  assert.equal(d.stealHalfInto(d, 8), 1);
  assert.deepEqual(popAll(d), [2, 4, 3]);
});

test("indices wrap past 2^31 and 2^32 without losing or repeating a job", () => {
  for (const start of [2 ** 31 - 3, -3]) {
    const offset = 64;
    const { deque: d, view } = deque(4, offset);
    startAt(view, offset, start | 0);
    pushAll(d, [1, 2, 3, 4]);
    assert.equal(d.push(5), false, `start ${start}: full across the wrap`);
    assert.equal(d.length, 4);
    assert.equal(d.steal(), 1);
    assert.equal(d.steal(), 2);
    assert.equal(d.pop(), 4);
    pushAll(d, [5, 6, 7]);
    assert.equal(d.push(8), false);
    assert.equal(d.length, 4);
    assert.deepEqual(popAll(d), [7, 6, 5, 3]);
    assert.equal(d.steal(), EMPTY);

    const thiefOffset = 32;
    const { deque: thief, view: thiefView } = deque(8, thiefOffset);
    startAt(thiefView, thiefOffset, (start + 2) | 0);
    pushAll(d, [10, 11, 12, 13]);
    assert.equal(d.stealHalfInto(thief, 8), 10);
    // The owner's pops never move top (they take the last job under the steal lock): the steals do.
    assert.notEqual(Math.sign(view[offset + TOP_WORD]!), Math.sign(start), `start ${start}: top wrapped`);
    pushAll(thief, [20, 21, 22, 23, 24]);
    assert.equal(thief.length, 6);
    assert.equal(thief.steal(), 11);
    assert.deepEqual(popAll(thief), [24, 23, 22, 21, 20]);
    assert.deepEqual(popAll(d), [13, 12]);
  }
});

test("random single-thread operations match a model deque, across the index wrap", () => {
  let seed = 0x5eed;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const capacity = 8;
  const view = new Int32Array(new SharedArrayBuffer(2 * WorkDeque.words(capacity) * 4));
  const words = WorkDeque.words(capacity);
  startAt(view, 0, 2 ** 31 - 500);
  startAt(view, words, -500);
  const deques = [new WorkDeque(view, 0, capacity), new WorkDeque(view, words, capacity)] as const;
  const models: [number[], number[]] = [[], []];
  let next = 0;
  for (let step = 0; step < 20_000; step++) {
    const k = rand() < 0.5 ? 0 : 1;
    const d = deques[k];
    const model = models[k];
    const op = rand();
    if (op < 0.45) {
      const full = model.length === capacity;
      assert.equal(d.push(next), !full, `step ${step}: push`);
      if (!full) model.push(next);
      next++;
    } else if (op < 0.7) {
      assert.equal(d.pop(), model.pop() ?? EMPTY, `step ${step}: pop`);
    } else if (op < 0.9) {
      assert.equal(d.steal(), model.shift() ?? EMPTY, `step ${step}: steal`);
    } else {
      const other = models[1 - k]!;
      const limit = 1 + Math.floor(rand() * 5);
      const n = Math.min(Math.ceil(model.length / 2), limit, capacity - other.length + 1);
      const taken = model.splice(0, n);
      other.push(...taken.slice(1));
      assert.equal(d.stealHalfInto(deques[1 - k]!, limit), taken[0] ?? EMPTY, `step ${step}: stealHalfInto`);
    }
    assert.equal(d.length, model.length, `step ${step}: length`);
  }
  assert.ok(view[TOP_WORD]! < 0 && view[words + TOP_WORD]! > 0, "both deques' indices wrapped");
});

const THREADS = 4;
let stressWorkers: Worker[] | undefined;
after(() => Promise.all((stressWorkers ?? []).map((worker) => worker.terminate())));

/**
 * The owner and thief workers, started once for every stress run and one after another (each
 * waits for the previous one's "ready"): see the worker module for why.
 */
async function workers(): Promise<Worker[]> {
  if (stressWorkers === undefined) {
    const url = new URL("./test-support/deque-stress-worker.ts", import.meta.url);
    stressWorkers = [];
    for (let i = 0; i < THREADS; i++) {
      const worker = new Worker(url);
      stressWorkers.push(worker);
      await new Promise<void>((resolve, reject) => {
        worker.once("message", () => resolve()).once("error", reject);
      });
    }
  }
  return stressWorkers;
}

/** Posts `data` to `worker` and resolves with its statistics; rejects if the worker fails. */
function runIn(worker: Worker, data: StressData): Promise<StressStats> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      worker.off("message", onMessage).off("error", reject).off("exit", onExit);
    };
    const onMessage = (stats: StressStats): void => {
      settle();
      resolve(stats);
    };
    const onExit = (code: number): void => {
      settle();
      reject(new Error(`a stress worker exited (${code}) before reporting`));
    };
    worker.on("message", onMessage).on("error", reject).on("exit", onExit);
    worker.postMessage(data);
  });
}

/** Runs the threaded stress test once and returns each worker's statistics. */
async function stress(n: number, scenario: Scenario, seed: number): Promise<StressStats[]> {
  const { capacity } = scenario;
  const memory = new SharedArrayBuffer(memoryWords(THREADS, capacity) * 4);
  const counts = new SharedArrayBuffer(n * 4);
  const view = new Int32Array(memory);
  // Start the owner's indices just below 2^31 and the thieves' just below 2^32, so both wraps
  // happen under contention.
  startAt(view, dequeOffset(0, capacity), (2 ** 31 - n / 2) | 0);
  for (let k = 1; k < THREADS; k++) startAt(view, dequeOffset(k, capacity), -(n / 8) | 0);
  const stats = await Promise.all((await workers()).map((worker, index) =>
    runIn(worker, {
      role: index === 0 ? "owner" : "thief",
      index,
      threads: THREADS,
      n,
      seed: seed + index,
      capacity,
      memory,
      counts,
      deadlineMs: 30_000,
      ownerWork: scenario.ownerWork,
      burst: scenario.burst,
      batchShare: scenario.batchShare,
    })
  ));
  const perId = new Int32Array(counts);
  const lost: number[] = [];
  const repeated: number[] = [];
  for (let id = 0; id < n; id++) {
    if (perId[id] === 0) lost.push(id);
    else if (perId[id] !== 1) repeated.push(id);
  }
  assert.deepEqual({ lost: lost.slice(0, 10), repeated: repeated.slice(0, 10) }, { lost: [], repeated: [] });
  return stats;
}

interface Scenario {
  readonly capacity: number;
  readonly ownerWork: number;
  readonly burst: number;
  readonly batchShare: number;
  readonly what: string;
}

// Chosen by running the file against broken deques (pop without the CAS for the last job, a batch
// steal without re-reading bottom, a batch steal with one CAS over several positions): together
// these caught each of them in 10 runs out of 10 on Node 24 here.
const scenarios: Scenario[] = [
  { capacity: 8, ownerWork: 20, burst: 6, batchShare: 0.8, what: "a short deque: batch steals race the owner's pops" },
  { capacity: 8, ownerWork: 0, burst: 4, batchShare: 1, what: "a busy owner and batch steals only" },
  { capacity: 16, ownerWork: 100, burst: 32, batchShare: 0.5, what: "overflow steals by the owner race the thieves" },
  { capacity: 256, ownerWork: 20, burst: 64, batchShare: 0.5, what: "a roomy deque" },
];

/** Each scenario runs rounds of `IDS` ids for about this long (at least one round). */
const SCENARIO_MS = 1000;
const IDS = 200_000;

for (const [i, scenario] of scenarios.entries()) {
  test(`stress, ${scenario.what}: an owner and three thieves take every id exactly once`, async () => {
    await workers(); // started outside the timing
    const started = performance.now();
    const totals = { rounds: 0, owner: 0, thieves: 0, steals: 0, batches: 0, retries: 0 };
    do {
      const stats = await stress(IDS, scenario, 1 + 1000 * i + 10 * totals.rounds);
      assert.equal(stats.some((s) => s.timedOut), false, "no worker ran into its deadline");
      assert.equal(stats.reduce((sum, s) => sum + s.duplicates + s.outOfRange, 0), 0);
      assert.equal(stats.reduce((sum, s) => sum + s.taken, 0), IDS);
      totals.rounds++;
      for (const s of stats) {
        totals.retries += s.retries;
        if (s.role === "owner") totals.owner += s.taken;
        else {
          totals.thieves += s.taken;
          totals.steals += s.stolen;
          totals.batches += s.batches;
        }
      }
    } while (performance.now() - started < SCENARIO_MS);
    const ms = performance.now() - started;
    assert.ok(totals.thieves > 0, "the thieves took something, so the threads did race");
    console.log(
      `work-deque stress (capacity ${scenario.capacity}): ${totals.rounds} × ${IDS} ids in ${ms.toFixed(0)} ms; ` +
        `owner took ${totals.owner}, thieves ${totals.thieves} (${totals.steals} steals, ` +
        `${totals.batches} batch steals); ${totals.retries} RETRY`,
    );
  });
}
