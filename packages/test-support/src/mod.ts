/**
 * What the Spindle packages' tests share (a private workspace package, never published): a
 * counting waker, bounded waits, child processes and workers of the runtime running the tests,
 * a deterministic PRNG, a runtime that is always shut down and a shared pool of worker threads.
 */
export { type ArgumentTaker, assertArgumentsTyped, unprintableValues } from "./error-arguments.ts";
export { CountingStream } from "./counting-stream.ts";
export { collectedLater, collectGarbage, collectUntil } from "./garbage.ts";
export { assertNoPublicConstructor, type InternalClass } from "./no-public-constructor.ts";
export { type Counter, type CountingWaker, countingWaker } from "./counting-waker.ts";
export { microtaskErrorsOf, wakeLogContext } from "./microtask-errors.ts";
export { random } from "./random.ts";
export { type ChildResult, nextMessage, runScript, runtime, startWorker } from "./runtime.ts";
export { assertUnreadableRefused, isUnreadableError, type Taker, unreadableValues } from "./unreadable.ts";
export { until } from "./until.ts";
export { sharedRuntime, type ShutsDown, withRuntime } from "./with-runtime.ts";
export { within } from "./within.ts";
export { request, workerPool } from "./worker-pool.ts";
