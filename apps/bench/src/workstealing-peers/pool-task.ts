// The task file of the piscina and tinypool contenders in workstealing.bench.ts (tinypool is a fork
// of piscina and loads task files the same way): one named export per task, chosen with the
// `name` run option. The work itself is work.ts, shared with every other contender.
import { add as addNumbers, spinTask } from "./work.ts";

/** Benchmarks 1 and 5: the tiny task. */
export function add(task: { a: number; b: number }): number {
  return addNumbers(task.a, task.b);
}

/** Benchmarks 2 and 3: the calibrated busy loop (see `spinTask`). */
export function spin(iters: number): number {
  return spinTask(iters);
}

export default add;
