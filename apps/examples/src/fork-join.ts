/**
 * Fork/join on the work-stealing runtime: fib(30) forks child jobs that the two workers steal
 * from each other, a parallel sum splits a typed array, and a job's error arrives intact.
 */
import { Runtime } from "@spindle/workstealing";
import type jobs from "./support/fork-join-jobs.ts";

function fibSequential(n: number): number {
  return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
}

const runtime = await Runtime.start<typeof jobs>(new URL("./support/fork-join-jobs.ts", import.meta.url), { workers: 2 });
try {
  const fib = await runtime.spawn("fib", 30);
  console.log(`fib(30) = ${fib} (sequential: ${fibSequential(30)})`);
  const values = Float64Array.from({ length: 1_000_000 }, (_, i) => i + 1);
  console.log(`sum of 1..1,000,000 = ${await runtime.spawn("sum", values)}`);
  try {
    await runtime.spawn("parse", "4.5");
  } catch (error) {
    console.log(`parse("4.5") failed on its worker: ${(error as Error).name}: ${(error as Error).message}`);
  }
} finally {
  await runtime.shutdown();
}
console.log("all done");
