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

export { until } from "../../../core/src/test-support/runtime.ts";
