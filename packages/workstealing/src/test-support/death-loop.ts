// Kills a runtime's worker again and again and prints how much the process's resident memory grew
// (one JSON line), for worker-death-memory.test.ts: run in a child process of its own, so that
// the test runner's own allocations (and Deno's type-checks of each worker) stay out of it.
import process from "node:process";
import { until } from "@spindle/test-support";
import { startTestRuntime } from "./runtime.ts";

const WARM_UP = 3;
/** Deaths measured (after the warm-up). */
const deaths = 20;
const { runtime } = await startTestRuntime({ workers: 1, maxExtraMachines: 0, maxHeapBytes: 1 << 24 });
const die = async (): Promise<void> => {
  await Promise.resolve(runtime.spawn("exit", 3)).catch(() => {});
  await until(() => runtime.machines === 1, "the replacement", 30_000);
};
for (let i = 0; i < WARM_UP; i++) await die();
const before = process.memoryUsage().rss;
for (let i = 0; i < deaths; i++) await die();
const growthMb = (process.memoryUsage().rss - before) / 2 ** 20;
await runtime.shutdown();
console.log(JSON.stringify({ deaths, growthMb }));
