// docs/guides/workstealing.md:17
import { Runtime } from "@spindle/workstealing";
import type jobs from "../../apps/examples/src/support/parallel-jobs.ts";

const module = new URL("../../apps/examples/src/support/parallel-jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2 });
try {
  console.log(await runtime.spawn("fib", 27)); // 196418: fib forks, the workers steal
  await runtime.spawn("parse", "x").then(undefined, (error) => console.log((error as Error).name)); // RangeError
} finally {
  await runtime.shutdown();
}
