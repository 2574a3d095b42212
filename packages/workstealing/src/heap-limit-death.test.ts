// A worker that reaches resourceLimits.maxOldGenerationSizeMb fails each job it was running with
// a WorkerLostError that has a cause, on every runtime that applies the limit, and is replaced.
// Node reports the death (an `error` with ERR_WORKER_OUT_OF_MEMORY, then `exit`). Deno 2.9.6,
// measured with one such job among 900 fork/join trees on 3 workers: 6 of 7 runs brought neither
// event (the job waited until a cancelling shutdown, or for ever), the 7th an `exit` with code 0
// and no error; the runtime's silent-death watch (silent-death-watch.ts) now terminates such a
// machine and names the heap as the cause. Bun applies no resourceLimits: Runtime.start refuses
// them there (recycling.test.ts), so no Bun worker dies of this limit.
//
// How a worker reaches the limit matters on Node 24: a job filling its heap with 64-element
// arrays aborts the whole process there (V8's fatal "JavaScript heap out of memory", exit by
// SIGABRT), as it does with bare node:worker_threads, Spindle or not; see the README's note ⁴.
// The test runs it in a child process and states that outcome for Node 24, and the worker's death
// alone for Node 22 and Deno.
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { UnsupportedOptionError, WorkerLostError } from "./mod.ts";
import { runScript, runtime as runtimeName } from "@spindle/test-support";
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

/** The child process of the small-array tests, and its hang bound (a loaded machine, not a measure). */
const FILL_SMALL = fileURLToPath(new URL("./test-support/fill-heap-small.ts", import.meta.url));
const CHILD_LIMIT_MS = 180_000;
const NODE_MAJOR = runtimeName === "node" ? Number(process.versions.node.split(".")[0]) : 0;

if (NODE_MAJOR >= 24) {
  test(`node ${process.versions.node}: a job filling its worker's heap with 64-element arrays aborts the whole process (Node's fatal OOM, not the worker's death)`, async () => {
    const { code, stdout, stderr } = await runScript(FILL_SMALL, CHILD_LIMIT_MS);
    // No exit code: ended by a signal (SIGABRT from V8's OOM handler), and V8's last words.
    assert.equal(code, null, `ended by a signal, got exit code ${code}; stdout: ${stdout}`);
    assert.match(stderr, /FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory/, stderr);
    assert.doesNotMatch(stdout, /WorkerLostError|after:/, "the runtime never saw the worker die");
  });
} else if (runtimeName !== "bun") {
  test(`${runtimeName}: a job filling its worker's heap with 64-element arrays fails with WorkerLostError, and the runtime runs on`, async () => {
    const { code, stdout, stderr } = await runScript(FILL_SMALL, CHILD_LIMIT_MS);
    assert.equal(code, 0, `exit code, stderr: ${stderr}`);
    assert.match(stdout, /^WorkerLostError: .*(heap|memory)/im, stdout);
    assert.match(stdout, /^after: 3$/m, "a replacement ran the next job");
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
