// A job that throws or returns what cannot be read at all (a revoked Proxy: `instanceof`, property
// reads and `then` lookups on it throw) settles with a reason saying so, and its worker lives on.
// Before: a coroutine job that threw one never settled (the harness's `instanceof CancelledError`
// threw out of the job's task), and a job that returned one killed its worker (the check whether
// it was a coroutine threw), which failed the job with WorkerLostError, its reason lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withRuntime } from "@spindle/test-support";
import { Runtime, WorkerLostError } from "./mod.ts";
import { settleWithin } from "./test-support/runtime.ts";
import type jobs from "./test-support/encoding-jobs.ts";

const ENCODING_JOBS = new URL("./test-support/encoding-jobs.ts", import.meta.url);

/** The reason `outcome` failed with, which must not be a lost worker's. */
function failure(outcome: PromiseSettledResult<unknown>, what: string): Error {
  assert.equal(outcome.status, "rejected", `${what} failed`);
  const reason = (outcome as PromiseRejectedResult).reason as Error;
  assert.ok(!(reason instanceof WorkerLostError), `${what}: ${reason.message}`);
  return reason;
}

test("jobs that throw or return a revoked Proxy settle with a reason, and no worker is lost", async () => {
  await withRuntime(Runtime.start<typeof jobs>(ENCODING_JOBS, { workers: 2 }), async (runtime) => {
    const thrown = failure(await settleWithin(runtime.spawn("throwUnreadable"), "throwUnreadable"), "throwUnreadable");
    assert.match(thrown.message, /job "throwUnreadable": the error \(an object\) could not be described/);
    const later = failure(
      await settleWithin(runtime.spawn("throwUnreadableLater"), "throwUnreadableLater"),
      "throwUnreadableLater",
    );
    assert.match(later.message, /job "throwUnreadableLater": the error \(an object\) could not be described/);
    const returned = failure(
      await settleWithin(runtime.spawn("returnUnreadable"), "returnUnreadable"),
      "returnUnreadable",
    );
    assert.equal(returned.name, "UncloneableValueError"); // crossed as its name, message and stack
    assert.match(returned.message, /job "returnUnreadable": result \(an object\) cannot be read/);
    const mapped = failure(await settleWithin(runtime.map("unreadableAt", [1, 2, 3]), "map"), "map");
    assert.match(mapped.message, /job "unreadableAt": result\[1\] \(an object\) cannot be read/);
    const joined = await runtime.spawn("joinUnreadableChild");
    assert.match(joined, /^(got the value|job "returnUnreadable": result \(an object\) cannot be read)/);
    // The workers that ran all of it still serve.
    assert.deepEqual(await Promise.all([runtime.spawn("add", 1, 2), runtime.spawn("add", 3, 4)]), [3, 7]);
  });
});
