// A job whose function returns a promise (an `async function`, piscina's usual handler, or any
// thenable) is awaited on its worker, as a future: its value or its error is the job's outcome.
// Before, the promise itself was the result and the job failed with an UncloneableValueError.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withRuntime } from "@spindle/test-support";
import { Runtime } from "./mod.ts";
import type jobs from "./test-support/promise-jobs.ts";

const PROMISE_JOBS = new URL("./test-support/promise-jobs.ts", import.meta.url);

test("an async function job's value and error are the job's outcome, in spawn, map and child jobs", async () => {
  await withRuntime(Runtime.start<typeof jobs>(PROMISE_JOBS, { workers: 2 }), async (runtime) => {
    const answer: number = await runtime.spawn("addLater", 20, 22); // typed as the promise's value
    assert.equal(answer, 42);
    await assert.rejects(Promise.resolve(runtime.spawn("failLater", "too far")), (error: Error) => {
      assert.equal(error.name, "RangeError");
      assert.equal(error.message, "too far");
      return true;
    });
    assert.equal(await runtime.spawn("thenable", 7), 7);
    const items = Array.from({ length: 50 }, (_, i) => i);
    assert.deepEqual(await runtime.map("doubleLater", items, { chunkSize: 8 }), items.map((n) => n * 2));
    assert.equal(await runtime.spawn("sumOfChildren", 20), 190 + 20);
  });
});
