// packages/workstealing/README.md:519
import { Runtime } from "@spindle/workstealing";
import type jobs from "./src/examples/jobs.ts";

const module = new URL("./src/examples/jobs.ts", import.meta.url);
const runtime = await Runtime.start<typeof jobs>(module, { workers: 2, abortGraceMs: 500 });
const controller = new AbortController();
const handle = runtime.spawnWith({ timeout: 5_000, signal: controller.signal }, "fib", 25);
console.log(await handle); // 75025: settled before its deadline
controller.abort(new Error("user left"));
await runtime.spawnWith({ signal: controller.signal }, "fib", 25)
  .then(undefined, (error) => console.log((error as Error).name)); // AbortError, at once, never ran
await runtime.shutdown({ mode: "cancel" }); // bounded: stuck jobs' workers are terminated
