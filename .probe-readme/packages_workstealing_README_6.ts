// packages/workstealing/README.md:489
import { Runtime } from "@spindle/workstealing";
import type jobs from "./src/examples/jobs.ts";

const module = new URL("./src/examples/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2, metrics: true });
await Promise.all(Array.from({ length: 100 }, (_, i) => runtime.spawn("add", i, 1)));
const { jobs: byName, steals, parks, injectorDepth, workers } = runtime.metrics();
console.log(byName.add?.run.count, byName.add?.wait.p99 !== undefined); // 100 true
console.log(steals >= 0, parks >= 0, injectorDepth, workers.length); // true true 0 4
await runtime.shutdown();
