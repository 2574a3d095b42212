// packages/workstealing/README.md:417
import { Runtime } from "@spindle/workstealing";
import type jobs from "./src/examples/jobs.ts";

const module = new URL("./src/examples/jobs.ts", import.meta.url);
// 1 worker always; up to 4 when work queues up; the extra ones exit after 2 s without work.
const runtime = await Runtime.start<typeof jobs>(module, { workers: 4, minWorkers: 1, idleTimeout: 2_000, unref: true });
console.log(await runtime.spawn("fib", 25)); // 75025
// No shutdown(): once no job is live, the runtime does not keep the process alive.
