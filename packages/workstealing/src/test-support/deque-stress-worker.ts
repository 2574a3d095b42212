/**
 * Test worker for the work-deque stress test: one owner thread pushes ids 0..n-1 onto deque 0
 * (bursts of pushes and pops, overflow by stealing from its own top when full), and thief threads
 * steal from deque 0 and from each other into their own deques, which they pop. Every taken id is
 * counted with Atomics.add in `counts`; each worker posts its statistics when its run is done.
 * The test imports the layout helpers from this module too.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { random } from "@spindle/test-support";
import { EMPTY, RETRY, WorkDeque } from "../work-deque.ts";

/** What the test posts to each worker for one run. */
export interface StressData {
  readonly role: "owner" | "thief";
  /** This worker's deque (0 is the owner's). */
  readonly index: number;
  readonly threads: number;
  readonly n: number;
  readonly seed: number;
  readonly capacity: number;
  /** Control words ([READY], [DONE]) followed by `threads` deques at `dequeOffset(k)`. */
  readonly memory: SharedArrayBuffer;
  /** One Int32 counter per id. */
  readonly counts: SharedArrayBuffer;
  readonly deadlineMs: number;
  /** Busy-loop iterations per job the owner runs itself, so that the thieves get a share. */
  readonly ownerWork: number;
  /** The owner's longest burst of pushes (then as many pops, give or take). */
  readonly burst: number;
  /** How often a thief uses stealHalfInto rather than steal (0 to 1). */
  readonly batchShare: number;
}

/** What each worker posts at the end. */
export interface StressStats {
  readonly role: "owner" | "thief";
  readonly index: number;
  taken: number;
  popped: number;
  stolen: number;
  batches: number;
  retries: number;
  overflowed: number;
  duplicates: number;
  outOfRange: number;
  timedOut: boolean;
}

/** Control word: how many workers are ready (a start barrier). */
export const READY = 0;
/** Control word: 1 once the owner pushed every id and emptied its deque. */
export const DONE = 1;
const CONTROL_WORDS = 32;

/** Where deque `k` starts in the memory's Int32 words. */
export function dequeOffset(k: number, capacity: number): number {
  return CONTROL_WORDS + k * WorkDeque.words(capacity);
}

/** Int32 words of memory the stress test needs. */
export function memoryWords(threads: number, capacity: number): number {
  return dequeOffset(threads, capacity);
}

function run(data: StressData): StressStats {
  const control = new Int32Array(data.memory);
  const counts = new Int32Array(data.counts);
  const deques: WorkDeque[] = [];
  for (let k = 0; k < data.threads; k++) {
    // Taker numbers from 1, one per thread, as the runtime gives its threads.
    deques.push(new WorkDeque(control, dequeOffset(k, data.capacity), data.capacity, k, data.index + 1));
  }
  const own = deques[data.index]!;
  const rand = random(data.seed);
  const stats: StressStats = {
    role: data.role,
    index: data.index,
    taken: 0,
    popped: 0,
    stolen: 0,
    batches: 0,
    retries: 0,
    overflowed: 0,
    duplicates: 0,
    outOfRange: 0,
    timedOut: false,
  };
  let sink = 0;
  const work = (iterations: number): void => {
    for (let i = 0; i < iterations; i++) sink = Math.imul(sink ^ i, 0x9e3779b1);
  };
  const take = (job: number): void => {
    stats.taken++;
    if (job < 0 || job >= data.n) stats.outOfRange++;
    else if (Atomics.add(counts, job, 1) !== 0) stats.duplicates++;
  };
  /** Takes what is left in this thread's own deque (others may still steal from it meanwhile). */
  const drainOwn = (): void => {
    for (let job = own.pop(); job !== EMPTY; job = own.pop()) {
      take(job);
      stats.popped++;
    }
  };

  // Start barrier, so the owner does not finish before the thieves exist.
  Atomics.add(control, READY, 1);
  for (let ready = Atomics.load(control, READY); ready < data.threads; ready = Atomics.load(control, READY)) {
    Atomics.wait(control, READY, ready, 1);
  }
  const deadline = Date.now() + data.deadlineMs;

  if (data.role === "owner") {
    let next = 0;
    while (next < data.n) {
      const burst = 1 + Math.floor(rand() * data.burst);
      for (let i = 0; i < burst && next < data.n; i++) {
        while (!own.push(next)) {
          // Full: move about half out from the top, as the runtime moves it to its injector
          // (here the ids count as taken), racing the thieves for the same jobs.
          for (let k = Math.max(1, own.capacity >> 1); k > 0;) {
            const job = own.steal();
            if (job >= 0) {
              take(job);
              stats.overflowed++;
              k--;
            } else if (job === EMPTY) break;
            else stats.retries++;
          }
        }
        next++;
      }
      // Pop up to the burst again, so the deque often runs down to its last job and the owner's
      // CAS for it races the thieves.
      for (let pops = Math.floor(rand() * (burst + 1 + (burst >> 3))); pops > 0; pops--) {
        const job = own.pop();
        if (job === EMPTY) break;
        take(job);
        stats.popped++;
        work(data.ownerWork);
      }
      if ((next & 0x3ff) === 0 && Date.now() > deadline) {
        stats.timedOut = true;
        break;
      }
    }
    drainOwn();
    Atomics.store(control, DONE, 1);
    if (sink === 0.5) stats.taken = -1; // keeps `work` from being optimised away; never true
    return stats;
  }

  for (let round = 0;; round++) {
    // Mostly the owner's deque, sometimes another thief's.
    let victim = 0;
    if (rand() < 0.25) {
      victim = 1 + Math.floor(rand() * (data.threads - 1));
      if (victim === data.index) victim = 0;
    }
    const from = deques[victim]!;
    let job: number;
    if (rand() >= data.batchShare) {
      job = from.steal();
      if (job >= 0) stats.stolen++;
    } else {
      job = from.stealHalfInto(own, 1 + Math.floor(rand() * 32));
      if (job >= 0) stats.batches++;
    }
    if (job >= 0) take(job);
    else if (job === RETRY) stats.retries++;
    // Run a few of our own jobs and leave the rest to be stolen.
    for (let pops = Math.floor(rand() * 4); pops > 0; pops--) {
      const mine = own.pop();
      if (mine === EMPTY) break;
      take(mine);
      stats.popped++;
    }
    if (job === EMPTY && Atomics.load(control, DONE) === 1) break;
    if ((round & 0x3ff) === 0 && Date.now() > deadline) {
      stats.timedOut = true;
      break;
    }
  }
  // The owner is done and its deque is empty for good: drain ours and leave. Thieves still
  // running may take from it concurrently; pop returns EMPTY once it is empty either way.
  drainOwn();
  return stats;
}

// The test imports the layout helpers above on its main thread; only a worker runs. It says
// "ready", then runs one stress run per message, so that the test starts its workers once and one
// at a time: under `deno test` in this repository each start type-checks this module again
// (about 1.3 s; four at once took 11–13 s on 2 vCPUs).
if (!isMainThread) {
  parentPort!.on("message", (data: StressData) => parentPort!.postMessage(run(data)));
  parentPort!.postMessage("ready");
}
