/**
 * Data-parallel work on the work-stealing runtime: count the primes below 2,000,000 in 100
 * ranges, each a job spawned from this thread; the workers share the injector's jobs and steal
 * from each other. Prints the speed-up over one thread and each worker's share.
 */
import { Runtime } from "@spindle/workstealing";
import jobs, { countPrimes } from "./support/parallel-jobs.ts";

const LIMIT = 2_000_000;
const RANGES = 100;
const bounds = Array.from({ length: RANGES }, (_, i) => [(i * LIMIT) / RANGES, ((i + 1) * LIMIT) / RANGES] as const);

const runtime = await Runtime.start<typeof jobs>(new URL("./support/parallel-jobs.ts", import.meta.url), {
  workers: 2,
});
try {
  await Promise.all(bounds.slice(0, 10).map(([from, to]) => runtime.spawn("countPrimes", from, to))); // warm-up
  let start = performance.now();
  const sequential = bounds.map(([from, to]) => countPrimes(from, to));
  const oneThread = performance.now() - start;
  const before = runtime.stats();
  start = performance.now();
  const parallel = await Promise.all(bounds.map(([from, to]) => runtime.spawn("countPrimes", from, to)));
  const twoWorkers = performance.now() - start;
  const total = parallel.reduce((a, b) => a + b, 0);
  console.log(
    `primes below ${LIMIT}: ${total} (same per range as one thread: ${parallel.every((n, i) => n === sequential[i])})`,
  );
  console.log(
    `one thread ${oneThread.toFixed(1)} ms, 2 workers ${twoWorkers.toFixed(1)} ms: speed-up ${
      (oneThread / twoWorkers).toFixed(2)
    }×`,
  );
  for (const [worker, stats] of runtime.stats().entries()) {
    const ran = stats.jobsRun - before[worker]!.jobsRun;
    if (ran > 0) {
      console.log(`worker ${worker}: ${ran} of ${RANGES} ranges, ${stats.steals - before[worker]!.steals} steals`);
    }
  }
} finally {
  await runtime.shutdown();
}
console.log("all done");
