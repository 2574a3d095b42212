// The job module of settle-death.test.ts: jobs whose worker ends its thread in the middle of the
// settlement that follows them, as V8 does to a thread over its resourceLimits (at any call).
import process from "node:process";
import { type Coroutine, yieldNow } from "@spindle/core";
import { defineJobs, type JobSet } from "../mod.ts";
import { DONE } from "../job-record.ts";

/** Where in its settlement the worker's thread ends. */
export type SettleStep = "state" | "count" | "wake";

/** The jobs of the test. */
export type SettleDeathJobs = {
  exitWhileSettling: (value: number, after: SettleStep) => number;
  exitWhileSettlingTask: (value: number, after: SettleStep) => Coroutine<number>;
  add: (a: number, b: number) => number;
};

/** The exit code of a thread ended by {@linkcode exitAfter}. */
export const SETTLE_EXIT_CODE = 9;

/**
 * Ends this thread (`process.exit`) just after the next `Atomics.store` of DONE, which is the
 * settlement's publication of the job's state (a small result needs no other store of that value
 * on the way), or just after the `Atomics.add` that follows it (the job's settled count), or just
 * after the next one, the wake's epoch add (core's `wakeShared`), before it looks for a sleeping
 * owner to notify: the `Atomics.notify` never comes. Works
 * by replacing the thread's `Atomics.store` and `Atomics.add`, which the runtime's code calls
 * through the global.
 */
function exitAfter(step: SettleStep): void {
  const { store, add } = Atomics;
  let published = false;
  let adds = 0;
  Atomics.store = ((array: Int32Array, index: number, value: number): number => {
    const stored = store(array, index, value);
    if (!published && value === DONE) {
      published = true;
      if (step === "state") process.exit(SETTLE_EXIT_CODE);
    }
    return stored;
  }) as typeof Atomics.store;
  Atomics.add = ((array: Int32Array, index: number, value: number): number => {
    const before = add(array, index, value);
    if (published && step === "count") process.exit(SETTLE_EXIT_CODE);
    if (published && step === "wake" && ++adds === 2) process.exit(SETTLE_EXIT_CODE);
    return before;
  }) as typeof Atomics.add;
}

const jobs: JobSet<SettleDeathJobs> = defineJobs<SettleDeathJobs>({
  /** Returns `value`; its worker ends after `after` of the settlement. A job that ends in its call. */
  exitWhileSettling(value, after) {
    exitAfter(after);
    return value;
  },
  /** As exitWhileSettling, for a job that ends as a task (it waits once). */
  *exitWhileSettlingTask(value, after) {
    yield* yieldNow();
    exitAfter(after);
    return value;
  },
  add(a, b) {
    return a + b;
  },
});
export default jobs;
