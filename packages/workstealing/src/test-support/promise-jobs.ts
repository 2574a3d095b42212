// The job module of promise-jobs.test.ts: `async function` jobs, as piscina users write them.
import type { Coroutine } from "@spindle/core";
import { defineJobs, type JobSet } from "../mod.ts";

/** The jobs of the promise tests. */
export type PromiseJobs = {
  addLater: (a: number, b: number) => Promise<number>;
  failLater: (message: string) => Promise<never>;
  doubleLater: (n: number) => Promise<number>;
  thenable: (n: number) => PromiseLike<number>;
  sumOfChildren: (n: number) => Coroutine<number>;
};

/** Resolves after a host timer, so the worker's event loop must turn for the job to end. */
function afterTimer<T>(value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), 1));
}

const jobs: JobSet<PromiseJobs> = defineJobs<PromiseJobs>({
  async addLater(a, b) {
    return await afterTimer(a + b);
  },
  async failLater(message) {
    await afterTimer(0);
    throw new RangeError(message);
  },
  async doubleLater(n) {
    return await afterTimer(n * 2);
  },
  // A thenable that is not a Promise (as a promise library's): only its `then` is used.
  thenable(n) {
    const thenable = {
      then(resolve: (value: number) => void) {
        setTimeout(() => resolve(n), 1);
        return thenable;
      },
    };
    return thenable as unknown as PromiseLike<number>;
  },
  // Children that are async functions, joined (in place or stolen) from a coroutine job.
  *sumOfChildren(n) {
    const handles = Array.from({ length: n }, (_, i) => jobs.spawn("addLater", i, 1));
    let total = 0;
    for (const handle of handles) total += yield* handle;
    return total;
  },
});
export default jobs;
