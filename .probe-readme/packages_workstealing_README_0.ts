// packages/workstealing/README.md:58
import { Runtime } from "@spindle/workstealing";
import type jobs from "./src/examples/jobs.ts"; // jobs.ts above

const module = new URL("./src/examples/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2 });
console.log(await runtime.spawn("add", 1, 2)); // 3 — typed from the job module
console.log(await runtime.spawn("fib", 30)); // 832040, forked and joined across the workers
await runtime.shutdown();
