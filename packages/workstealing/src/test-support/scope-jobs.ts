// The job module of the task-scope tests: scopes inside jobs, over tasks of the worker and child
// jobs. Shared counters come through the runtime's workerData: { counters: Int32Array }.
import { type Coroutine, fromPromise, pending, STREAM_END, TaskScope } from "@spindle/core";
import { defineJobs, type JobSet } from "../mod.ts";

function counters(): Int32Array {
  return (jobs.workerData as { counters: Int32Array }).counters;
}

/** Counts its start in `index`, waits forever, and counts its finally (after a wait) in `index + 1`. */
function* holdTask(index: number): Coroutine<never> {
  Atomics.add(counters(), index, 1);
  try {
    yield* pending<void>();
    throw new Error("unreachable");
  } finally {
    yield* fromPromise(new Promise((resolve) => setTimeout(resolve, 2)));
    Atomics.add(counters(), index + 1, 1);
  }
}

/** The jobs of the scope tests. */
export type ScopeJobs = {
  holdChild: (index: number) => Coroutine<never>;
  square: (n: number) => number;
  scopeOfTasksAndJobs: (index: number) => Coroutine<void>;
  sumOfChildren: (n: number) => Coroutine<number>;
};

const jobs: JobSet<ScopeJobs> = defineJobs<ScopeJobs>({
  holdChild(index) {
    return holdTask(index);
  },
  square(n) {
    return n * n;
  },
  // Two tasks of this worker (counters index, index + 1) and one child job (index + 2, index + 3)
  // in one scope, then waits forever: aborting the job closes the scope.
  *scopeOfTasksAndJobs(index) {
    const scope = new TaskScope();
    try {
      scope.spawn(holdTask(index));
      scope.spawn(holdTask(index));
      scope.adopt(jobs.spawn("holdChild", index + 2));
      yield* pending<void>();
    } finally {
      yield* scope.close();
      Atomics.store(counters(), index + 4, 1);
    }
  },
  // n child jobs adopted into a scope, their results taken in completion order.
  *sumOfChildren(n) {
    const scope = new TaskScope<number>();
    try {
      for (let i = 1; i <= n; i++) scope.adopt(jobs.spawn("square", i));
      let total = 0;
      for (let item; (item = yield* scope.joinNext()) !== STREAM_END;) total += item;
      return total;
    } finally {
      yield* scope.close();
    }
  },
});
export default jobs;
