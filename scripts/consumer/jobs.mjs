// The consumer check's job module, as plain JavaScript (scripts/check-consumer.ts): fork/join and sleeps inside jobs.
import { defineJobs } from "@spindle/workstealing";

function fibSequential(n) {
  return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
}

const jobs = defineJobs({
  *fib(n) {
    if (n < 12) return fibSequential(n);
    const left = jobs.spawn("fib", n - 1);
    const right = jobs.spawn("fib", n - 2);
    return (yield* left) + (yield* right);
  },
  *nap(ms) {
    yield* jobs.timer.sleep(ms);
    return ms;
  },
  *naps(count, ms) {
    const children = Array.from({ length: count }, () => jobs.spawn("nap", ms));
    let total = 0;
    for (const child of children) total += yield* child;
    return total;
  },
});
export default jobs;
