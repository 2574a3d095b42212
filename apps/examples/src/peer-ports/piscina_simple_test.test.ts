// Port of piscina's test/simple-test.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README. piscina's `eval.js` fixture runs the code
// it is sent; here each piece of code is a job of the ports' job module (`answer`, `resolveLater`,
// `echo`, ...). `new Piscina({ filename })` is `Runtime.start(module, options)`.
//
// Not portable:
// - "Piscina is exposed on export" (`Piscina.version`), "Piscina is exposed on itself"
//   (`Piscina.Piscina`), "Piscina instance is an EventEmitter": `Runtime` is a named export, with
//   no version property, and not an EventEmitter.
// - "Piscina.isWorkerThread has the correct value" (on the main thread): no such property; the
//   host's `isMainThread` says it. Its worker-side sibling is ported: jobs run on worker threads.
// - Both "... (worker) with named import" tests and both "passing valid workerData works with
//   named import" tests: a named import of the same module is the same JavaScript call.
// - "Piscina constructor options are correctly set": options are not read back.
// - "filename can be provided while posting", "filename can be null when initially provided": one
//   job module per runtime, given to `Runtime.start`.
// - "filename can be a file:// URL to an ESM module": the same call as "filename can be a file://
//   URL" (every job module is ESM).
// - The second "named tasks work" (`name: 'b'` as the pool's default task): there is no default
//   job, every spawn names its job.
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { isMainThread, threadId } from "node:worker_threads";
import { SpindleError } from "@spindle/core";
import { Runtime, UnsupportedOptionError } from "@spindle/workstealing";
import type jobs from "./piscina/jobs.ts";
import { JOBS, withRuntime } from "./piscina/support.ts";

declare const Deno: unknown;

test("Piscina.isWorkerThread has the correct value (worker)", async () => {
  assert.equal(isMainThread, true);
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.equal(await runtime.spawn("isWorker"), true);
    assert.notEqual(await runtime.spawn("threadId"), threadId);
  });
});

test("trivial eval() handler works", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.equal(await runtime.spawn("answer"), 42);
  });
});

test("async eval() handler works", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.equal(await runtime.spawn("resolveLater", 42), 42);
  });
});

test("filename must be provided while posting", async () => {
  await assert.rejects(
    Runtime.start(undefined as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes("undefined"),
  );
});

test("passing env to workers works", async () => {
  await withRuntime({ workers: 1, env: { A: "foo" } }, async (runtime) => {
    assert.deepEqual(await runtime.spawn("processEnv"), { A: "foo" });
  });
});

test("passing argv to workers works", async () => {
  await withRuntime({ workers: 1, argv: ["a", "b", "c"] }, async (runtime) => {
    assert.deepEqual(await runtime.spawn("processArgv"), ["a", "b", "c"]);
  });
});

test("passing execArgv to workers works (Node; refused on Bun and Deno, which do not apply it)", async () => {
  // The flags replace the process's, as piscina's do: the workers keep the `--conditions` flag
  // this test process runs with, so that they import the packages' sources.
  const conditions = process.execArgv.filter((flag) => flag.startsWith("--conditions"));
  const execArgv = [...conditions, "--no-warnings"];
  if (process.versions.bun !== undefined || typeof Deno !== "undefined") {
    await assert.rejects(
      Runtime.start(JOBS, { workers: 1, execArgv, workerData: { words: new Int32Array(1) } }),
      (e: unknown) => e instanceof UnsupportedOptionError && e.option === "execArgv",
    );
    return;
  }
  await withRuntime({ workers: 1, execArgv }, async (runtime) => {
    assert.deepEqual(await runtime.spawn("processExecArgv"), execArgv);
  });
});

test("passing valid workerData works", async () => {
  await withRuntime({ workers: 2, workerData: { tag: "ABC" } }, async (runtime) => {
    assert.deepEqual(await Promise.all([runtime.spawn("tag"), runtime.spawn("tag")]), ["ABC", "ABC"]);
  });
});

test("passing invalid workerData does not work", async () => {
  await assert.rejects(
    Runtime.start(JOBS, { workers: 1, workerData: { hello() {} } }),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /workerData/.test(e.message),
  );
});

test("filename can be a file:// URL", async () => {
  const runtime = await Runtime.start<typeof jobs>(JOBS.href, { workers: 1, workerData: { words: new Int32Array(1) } });
  try {
    assert.equal(await runtime.spawn("answer"), 42);
  } finally {
    await runtime.shutdown();
  }
});

test("duration and utilization calculations work", async () => {
  await withRuntime({ workers: 2, metrics: true }, async (runtime) => {
    await Promise.all([runtime.spawn("echo", 42), runtime.spawn("echo", 41), runtime.spawn("echo", 40)]);
    const { elapsedMs, workers, utilization } = runtime.metrics();
    assert.ok(elapsedMs > 0, "duration");
    for (const { busyRatio } of workers) assert.ok(busyRatio >= 0 && busyRatio <= 1, `busy ratio ${busyRatio}`);
    assert.ok(workers.some(({ busyRatio }) => busyRatio > 0), "a worker was busy");
    // piscina's `utilization`: the workers' busy time ÷ the time they had (2 workers).
    assert.ok(utilization > 0 && utilization <= 1, `utilization ${utilization}`);
  });
});

test("run works also", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.equal(await runtime.spawn("echo", 42), 42);
  });
});

test("named tasks work", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.equal(await runtime.spawn("a"), "a");
    assert.equal(await runtime.spawn("b"), "b");
  });
});
