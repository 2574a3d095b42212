// The consumer check's job module (scripts/check-consumer.ts): fork/join and sleeps inside jobs.
import { type Coroutine, defineJobs } from "@spindle/workstealing";

function fibSequential(n: number): number {
  return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
}

const jobs = defineJobs({
  *fib(n: number): Coroutine<number> {
    if (n < 12) return fibSequential(n);
    const left = jobs.spawn("fib", n - 1);
    const right = jobs.spawn("fib", n - 2);
    return (yield* left) + (yield* right);
  },
  *nap(ms: number): Coroutine<number> {
    yield* jobs.timer.sleep(ms);
    return ms;
  },
  *naps(count: number, ms: number): Coroutine<number> {
    const children = Array.from({ length: count }, () => jobs.spawn("nap", ms));
    let total = 0;
    for (const child of children) total += yield* child;
    return total;
  },
});
export default jobs;
