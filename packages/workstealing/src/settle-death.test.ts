// A worker whose thread ends in the middle of settling a job, after it published the job's
// outcome (the state store) and before it woke the job's waiter, counted it or dropped its
// reference: as V8 ends a thread over `resourceLimits.maxOldGenerationSizeMb` (at any call; on
// Deno 2.9.6, 4 runs of recycling.test.ts's resourceLimits test in 28 hung there). The job keeps
// its outcome, its handle settles, the live count comes back to 0 and the worker is replaced.
// Before, the runtime looked only for jobs still running or queued: the handle waited for good.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Runtime } from "./mod.ts";
import { until } from "@spindle/test-support";
import { settleWithin } from "./test-support/runtime.ts";
import type jobs from "./test-support/settle-death-jobs.ts";
import type { SettleStep } from "./test-support/settle-death-jobs.ts";

// Hang bounds, not measures: the death is handled as soon as the exit is known; the next job waits
// for the replacement worker's start, seconds under load.
const SETTLE_MS = 30_000;

for (const job of ["exitWhileSettling", "exitWhileSettlingTask"] as const) {
  for (const after of ["state", "count", "wake"] as const satisfies readonly SettleStep[]) {
    test(`a worker that ends after the ${after} step of settling ${job} leaves the job its outcome, and is replaced`, async () => {
      const runtime = await Runtime.start<typeof jobs>(
        new URL("./test-support/settle-death-jobs.ts", import.meta.url),
        {
          workers: 1,
          maxExtraMachines: 0,
        },
      );
      try {
        for (let round = 0; round < 2; round++) {
          const outcome = await settleWithin(
            runtime.spawn(job, 40 + round, after),
            `round ${round}: ${job}`,
            SETTLE_MS,
          );
          assert.deepEqual(outcome, { status: "fulfilled", value: 40 + round }, `round ${round}`);
          await until(() => runtime.liveJobs === 0, `round ${round}: no live job`, SETTLE_MS);
          const next = await settleWithin(runtime.spawn("add", 1, 2), `round ${round}: the next job`, SETTLE_MS);
          assert.deepEqual(next, { status: "fulfilled", value: 3 }, `round ${round}: the replacement runs jobs`);
        }
      } finally {
        // Bounded: a job counted live for good (before the fix) held a draining shutdown for good.
        const shutdown = await settleWithin(runtime.shutdown(), "the shutdown", SETTLE_MS);
        assert.equal(shutdown.status, "fulfilled", "the shutdown");
      }
    });
  }
}
