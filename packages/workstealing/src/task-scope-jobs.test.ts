import assert from "node:assert/strict";
import { test } from "node:test";
import { asCompleted, CancelledError, toAsyncIterable } from "@spindle/core";
import { Runtime } from "./mod.ts";
import type jobs from "./test-support/scope-jobs.ts";
import { until } from "@spindle/test-support";
import { settleWithin } from "./test-support/runtime.ts";

async function start(): Promise<{ runtime: Runtime<typeof jobs>; counters: Int32Array }> {
  const counters = new Int32Array(new SharedArrayBuffer(16 * 4));
  const runtime = await Runtime.start<typeof jobs>(new URL("./test-support/scope-jobs.ts", import.meta.url), {
    workers: 2,
    workerData: { counters },
  });
  return { runtime, counters };
}

test("aborting a job closes its scope: its tasks and its adopted child job are aborted, their finally ran", async () => {
  const { runtime, counters } = await start();
  try {
    const job = runtime.spawn("scopeOfTasksAndJobs", 0);
    await until(
      () => Atomics.load(counters, 0) === 2 && Atomics.load(counters, 2) === 1,
      "the tasks and child to start",
    );
    job.abort();
    const outcome = await settleWithin(job, "the aborted job");
    assert.equal(outcome.status, "rejected");
    assert.ok((outcome as PromiseRejectedResult).reason instanceof CancelledError);
    assert.equal(Atomics.load(counters, 1), 2, "both tasks' finally blocks ran, once each");
    assert.equal(Atomics.load(counters, 3), 1, "the child job's finally ran once");
    assert.equal(Atomics.load(counters, 4), 1, "the scope closed before the job ended");
    await until(() => runtime.liveJobs === 0, "no job left");
  } finally {
    await runtime.shutdown();
  }
});

test("a scope in a job takes its child jobs' results in completion order", async () => {
  const { runtime } = await start();
  try {
    const outcome = await settleWithin(runtime.spawn("sumOfChildren", 20), "the job");
    assert.deepEqual(outcome, { status: "fulfilled", value: (20 * 21 * 41) / 6 });
  } finally {
    await runtime.shutdown();
  }
});

test("for await over a job-result stream: asCompleted(handles) of runtime.spawn", async () => {
  const { runtime } = await start();
  try {
    const handles = [1, 2, 3, 4, 5].map((n) => runtime.spawn("square", n));
    const results: number[] = [];
    const loop = (async () => {
      for await (const square of toAsyncIterable(asCompleted(handles))) results.push(square);
    })();
    await settleWithin(loop, "the job-result stream");
    assert.deepEqual(results.sort((a, b) => a - b), [1, 4, 9, 16, 25]);
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});
