// The job module of the Spindle contender in workstealing.bench.ts: every worker thread of the
// `Runtime` loads it. The work is work.ts, shared with the pools' task files and the bare threads,
// so that every contender runs the same functions.
import { type Coroutine, defineJobs } from "@spindle/workstealing";
import { add as addNumbers, fibSequential, spinTask } from "./workstealing-peers/work.ts";

/**
 * Benchmark 4: fork/join Fibonacci. Above the cut-off, `fib(n - 1)` becomes a child job on this
 * worker (its next-task slot or deque, where an idle worker can steal it) while this job computes
 * `fib(n - 2)` itself, inline (rayon's `join`), then joins the child; at or below the cut-off,
 * plain recursion. A top-level `function*`: one defined per call is slow on V8.
 */
function* fib(n: number, cutoff: number): Coroutine<number> {
  if (n <= cutoff) return fibSequential(n);
  const left = jobs.spawn("fib", n - 1, cutoff);
  const right = yield* fib(n - 2, cutoff);
  return (yield* left) + right;
}

const jobs = defineJobs({
  /** Benchmarks 1 and 5: the tiny task. */
  add(a: number, b: number): number {
    return addNumbers(a, b);
  },
  /** Benchmarks 2 and 3: the calibrated busy loop (see `spinTask`). */
  spin(iters: number): number {
    return spinTask(iters);
  },
  fib,
});

export default jobs;
