// A worker that reaches resourceLimits.maxOldGenerationSizeMb fails each job it was running with
// a WorkerLostError that has a cause, on every runtime that applies the limit, and is replaced.
// Node reports the death (an `error` with ERR_WORKER_OUT_OF_MEMORY, then `exit`). Deno 2.9.6,
// measured with one such job among 900 fork/join trees on 3 workers: 6 of 7 runs brought neither
// event (the job waited until a cancelling shutdown, or for ever), the 7th an `exit` with code 0
// and no error; the runtime's silent-death watch (silent-death-watch.ts) now terminates such a
// machine and names the heap as the cause. Bun applies no resourceLimits: Runtime.start refuses
// them there (recycling.test.ts), so no Bun worker dies of this limit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UnsupportedOptionError, WorkerLostError } from "./mod.ts";
import { runtime as runtimeName } from "@spindle/test-support";
import { reasonOf, settleWithin, startTestRuntime } from "./test-support/runtime.ts";
import { SILENT_AFTER_MS } from "./silent-death-watch.ts";

/** A hang bound for a worker's death and replacement on a loaded machine, not a measure. */
const SETTLE_MS = 60_000;
const LIMITS = { resourceLimits: { maxOldGenerationSizeMb: 64 } } as const;

if (runtimeName !== "bun") {
  test(`${runtimeName}: jobs that fill their worker's heap under load each fail with WorkerLostError and a cause`, async () => {
    const { runtime } = await startTestRuntime({ workers: 3, maxExtraMachines: 0, ...LIMITS });
    try {
      // The load: plain and fork/join jobs on every worker while the heap fills.
      const load = Array.from({ length: 300 }, (_, i) => runtime.spawn("fib", 12 + (i % 4), 6));
      const filling = Array.from({ length: 3 }, () => runtime.spawn("fillHeap"));
      for (const [i, handle] of filling.entries()) {
        const reason = reasonOf(await settleWithin(handle, `fillHeap ${i}`, SETTLE_MS), `fillHeap ${i}`);
        assert.ok(reason instanceof WorkerLostError, `fillHeap ${i}: a WorkerLostError, got ${String(reason)}`);
        const cause = reason.cause as Error;
        assert.ok(cause instanceof Error, `fillHeap ${i}: a cause, got ${String(cause)}`);
        assert.match(cause.message, /heap|memory/i, `fillHeap ${i}`);
      }
      for (const [i, handle] of load.entries()) {
        const outcome = await settleWithin(handle, `load ${i}`, SETTLE_MS);
        // Lost with a worker (it was running there), or its result.
        if (outcome.status === "rejected") assert.ok(outcome.reason instanceof WorkerLostError, `load ${i}`);
      }
      assert.equal(await runtime.spawn("add", 1, 2), 3, "the replacements run jobs");
    } finally {
      await runtime.shutdown({ mode: "cancel" });
    }
  });

  test(`${runtimeName}: a long job with little heap, under a heap limit, is not taken for dead`, async () => {
    const { runtime } = await startTestRuntime({ workers: 1, maxExtraMachines: 0, ...LIMITS });
    try {
      const ms = 2 * SILENT_AFTER_MS;
      const outcome = await settleWithin(runtime.spawn("block", ms), "the long job", SETTLE_MS);
      assert.equal(outcome.status, "fulfilled", String((outcome as PromiseRejectedResult).reason));
    } finally {
      await runtime.shutdown();
    }
  });
}

if (runtimeName === "bun") {
  test("bun: no worker dies of a heap limit, as Bun applies none: Runtime.start refuses resourceLimits", async () => {
    await assert.rejects(
      startTestRuntime({ workers: 1, ...LIMITS }),
      (error: unknown) =>
        error instanceof UnsupportedOptionError && error.option === "resourceLimits.maxOldGenerationSizeMb",
    );
  });
}
