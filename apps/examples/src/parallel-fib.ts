/**
 * Fork/join on the work-stealing runtime: fib(32) forks child jobs that two worker threads steal
 * from each other; prints the speed-up over one thread and each worker's steals.
 */
import { Runtime } from "@spindle/workstealing";
import jobs, { fibSequential } from "./support/parallel-jobs.ts";

const runtime = await Runtime.start<typeof jobs>(new URL("./support/parallel-jobs.ts", import.meta.url), {
  workers: 2,
});
try {
  for (let i = 0; i < 5; i++) await runtime.spawn("fib", 27); // warm the workers' JIT up
  let start = performance.now();
  const expected = fibSequential(32);
  const oneThread = performance.now() - start;
  start = performance.now();
  const fib = await runtime.spawn("fib", 32);
  const twoWorkers = performance.now() - start;
  console.log(`fib(32) = ${fib} (one thread: ${expected})`);
  console.log(
    `one thread ${oneThread.toFixed(1)} ms, 2 workers ${twoWorkers.toFixed(1)} ms: speed-up ${
      (oneThread / twoWorkers).toFixed(2)
    }×`,
  );
  for (const [worker, stats] of runtime.stats().slice(0, 2).entries()) {
    console.log(`worker ${worker}: ${stats.jobsRun} jobs run, ${stats.steals} steals (${stats.jobsStolen} jobs)`);
  }
  try {
    await runtime.spawn("parse", "4.5");
  } catch (error) {
    console.log(`parse("4.5") failed on its worker: ${(error as Error).name}: ${(error as Error).message}`);
  }
} finally {
  await runtime.shutdown();
}
console.log("all done");
