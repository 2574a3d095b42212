// The job module of the README checks' work-stealing probes.
import process from "node:process";
import { threadId } from "node:worker_threads";
import { type Coroutine, defineJobs, join, scope, type SharedBuffer } from "@spindle/workstealing";

const jobs = defineJobs({
  add(a: number, b: number): number {
    return a + b;
  },
  square(n: number): number {
    return n * n;
  },
  failOn(n: number): number {
    if (n === 13) throw new Error(`unlucky ${n}`);
    return n;
  },
  thread(): number {
    return threadId;
  },
  allocate(megabytes: number): number {
    const keep = new Array(megabytes * 1024).fill(0).map(() => new Array(128).fill(Math.random()));
    return keep.length;
  },
  sum(buffer: SharedBuffer): number {
    let total = 0;
    for (const v of buffer.array(Float64Array)) total += v;
    return total;
  },
  die(code: number): number {
    process.exit(code);
  },
  *pair(a: number, b: number): Coroutine<[number, number]> {
    return yield* join(jobs.spawn("square", a), jobs.spawn("square", b));
  },
  *pairFailing(a: number): Coroutine<[number, number]> {
    return yield* join(jobs.spawn("failOn", a), jobs.spawn("square", a));
  },
  *sumOfSquares(n: number): Coroutine<number> {
    return yield* scope(jobs, function* (s) {
      const handles = Array.from({ length: n }, (_, i) => s.spawn("square", i));
      let total = 0;
      for (const handle of handles) total += yield* handle;
      return total;
    });
  },
  *scopeUnjoined(n: number): Coroutine<number> {
    return yield* scope(jobs, function* (s) {
      for (let i = 0; i < n; i++) s.spawn("failOn", i); // never joined by the body: the scope joins them
      return n;
    });
  },
});
export default jobs;
