// A job whose outcome cannot be written into the shared heap for another reason than a full heap
// (here: its own thread holds the heap's lock when the outcome is written, so the write throws
// DEADLOCK) still settles: its handle fails with an OutcomeWriteError whose cause says what went
// wrong, and its worker lives on. Before, a plain job's write error escaped into its worker's
// machine and a coroutine job's into its task, and the job never settled.
import assert from "node:assert/strict";
import { test } from "node:test";
import { until } from "@spindle/test-support";
import { OutcomeWriteError, Runtime, type SharedBuffer } from "./mod.ts";
import type jobs from "./test-support/heap-lock-jobs.ts";
import { reasonOf, settleWithin } from "./test-support/runtime.ts";

/** Hang bound for each job, generous for a loaded 2-vCPU machine. */
const SETTLE_WITHIN_MS = 20_000;

/** Asserts that `reason` is `job`'s OutcomeWriteError for `outcome`, caused by the lock it held. */
function assertUnwritten(reason: unknown, job: string, outcome: "result" | "error"): void {
  assert.ok(reason instanceof OutcomeWriteError, `an OutcomeWriteError, got ${String(reason)}`);
  assert.equal(reason.job, job);
  assert.equal(reason.outcome, outcome);
  const cause = reason.cause as Error;
  assert.ok(cause instanceof Error, String(cause));
  assert.equal(cause.name, "SpindleError");
  assert.equal((cause as Error & { code?: string }).code, "DEADLOCK");
  assert.match(cause.message, /^the shared heap's lock/);
  assert.match(reason.message, new RegExp(`job "${job}"'s ${outcome} could not be written: SpindleError: the shared`));
}

/** Waits until the job that held the heap's lock gave it back (see `lockingWhileRead`). */
async function released(flag: SharedBuffer): Promise<void> {
  const words = flag.array(Int32Array);
  await until(() => Atomics.load(words, 0) === 1, "the heap's lock given back", SETTLE_WITHIN_MS);
  Atomics.store(words, 0, 0);
}

test("a job whose outcome cannot be written settles with an OutcomeWriteError carrying why, and its worker lives on", async () => {
  const runtime = await Runtime.start<typeof jobs>(new URL("./test-support/heap-lock-jobs.ts", import.meta.url), {
    workers: 1,
    maxExtraMachines: 0,
  });
  try {
    const flag = runtime.alloc(4);
    const worker = await runtime.spawn("whoami");
    for (
      const [job, outcome] of [
        ["heapLockedResult", "result"],
        ["heapLockedResultLater", "result"],
        ["heapLockedErrorLater", "error"],
      ] as const
    ) {
      const settled = await settleWithin(runtime.spawn(job, flag), `job ${job}`, SETTLE_WITHIN_MS);
      assertUnwritten(reasonOf(settled, `job ${job}`), job, outcome);
      await released(flag);
      const after = await settleWithin(runtime.spawn("bigResult", 1), "the next job", SETTLE_WITHIN_MS);
      assert.equal(after.status, "fulfilled", `after ${job}: ${String((after as PromiseRejectedResult).reason)}`);
      assert.equal(await runtime.spawn("whoami"), worker, `after ${job}: the same worker thread`);
    }
    const map = await settleWithin(runtime.map("heapLockedResult", [flag, flag]), "the map", SETTLE_WITHIN_MS);
    assertUnwritten(reasonOf(map, "the map"), "heapLockedResult", "result");
    await released(flag);
    assert.equal(runtime.liveJobs, 0);
    assert.equal(await runtime.spawn("whoami"), worker, "after the map: the same worker thread");
  } finally {
    await runtime.shutdown();
  }
});
