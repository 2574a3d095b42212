// Starting a runtime over the test job module, with shared counters in its workerData.
import assert from "node:assert/strict";
import { CancelledError } from "@spindle/core";
import { Runtime, type RuntimeOptions } from "../mod.ts";
import type jobs from "./test-jobs.ts";
import type peerJobs from "./peer-jobs.ts";

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

/**
 * The outcome of `handle`; fails naming `what` when it has not settled within `limitMs` (a hang
 * bound, generous for a loaded 2-vCPU machine, not a measure).
 */
export async function settleWithin<T>(
  handle: PromiseLike<T>,
  what: string,
  limitMs = 5_000,
): Promise<PromiseSettledResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([
      Promise.allSettled([handle]).then(([outcome]) => outcome as PromiseSettledResult<T>),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The rejection reason of a settled outcome; fails when it was fulfilled. */
export function reasonOf(outcome: PromiseSettledResult<unknown>, what: string): unknown {
  if (outcome.status === "fulfilled") {
    throw new Error(`${what} was expected to fail, but gave ${String(outcome.value)}`);
  }
  return outcome.reason;
}

/** A runtime of the peer tests' job module (`peer-jobs.ts`). */
export function startPeerRuntime(options: RuntimeOptions = {}): Promise<Runtime<typeof peerJobs>> {
  return Runtime.start<typeof peerJobs>(new URL("./peer-jobs.ts", import.meta.url), { workers: 2, ...options });
}

/**
 * Asserts that `reason` is what a job stopped by a cancelling shutdown fails with: a
 * `CancelledError` (code `CANCELLED`, an instance: made on the handle's thread) whose `cause` is a
 * `RuntimeShutdownError`-named error naming job `job`, the call `by`, and whether it had `started`.
 */
export function assertShutdownCancelled(reason: unknown, job: string, by: string, started: boolean): void {
  const error = reason as Error & { code?: unknown };
  assert.ok(error instanceof CancelledError, `a CancelledError, got ${String(reason)}`);
  assert.equal(error.code, "CANCELLED");
  assert.equal(error.message, `job ${JSON.stringify(job)} was cancelled`);
  const cause = error.cause as Error;
  assert.equal(cause?.name, "RuntimeShutdownError", `its cause, got ${String(cause)}`);
  const what = `${started ? "finish" : "run"} job ${JSON.stringify(job)}`;
  assert.equal(cause.message, `cannot ${what}: the runtime was shut down by ${by}`);
}
