// packages/workstealing/README.md:359
import { move, Runtime } from "@spindle/workstealing";
import type jobs from "./src/examples/jobs.ts";

const module = new URL("./src/examples/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2 });
const values = new Float64Array(8 * 2 ** 20).fill(0.25); // 64 MiB of this thread's own memory
const half = values.length / 2;
const sums = await Promise.all([
  runtime.spawn("sumMoved", move(values.subarray(0, half))), // copied once, into the shared heap
  runtime.spawn("sumMoved", move(values.subarray(half))),
]);
console.log(sums[0] + sums[1]); // 2097152
await runtime.shutdown();
