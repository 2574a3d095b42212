// packages/workstealing/README.md:299
import { Runtime } from "@spindle/workstealing";
import type jobs from "./src/examples/jobs.ts";

const module = new URL("./src/examples/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2 });
const buffer = runtime.alloc(64 * 2 ** 20); // 64 MiB in the shared heap, zeroed
const values = buffer.array(Float64Array); // a view: no copy
values.fill(0.25);
const half = values.length / 2;
const sums = await Promise.all([
  runtime.spawn("sumShared", buffer, 0, half), // the buffer crosses by reference
  runtime.spawn("sumShared", buffer, half, values.length),
]);
console.log(sums[0] + sums[1]); // 2097152
buffer.release(); // once no job uses it; any later use throws BufferReleasedError
await runtime.shutdown();
