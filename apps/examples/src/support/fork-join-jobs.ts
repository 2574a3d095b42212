// The job module of the fork-join example: every worker of the runtime imports it.
import { type Coroutine, defineJobs, type JobSet } from "@spindle/workstealing";

/** Below this, a job computes fib sequentially instead of forking. */
const CUTOFF = 20;

function fibSequential(n: number): number {
  return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
}

const jobs: JobSet<{
  fib: (n: number) => Coroutine<number>;
  sum: (values: Float64Array) => Coroutine<number>;
  parse: (text: string) => number;
}> = defineJobs({
  // Fork both halves as child jobs (idle workers steal them), then join them.
  *fib(n: number): Coroutine<number> {
    if (n <= CUTOFF) return fibSequential(n);
    const left = jobs.spawn("fib", n - 1);
    const right = jobs.spawn("fib", n - 2);
    return (yield* left) + (yield* right);
  },
  // A typed array crosses through shared memory; each half goes to a child job.
  *sum(values: Float64Array): Coroutine<number> {
    if (values.length <= 10_000) return values.reduce((total, x) => total + x, 0);
    const half = values.length >> 1;
    const left = jobs.spawn("sum", values.subarray(0, half));
    const right = jobs.spawn("sum", values.subarray(half));
    return (yield* left) + (yield* right);
  },
  parse(text: string): number {
    const n = Number(text);
    if (!Number.isInteger(n)) throw new RangeError(`not an integer: ${JSON.stringify(text)}`);
    return n;
  },
});
export default jobs;
