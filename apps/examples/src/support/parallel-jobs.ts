// The job module of the parallel-fib and parallel-map examples: every worker of the runtime
// imports it, so only job names and plain-data arguments travel between threads.
import { type Coroutine, defineJobs, type JobSet } from "@spindle/workstealing";

/** Below this, fib is computed sequentially instead of forking. */
const CUTOFF = 20;

/** Plain recursive Fibonacci. */
export function fibSequential(n: number): number {
  return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
}

/** How many primes lie in [from, to): trial division, deliberately CPU-bound. */
export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

const jobs: JobSet<{
  fib: (n: number) => Coroutine<number>;
  countPrimes: (from: number, to: number) => number;
  parse: (text: string) => number;
}> = defineJobs({
  // Fork fib(n - 1) as a child job (an idle worker may steal it), compute fib(n - 2) in this job,
  // then join the child: in place when nobody stole it.
  *fib(n: number): Coroutine<number> {
    if (n <= CUTOFF) return fibSequential(n);
    const left = jobs.spawn("fib", n - 1);
    const right: number = yield* jobs.jobs.fib(n - 2);
    return (yield* left) + right;
  },
  countPrimes,
  parse(text: string): number {
    const n = Number(text);
    if (!Number.isInteger(n)) throw new RangeError(`not an integer: ${JSON.stringify(text)}`);
    return n;
  },
});
export default jobs;
