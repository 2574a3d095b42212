// Port of piscina's test/option-validation.ts (piscinajs/piscina
// 4e9791fd46b61c638e7ad05f14ec4540d40898aa) onto @spindle/workstealing, written from its README.
// `new Piscina(options)` throwing is `Runtime.start(module, options)` rejecting with a
// `SpindleError` of code INVALID_ARGUMENT naming the value (README, "Faults and bad input" and the
// options' sections). `filename` is the module argument, `minThreads` / `maxThreads` are
// `minWorkers` / `workers`, `maxQueue` is `queue: { limit }`.
//
// Not portable (no counterpart option): "name cannot be non-null/non-string" (no default job),
// "concurrentTasksPerWorker must be positive integer" (every job that suspends shares its
// worker), "useAtomics must be a boolean" (the workers always park on a futex), "taskQueue must be
// a TaskQueue object" (the queues are not pluggable), "niceIncrement must be non-negative integer
// on Unix" (no thread priority), "trackUnmanagedFds must be a boolean" (Node-worker-only).
// `maxQueue: 'auto'` is `queue: { limit: "auto" }`, read back as `runtime.queueLimit`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { Runtime, type RuntimeOptions } from "@spindle/workstealing";
import { JOBS } from "./piscina/support.ts";

const invalid = (shown: string) => (e: unknown) =>
  e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(shown);

async function refuses(options: Record<string, unknown>, shown: string): Promise<void> {
  await assert.rejects(Runtime.start(JOBS, options as RuntimeOptions), invalid(shown), JSON.stringify(options));
}

test("filename cannot be non-null/non-string", async () => {
  await assert.rejects(Runtime.start(12 as never), invalid("12"));
  // A relative string could only be resolved against the package's folder: refused too.
  await assert.rejects(Runtime.start("./jobs.ts"), invalid("./jobs.ts"));
});

test("minThreads must be non-negative integer", async () => {
  await refuses({ minWorkers: -1 }, "-1");
  await refuses({ minWorkers: "string" }, "string");
});

test("maxThreads must be positive integer", async () => {
  await refuses({ workers: -1 }, "-1");
  await refuses({ workers: 0 }, "0");
  await refuses({ workers: "string" }, "string");
});

test("idleTimeout must be non-negative integer", async () => {
  await refuses({ idleTimeout: -1 }, "-1");
  await refuses({ idleTimeout: "string" }, "string");
});

test("maxQueue must be non-negative integer (queue.limit: from 1)", async () => {
  await refuses({ queue: { limit: -1 } }, "-1");
  await refuses({ queue: { limit: "string" } }, "string");
  await refuses({ queue: { limit: 0 } }, "0"); // piscina's maxQueue: 0 is a mode; not here
  const runtime = await Runtime.start(JOBS, {
    workers: 2,
    queue: { limit: "auto" },
    workerData: { words: new Int32Array(1) },
  });
  try {
    assert.equal(runtime.queueLimit, 4);
  } finally {
    await runtime.shutdown();
  }
});

test("resourceLimits must be an object", async () => {
  await refuses({ resourceLimits: 0 }, "0");
});
