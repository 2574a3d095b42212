// The job module of the package's README and API examples (the README shows it as jobs.ts): a
// tiny job, a fork/join one and one that can fail. Published with the package so that the examples run where they
// are read; in your program, the job module is your own file.
import { type Coroutine, defineJobs, type JobSet, type SharedBuffer } from "../mod.ts";

function fibSequential(n: number): number {
  return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
}

const jobs: JobSet<{
  add: (a: number, b: number) => number;
  square: (n: number) => number;
  sumShared: (buffer: SharedBuffer, from: number, to: number) => number;
  sumMoved: (buffer: SharedBuffer) => number;
  fib: (n: number) => Coroutine<number>;
  parse: (text: string) => unknown;
}> = defineJobs({
  add(a: number, b: number): number {
    return a + b;
  },
  square(n: number): number {
    return n * n;
  },
  // Sums elements [from, to) of a buffer from runtime.alloc, in place (nothing is copied).
  sumShared(buffer: SharedBuffer, from: number, to: number): number {
    const values = buffer.array(Float64Array);
    let total = 0;
    for (let i = from; i < to; i++) total += values[i]!;
    return total;
  },
  // Sums a buffer passed with move(): the job owns it, and releases it when done.
  sumMoved(buffer: SharedBuffer): number {
    const values = buffer.array(Float64Array);
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i]!;
    buffer.release();
    return total;
  },
  *fib(n: number): Coroutine<number> {
    if (n < 20) return fibSequential(n);
    const left = jobs.spawn("fib", n - 1); // onto this worker's slot; idle workers steal it
    const right = jobs.spawn("fib", n - 2);
    return (yield* left) + (yield* right); // join
  },
  // Throws a SyntaxError on text that is not JSON: the README's failing job.
  parse(text: string): unknown {
    return JSON.parse(text);
  },
});
export default jobs;
