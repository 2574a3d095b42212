// A job whose outcome cannot be written into the shared heap for another reason than a full heap
// (here: its own thread holds the heap's lock when the outcome is written, so the write throws
// DEADLOCK) still settles: its handle fails with an OutcomeWriteError whose cause says what went
// wrong, and its worker lives on. Before, a plain job's write error escaped into its worker's
// machine and a coroutine job's into its task, and the job never settled. A job lost with its
// worker whose death's error cannot be written keeps both: the death, and why it is only a summary.
import assert from "node:assert/strict";
import { test } from "node:test";
import { until } from "@spindle/test-support";
import { JobAbortedError, OutcomeWriteError, Runtime, type SharedBuffer, WorkerLostError } from "./mod.ts";
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
    // One item: a second chunk could run on the one worker before the first's timer gave the
    // lock back, and fail in its own way first (its job then finds the lock held).
    const map = await settleWithin(runtime.map("heapLockedResult", [flag]), "the map", SETTLE_WITHIN_MS);
    assertUnwritten(reasonOf(map, "the map"), "heapLockedResult", "result");
    await released(flag);
    assert.equal(runtime.liveJobs, 0);
    assert.equal(await runtime.spawn("whoami"), worker, "after the map: the same worker thread");
  } finally {
    await runtime.shutdown();
  }
});

test("a job lost with its worker while a live job holds the heap's lock keeps what killed the worker and why it is only a summary", async () => {
  const runtime = await Runtime.start<typeof jobs>(new URL("./test-support/heap-lock-jobs.ts", import.meta.url), {
    workers: 2,
    maxExtraMachines: 0,
    abortGraceMs: 100,
  });
  try {
    const flag = runtime.alloc(24);
    const words = flag.array(Int32Array);
    // Worker A takes the heap's lock and blocks there, alive; the next jobs go to worker B (their
    // arguments fit in their records: spawning them needs no heap).
    const holder = runtime.spawn("holdHeapLockUntilFreed", flag);
    await until(() => Atomics.load(words, 0) === 1, "the holder taking the heap's lock", SETTLE_WITHIN_MS);
    const lost = runtime.spawn("waitForDeath", flag, 2);
    await until(() => Atomics.load(words, 2) === 1, "the job to be lost running", SETTLE_WITHIN_MS);
    const abort = new AbortController();
    const spinner = runtime.spawnWith({ signal: abort.signal }, "spinUntilFreed", flag, 3);
    await until(() => Atomics.load(words, 3) === 1, "the spinning job running", SETTLE_WITHIN_MS);
    // It cannot stop: B is terminated, and the runtime's thread writes B's death (too long for a
    // job record) into the heap for the lost job, which A's lock stops until it gives up (5 s).
    abort.abort(new Error("stop spinning"));
    const reason = reasonOf(await settleWithin(lost, "the lost job", 4 * SETTLE_WITHIN_MS), "the lost job");
    assert.ok(reason instanceof WorkerLostError, `a WorkerLostError, got ${String(reason)}`);
    const death = reason.cause as Error;
    assert.ok(death instanceof Error, String(death));
    assert.match(death.message, /^worker \d+ was terminated/, "its cause: what killed the worker");
    const unwritten = death.cause;
    assert.ok(unwritten instanceof OutcomeWriteError, `then why only a summary is known, got ${String(unwritten)}`);
    assert.equal(unwritten.job, "waitForDeath");
    const failure = unwritten.cause as Error & { code?: string };
    assert.equal(failure.name, "SpindleError");
    assert.equal(failure.code, "DEADLOCK");
    Atomics.store(words, 1, 1);
    Atomics.notify(words, 1);
    Atomics.store(words, 4, 1); // a spinner that outlived its termination (Deno) returns
    assert.equal((await settleWithin(holder, "the holder", SETTLE_WITHIN_MS)).status, "fulfilled");
    const stopped = reasonOf(await settleWithin(spinner, "the spinner", SETTLE_WITHIN_MS), "the spinner");
    assert.ok(stopped instanceof JobAbortedError, String(stopped));
    flag.release();
  } finally {
    await runtime.shutdown({ mode: "cancel" });
  }
});
