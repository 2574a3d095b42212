import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type JobHandle, Runtime, WorkerLostError } from "./mod.ts";
import type jobs from "./test-support/respawn-fails-jobs.ts";
import { reasonOf, settleWithin } from "./test-support/runtime.ts";

const JOBS = new URL("./test-support/respawn-fails-jobs.ts", import.meta.url);
/** Hang bound for each outcome, generous for a loaded 2-vCPU machine (the fault was: forever). */
const SETTLE_WITHIN_MS = 30_000;

/**
 * Starts a runtime of `workers` workers, ends one with `breakAndExit` (after which no worker
 * starts) with 50 `add(i, 1)` jobs queued behind it, and gives `body` the runtime and those jobs
 * once the killer's handle failed as lost; then shuts the runtime down, within the hang bound.
 */
async function afterBreakingKill(
  workers: number,
  body: (runtime: Runtime<typeof jobs>, queued: JobHandle<number>[]) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "spindle-respawn-"));
  try {
    const runtime = await Runtime.start<typeof jobs>(JOBS, {
      workers,
      maxExtraMachines: 0,
      workerData: { marker: join(dir, "broken") },
    });
    const killer = runtime.spawn("breakAndExit");
    // Queued behind it: its worker may have taken some into its own deque (moved at its death),
    // the rest wait in the injector.
    const queued = Array.from({ length: 50 }, (_, i) => runtime.spawn("add", i, 1));
    const killed = reasonOf(await settleWithin(killer, "the job that ends its worker", SETTLE_WITHIN_MS), "killer");
    assert.ok(killed instanceof WorkerLostError, String(killed));
    assert.equal(killed.exitCode, 1);
    await body(runtime, queued);
    await settleWithin(runtime.shutdown(), "shutdown", SETTLE_WITHIN_MS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts that `reason` is a WorkerLostError of job `job` whose cause is the replacement's start failure. */
function assertStartFailure(reason: unknown, job: string): void {
  assert.ok(reason instanceof WorkerLostError, String(reason));
  assert.equal(reason.job, job);
  assert.equal(reason.worker, 0);
  const cause = reason.cause as Error;
  // The error Runtime.start rejects with for a job module that does not load, the import's error within.
  assert.equal(cause?.name, "JobModuleError", String(cause));
  assert.match(cause.message, /the job module is broken now/);
}

test("when a dead worker's replacement cannot start, its moved and queued jobs and later spawns fail with WorkerLostError caused by the start failure, and shutdown ends", async () => {
  await afterBreakingKill(1, async (runtime, queued) => {
    for (const [i, handle] of queued.entries()) {
      const outcome = await settleWithin(handle, `queued job ${i}`, SETTLE_WITHIN_MS);
      assertStartFailure(reasonOf(outcome, `queued job ${i}`), "add");
    }
    // With no worker left, a later spawn fails the same way at once instead of waiting.
    const later = await settleWithin(runtime.spawn("add", 2, 2), "a later spawn", SETTLE_WITHIN_MS);
    assertStartFailure(reasonOf(later, "a later spawn"), "add");
  });
});

test("when a dead worker's replacement cannot start, the other worker runs its moved and queued jobs", async () => {
  await afterBreakingKill(2, async (runtime, queued) => {
    for (const [i, handle] of queued.entries()) {
      const outcome = await settleWithin(handle, `queued job ${i}`, SETTLE_WITHIN_MS);
      assert.deepEqual(outcome, { status: "fulfilled", value: i + 1 }, `queued job ${i}`);
    }
    assert.equal(await runtime.spawn("add", 2, 2), 4);
  });
});
