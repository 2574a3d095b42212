/**
 * A work-stealing scheduler over worker threads for Node, Deno and Bun: a global injector, one
 * processor per worker with a Chase–Lev deque and a next-task slot in shared memory, batch
 * stealing, futex parking, and fork/join jobs whose arguments and results cross threads through
 * shared memory.
 *
 * Jobs live in a job module that every worker imports:
 *
 * ```ts ignore
 * // jobs.ts
 * import { defineJobs, type Coroutine } from "@spindle/workstealing";
 * const jobs = defineJobs({
 *   add(a: number, b: number): number { return a + b; },
 *   *fib(n: number): Coroutine<number> {
 *     if (n < 15) return fibSequential(n);
 *     const left = jobs.spawn("fib", n - 1); // a child job, stolen by idle workers
 *     const right = jobs.spawn("fib", n - 2);
 *     return (yield* left) + (yield* right);
 *   },
 * });
 * export default jobs;
 * ```
 *
 * @example
 * ```ts
 * import { Runtime } from "@spindle/workstealing";
 * import type jobs from "./examples/jobs.ts";
 *
 * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url));
 * console.log(await runtime.spawn("fib", 20)); // 6765
 * await runtime.shutdown();
 * ```
 *
 * @module
 */
export type { Coroutine } from "@spindle/core";
export { defineJobs, type JobFunction, type JobOutput, type Jobs, JobSet } from "./job-set.ts";
export { JobHandle } from "./job-handle.ts";
export type { MapOptions } from "./job-map.ts";
export { JobScope, join, scope } from "./job-scope.ts";
export { move, SharedBuffer, type TypedArrayClass } from "@spindle/codec";
export type { DurationStats, JobMetrics, RuntimeMetrics, WorkerMetrics } from "./metrics.ts";
export type { RuntimeEventMap, RuntimeListenerOptions } from "./runtime-events.ts";
export type { ResourceLimits } from "./resource-limits.ts";
export {
  type CloseOptions,
  DEFAULT_ABORT_GRACE_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  type JobArgs,
  type JobName,
  type JobResult,
  type JobsOf,
  Runtime,
  type RuntimeOptions,
  type ShutdownOptions,
  type SpawnOptions,
  type UnhandledJobInfo,
} from "./runtime.ts";
export { EXTRA_MACHINE_IDLE_MS, type ProcessorStats } from "./processor.ts";
export {
  BufferReleasedError,
  CorruptValueError,
  HeapFullError,
  JobAbortedError,
  JobModuleError,
  JobTimeoutError,
  OutcomeWriteError,
  QueueFullError,
  RuntimeShutdownError,
  UncloneableValueError,
  UnknownJobError,
  UnsupportedOptionError,
  WorkerLostError,
} from "./errors.ts";
