// The job module of take-death.test.ts: jobs after which their worker ends its thread at a chosen
// `Atomics` call on the way to the next jobs (taking them from the slot, the deque or the
// injector, naming them, claiming them), as V8 does to a thread over its resourceLimits (at any
// call). Shared words come through workerData: `{ runs, exits, ready, go }` (Int32Arrays).
import process from "node:process";
import { defineJobs, type JobSet } from "../mod.ts";

/** The jobs of the test. */
export type TakeDeathJobs = {
  spawnThenExit: (call: number, children: number) => number;
  waitThenExit: (call: number, children: number) => number;
  child: (index: number) => number;
};

/** The runtime's workerData for this module. */
export interface TakeDeathWords {
  /** Starts of each child, by index. */
  readonly runs: Int32Array;
  /** Word 0: how many threads ended at their chosen call. */
  readonly exits: Int32Array;
  /** Word 0: set by waitThenExit once it runs; word 1: set by the test when its jobs are queued. */
  readonly signals: Int32Array;
}

/** The exit code of a thread ended by {@linkcode exitAtCall}. */
export const TAKE_EXIT_CODE = 9;

const ATOMICS = ["load", "store", "exchange", "compareExchange", "add", "sub"] as const;
const real = Object.fromEntries(ATOMICS.map((name) => [name, Atomics[name]])) as unknown as Record<
  (typeof ATOMICS)[number],
  (...args: unknown[]) => number
>;
/** Children still to start before the thread stops counting calls. */
let childrenLeft = 0;

function words(): TakeDeathWords {
  return jobs.workerData as TakeDeathWords;
}

/**
 * Ends this thread (`process.exit`) just before its `call`-th `Atomics` call (1: the first) after
 * the settlement of the job that calls this (its last step: the reference's release, the first
 * `Atomics.sub` from now; deaths inside a settlement are settle-death.test.ts's), unless
 * `children` child jobs start first: replaces the thread's `Atomics` methods, which the runtime's
 * code calls through the global.
 */
function exitAtCall(call: number, children: number): void {
  childrenLeft = children;
  let calls = 0;
  let settled = false;
  for (const name of ATOMICS) {
    const method = real[name];
    (Atomics as unknown as Record<string, unknown>)[name] = (...args: unknown[]): number => {
      if (!settled) {
        settled = name === "sub";
        return method(...args);
      }
      if (++calls === call) {
        real.add(words().exits, 0, 1);
        if (process.env.TAKE_DEATH_DEBUG) {
          process.stderr.write(`call ${call} ${name}(${String(args.slice(1))}) ${new Error().stack}\n`);
        }
        process.exit(TAKE_EXIT_CODE);
      }
      return method(...args);
    };
  }
}

function stopCounting(): void {
  for (const name of ATOMICS) (Atomics as unknown as Record<string, unknown>)[name] = real[name];
}

const jobs: JobSet<TakeDeathJobs> = defineJobs<TakeDeathJobs>({
  /** Spawns `children` children (the first into the deque, the last into the slot), then counts. */
  spawnThenExit(call, children) {
    for (let i = 0; i < children; i++) jobs.spawn("child", i);
    exitAtCall(call, children);
    return call;
  },
  /** Waits until the test queued its jobs in the injector (signals), then counts. */
  waitThenExit(call, children) {
    const { signals } = words();
    real.store(signals, 0, 1);
    Atomics.wait(signals, 1, 0, 30_000);
    exitAtCall(call, children);
    return call;
  },
  /** Counts its start; the last child to start stops the counting. */
  child(index) {
    real.add(words().runs, index, 1);
    if (childrenLeft > 0 && --childrenLeft === 0) stopCounting();
    return index;
  },
});
export default jobs;
