/**
 * Test support (not published): the runtime helpers of @spindle/core's tests (which runtime runs
 * the tests, child processes of the same runtime, workers from `.ts` modules), shared rather than
 * copied.
 */
export { type ChildResult, runScript, runtime, startWorker, until } from "../../../core/src/test-support/runtime.ts";
