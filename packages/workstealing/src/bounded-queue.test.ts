import assert from "node:assert/strict";
import { test } from "node:test";
import { QueueFullError } from "./mod.ts";
import { until, withRuntime } from "@spindle/test-support";
import { startTestRuntime } from "./test-support/runtime.ts";

test('a full bounded queue rejects spawn with QueueFullError when whenFull is "reject"', async () => {
  await withRuntime(
    startTestRuntime({
      workers: 1,
      maxExtraMachines: 0,
      queue: { limit: 4, whenFull: "reject" },
    }),
    async ({ runtime, counters }) => {
      const blocker = runtime.spawn("hold", 0, 300);
      await until(() => Atomics.load(counters, 0) === 1, "the only worker to be held");
      const accepted = [];
      let error: unknown = null;
      for (let i = 0; i < 100 && error === null; i++) {
        try {
          accepted.push(runtime.spawn("add", i, 0));
        } catch (e) {
          error = e;
        }
      }
      assert.ok(error instanceof QueueFullError, `spawn failed with ${error}`);
      assert.equal(error.limit, 4);
      assert.match(error.message, /job "add".*limit of 4/);
      assert.equal(accepted.length, 4);
      await blocker;
      const results = await Promise.all(accepted);
      assert.deepEqual(results, accepted.map((_, i) => i));
    },
  );
});

test('with whenFull "wait", jobs beyond the limit wait for room and all run, in order', async () => {
  await withRuntime(
    startTestRuntime({
      workers: 1,
      maxExtraMachines: 0,
      queue: { limit: 2, whenFull: "wait" },
    }),
    async ({ runtime }) => {
      const blocker = runtime.spawn("block", 100);
      const handles = Array.from({ length: 500 }, (_, i) => runtime.spawn("add", i, 1));
      await blocker;
      assert.deepEqual(await Promise.all(handles), handles.map((_, i) => i + 1));
    },
  );
});
