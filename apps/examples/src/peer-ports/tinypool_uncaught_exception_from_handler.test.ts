// Port of tinypool's test/uncaught-exception-from-handler.test.ts (tinylibs/tinypool
// abc247f85cba0309e3f1e5655db1837a2a1c2483) onto @spindle/workstealing, written from its README.
// The first three tests are piscina's, ported identically in
// piscina_test_uncaught_exception_from_handler.test.ts ("uncaught exception resets Worker", "...
// in immediate resets Worker", "... in immediate after task yields error event"): not repeated.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UnknownJobError } from "@spindle/workstealing";
import { withRuntime } from "./piscina/support.ts";

test("using parentPort is treated as an error", async () => {
  // tinypool fails the task ("Unexpected message on Worker"). Here the worker's parentPort is not
  // the jobs' channel either: a message a job posts on it must not disturb the runtime, and the
  // job and the worker go on.
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.equal(await runtime.spawn("postOnParentPort", "some message"), 42);
    assert.equal(await runtime.spawn("answer"), 42, "the worker goes on");
  });
});

test("no named handler found from worker", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const spawnByName = runtime.spawn as (name: string) => unknown;
    assert.throws(() => spawnByName.call(runtime, "someHandler"), (error: unknown) => {
      assert.ok(error instanceof UnknownJobError);
      assert.match(error.message, /someHandler/);
      assert.match(error.message, /answer/, "the message lists the job names");
      return true;
    });
  });
});
