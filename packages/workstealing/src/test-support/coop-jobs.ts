// The job module of job-coop-budget.test.ts: a job that joins children in place in a loop (each
// join completes at once, like an always-ready future), a job that waits for ever, and one that
// sets the flag the looping job waits for. Shared words come through workerData:
// { words: Int32Array } (word 0: the flag, word 1: the looping job's joins so far).
import { type Coroutine, pending } from "@spindle/core";
import { defineJobs, type JobSet } from "../mod.ts";

/** The jobs of the test. */
export type CoopJobs = {
  one: () => number;
  joinUntilFlag: (limitMs: number) => Coroutine<{ sawFlag: boolean; joins: number }>;
  waitForever: () => Coroutine<never>;
  setFlag: () => void;
};

function words(): Int32Array {
  return (jobs.workerData as { words: Int32Array }).words;
}

const jobs: JobSet<CoopJobs> = defineJobs({
  one: () => 1,
  /** Joins child after child (each run in place) until the flag is set or `limitMs` passed. */
  *joinUntilFlag(limitMs: number) {
    const shared = words();
    const deadline = performance.now() + limitMs;
    let joins = 0;
    while (Atomics.load(shared, 0) === 0 && performance.now() < deadline) {
      joins += yield* jobs.spawn("one");
      Atomics.store(shared, 1, joins);
    }
    return { sawFlag: Atomics.load(shared, 0) === 1, joins };
  },
  *waitForever() {
    return yield* pending<never>();
  },
  setFlag() {
    Atomics.store(words(), 0, 1);
  },
});
export default jobs;
