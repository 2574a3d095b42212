import assert from "node:assert/strict";
import { test } from "node:test";
import { until, withRuntime } from "@spindle/test-support";
import { startTestRuntime } from "./test-support/runtime.ts";

test("an idle worker still gives its event loop turns: a host callback left by a job runs", async () => {
  await withRuntime(startTestRuntime({ workers: 1, maxExtraMachines: 0 }), async ({ runtime, counters }) => {
    await runtime.spawn("hostCallback", 0, 20);
    await until(() => Atomics.load(counters, 0) === 1, "the host timer of a finished job", 2_000);
  });
});

test("a job waiting on its worker's event loop completes while the worker runs other jobs", async () => {
  await withRuntime(startTestRuntime({ workers: 1, maxExtraMachines: 0 }), async ({ runtime }) => {
    const waiting = runtime.spawn("hostPromise", 30);
    assert.equal(await runtime.spawn("add", 1, 2), 3);
    assert.equal(await waiting, "host timer fired");
  });
});
