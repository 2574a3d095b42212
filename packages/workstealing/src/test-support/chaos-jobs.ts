// The job module of worker-chaos.test.ts: fork/join jobs that end their worker at chosen points
// (process.exit with children queued, an error thrown from a timer, an endless loop that the
// runtime terminates once aborted, out of memory, process.exit from a getter of the result), and
// count every start in shared counters (workerData: { starts: Int32Array }), so that the test can
// tell a job that never started from one that ran twice.
import process from "node:process";
import { type Coroutine, yieldNow } from "@spindle/core";
import { defineJobs, type JobSet, join, scope } from "../mod.ts";

/** How a `tree` job ends its worker ("none": it does not). */
export type Kill = "none" | "exitBeforeJoin" | "throwLater" | "exitInResult" | "spin" | "oom";

/** The exit codes the kills use, so the test can tell which death it sees. */
export const EXIT_BEFORE_JOIN = 7;
export const EXIT_IN_RESULT = 9;

/** Where the counters of children and of "children spawned" flags start. */
export interface Layout {
  readonly children: number;
  readonly spawned: number;
}

/** The jobs of the test. */
export type ChaosJobs = {
  tree: (i: number, kill: Kill, layout: Layout) => Coroutine<number>;
  leaf: (k: number) => number;
  item: (k: number) => number;
};

function starts(): Int32Array {
  return (jobs.workerData as { starts: Int32Array }).starts;
}

/** Some work, so that jobs overlap and are stolen. */
function work(k: number): number {
  let x = k;
  for (let i = 0; i < 2_000; i++) x = (x * 31 + i) % 1_000_003;
  return x;
}

const jobs: JobSet<ChaosJobs> = defineJobs({
  /**
   * Top-level job `i`: counts its start (in its first call, so a job lost before its coroutine
   * first ran still counts), then runs {@linkcode treeBody}.
   */
  tree(i, kill, layout) {
    Atomics.add(starts(), i, 1);
    return treeBody(i, kill, layout);
  },
  leaf(k) {
    Atomics.add(starts(), k, 1);
    return work(k) >= 0 ? k : -1;
  },
  /** An item of `runtime.map`: counts its start. */
  item(k) {
    Atomics.add(starts(), k, 1);
    return work(k) >= 0 ? k : -1;
  },
});
export default jobs;

/**
 * Spawns two `leaf` children (counters `layout.children + 2i` and `+ 1`: one in this worker's
 * slot, one in its deque), marks them spawned (counter `layout.spawned + i`), ends the worker as
 * `kill` says, then joins them (by `join`, by `scope`, or one by one: each way takes a child back
 * in place when it is still here, or waits for a thief) and returns `i`.
 */
function* treeBody(i: number, kill: Kill, layout: Layout): Coroutine<number> {
  const first = layout.children + 2 * i;
  if (i % 3 === 2) {
    // The children are a scope's: joined when the body returns.
    yield* scope(jobs, function* (s) {
      s.spawn("leaf", first);
      s.spawn("leaf", first + 1);
      Atomics.store(starts(), layout.spawned + i, 1);
      yield* killAt(i, kill);
    });
  } else {
    const a = jobs.spawn("leaf", first);
    const b = jobs.spawn("leaf", first + 1);
    Atomics.store(starts(), layout.spawned + i, 1);
    yield* killAt(i, kill);
    if (i % 3 === 0) yield* join(a, b);
    else {
      yield* a;
      yield* b;
    }
  }
  if (kill === "exitInResult") {
    // The result's getter runs as the worker encodes it, after the job has returned.
    return {
      get value(): number {
        return process.exit(EXIT_IN_RESULT);
      },
    } as unknown as number;
  }
  return i;
}

/** Ends the worker as `kill` says, with the job's children queued here (or stolen meanwhile). */
function* killAt(i: number, kill: Kill): Coroutine<void> {
  if (kill === "exitBeforeJoin") process.exit(EXIT_BEFORE_JOIN);
  if (kill === "throwLater") {
    // Thrown in a host callback, after this job went on: the worker dies between its jobs.
    setTimeout(() => {
      throw new Error(`boom ${i}`);
    }, i % 4);
  }
  if (kill === "spin") spinForever(); // aborted by its deadline: the worker is terminated after abortGraceMs
  if (kill === "oom") {
    const kept: number[][] = [];
    for (;;) kept.push(new Array<number>(131_072).fill(i));
  }
  yield* yieldNow(); // suspends: the job becomes one of the worker's tasks
}

function spinForever(): never {
  for (;;);
}
