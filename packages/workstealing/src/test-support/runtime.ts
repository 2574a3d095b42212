// Starting a runtime over the test job module, with shared counters in its workerData.
import { Runtime, type RuntimeOptions } from "../mod.ts";
import type jobs from "./test-jobs.ts";

/** The URL of the tests' job module. */
export const TEST_JOBS: URL = new URL("./test-jobs.ts", import.meta.url);

/** A runtime of the test jobs and the counters its jobs see as `workerData.counters`. */
export async function startTestRuntime(
  options: RuntimeOptions = {},
  counterCount = 16,
): Promise<{ runtime: Runtime<typeof jobs>; counters: Int32Array }> {
  const counters = new Int32Array(new SharedArrayBuffer(counterCount * 4));
  const runtime = await Runtime.start<typeof jobs>(TEST_JOBS, { workers: 2, ...options, workerData: { counters } });
  return { runtime, counters };
}

/** Waits until `condition()` holds, polling every millisecond, or fails after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
