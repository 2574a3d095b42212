// The worker of the poolifier contender (`FixedThreadPool`) in workstealing.bench.ts: a
// `ThreadWorker` with one named task function per task, chosen by `pool.execute(data, name)`. The
// work itself is work.ts, shared with every other contender.
import { ThreadWorker } from "poolifier";
import { add, spinTask } from "./work.ts";

function addTask(task?: { a: number; b: number }): number {
  return add(task!.a, task!.b);
}

function spinJob(iters?: number): number {
  return spinTask(iters!);
}

export default new ThreadWorker<unknown, number>({
  add: addTask as (data?: unknown) => number,
  spin: spinJob as (data?: unknown) => number,
});
