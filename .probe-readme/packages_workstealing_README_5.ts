// packages/workstealing/README.md:453
import process from "node:process";
import { Runtime } from "@spindle/workstealing";
import type jobs from "./src/examples/jobs.ts";

const module = new URL("./src/examples/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, {
  workers: 2,
  maxJobsPerWorker: 10_000, // a fresh thread after 10,000 jobs
  maxMemoryBeforeRecycle: 256 * 2 ** 20, // or once a worker's JS heap holds more than 256 MiB
  ...(process.versions.bun === undefined ? { resourceLimits: { maxOldGenerationSizeMb: 512 } } : {}),
});
console.log(await runtime.spawn("add", 1, 2)); // 3
await runtime.shutdown();
