// A worker that dies while it holds the shared heap's lock (process.exit, an uncaught error, or
// terminated after an abort it cannot answer) must not block the other threads that need the
// heap: the runtime takes the lock back from the dead thread when it learns of the death, and
// jobs that allocate (here: results too big for a job record) complete in bounded time. Before,
// the lock stayed held for good: every later allocation waited forever.
import assert from "node:assert/strict";
import { test } from "node:test";
import { JobAbortedError, OutcomeWriteError, Runtime, WorkerLostError } from "./mod.ts";
import { until } from "@spindle/test-support";
import { reasonOf, settleWithin } from "./test-support/runtime.ts";
import type { Death } from "./test-support/heap-lock-jobs.ts";
import type jobs from "./test-support/heap-lock-jobs.ts";

// Hang bounds, not measures: the holder's death is handled within milliseconds of its exit (the
// termination waits for the abort and `abortGraceMs`); jobs that wait for the replacement worker
// wait for a worker's start, which under `deno test` took 2–3 s, more under load.
const DEATH_MS = 10_000;
const JOB_MS = 30_000;
const GRACE_MS = 100;

for (const death of ["exit", "throw", "spin"] as const satisfies readonly Death[]) {
  test(`after a worker dies holding the heap's lock (${death}), jobs that allocate complete in bounded time`, async () => {
    const runtime = await Runtime.start<typeof jobs>(new URL("./test-support/heap-lock-jobs.ts", import.meta.url), {
      workers: 2,
      maxExtraMachines: 0,
      abortGraceMs: GRACE_MS,
    });
    try {
      const flag = runtime.alloc(4);
      // "spin" is aborted once it holds the lock, not by a deadline counted from the spawn: a
      // deadline can fire while the job still waits for a worker (a worker start takes seconds
      // under load), and a job removed from the queue never takes the lock.
      const abort = new AbortController();
      const holder = runtime.spawnWith({ signal: abort.signal }, "holdHeapLockThen", flag, death);
      const words = flag.array(Int32Array);
      await until(() => Atomics.load(words, 0) === 1, "the holder taking the heap's lock", DEATH_MS);
      const reason = new Error("the spinning holder is aborted");
      if (death === "spin") abort.abort(reason);
      // Spawned while the lock is held: the other worker takes them and waits for the lock (this
      // thread allocates nothing for them: their arguments fit in their records).
      const waiting = Array.from({ length: 8 }, (_, i) => runtime.spawn("bigResult", i));
      const error = reasonOf(await settleWithin(holder, `the ${death} holder`, DEATH_MS), "the holder");
      if (death === "spin") assert.ok(error instanceof JobAbortedError && error.cause === reason, String(error));
      else assert.ok(error instanceof WorkerLostError, String(error));
      const later = Array.from({ length: 8 }, (_, i) => runtime.spawn("bigResult", 8 + i));
      for (const [i, handle] of [...waiting, ...later].entries()) {
        const outcome = await settleWithin(handle, `${death}: allocating job ${i}`, JOB_MS);
        // With "throw" the holder's job waits (its error comes from a host callback), so its
        // machine may take some of the waiting jobs: one that needs the heap there finds the lock
        // held by its own thread (a DEADLOCK error, not a wait), so its result cannot be written
        // and it fails with that reason (OutcomeWriteError), or it is lost when the thread dies
        // first. Every other job completes.
        if (death === "throw" && i < waiting.length && outcome.status === "rejected") {
          const reason: unknown = outcome.reason;
          const why = `${death}: job ${i}: ${String(reason)}`;
          if (reason instanceof OutcomeWriteError) {
            assert.equal((reason.cause as { code?: unknown } | undefined)?.code, "DEADLOCK", why);
          } else assert.ok(reason instanceof WorkerLostError, why);
          continue;
        }
        assert.deepEqual(outcome, { status: "fulfilled", value: `${i}:${"r".repeat(1_000)}` }, `${death}: job ${i}`);
      }
      flag.release();
    } finally {
      await runtime.shutdown({ mode: "cancel" });
    }
  });
}
