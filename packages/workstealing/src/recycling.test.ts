// Item 1 of issue 23: workers' resource limits, and recycling a worker's thread after N jobs or
// above a heap threshold, between jobs, losing nothing and running every job once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { Runtime, UnsupportedOptionError, WorkerLostError } from "./mod.ts";
import { runtime as runtimeName } from "@spindle/test-support";
import { settleWithin, startTestRuntime, TEST_JOBS } from "./test-support/runtime.ts";

const SETTLE_WITHIN_MS = 60_000;

test("maxJobsPerWorker replaces a worker's thread after that many jobs", async () => {
  const { runtime } = await startTestRuntime({ workers: 2, maxJobsPerWorker: 20, maxExtraMachines: 0 });
  try {
    const threads = new Set<number>();
    for (let wave = 0; wave < 5; wave++) {
      const ids = await Promise.all(Array.from({ length: 20 }, () => runtime.spawn("whoami")));
      for (const id of ids) threads.add(id);
    }
    // 100 jobs, 20 per thread: at least 5 threads took part (2 without recycling). Kept small:
    // every new thread costs Deno a type-check of the worker's modules (seconds under load).
    assert.ok(threads.size >= 5, `${threads.size} threads ran 100 jobs`);
  } finally {
    await runtime.shutdown();
  }
});

test("jobs spawned while workers recycle (flat and fork/join trees) each run exactly once", async () => {
  const FLAT = 30_000;
  const WAVE = 10_000;
  const TREES = 6;
  const TREE_NODES = 3_280; // fanout 3, depth 7
  const { runtime, counters } = await startTestRuntime(
    { workers: 2, maxJobsPerWorker: 2_500, maxExtraMachines: 0 },
    FLAT + TREES * TREE_NODES,
  );
  try {
    for (let start = 0; start < FLAT; start += WAVE) {
      const handles = [];
      for (let i = start; i < start + WAVE; i++) handles.push(runtime.spawn("count", i));
      const outcome = await settleWithin(Promise.all(handles), `wave ${start / WAVE}`, SETTLE_WITHIN_MS);
      assert.equal(outcome.status, "fulfilled", String((outcome as PromiseRejectedResult).reason));
      const results = (outcome as PromiseFulfilledResult<number[]>).value;
      const repeated = results.findIndex((r) => r !== 1);
      assert.equal(repeated, -1, `flat job ${start + repeated} saw its counter at ${results[repeated]}`);
    }
    const roots = [];
    for (let t = 0; t < TREES; t++) roots.push(runtime.spawn("tree", FLAT + t * TREE_NODES, 0, 7, 3));
    const trees = await settleWithin(Promise.all(roots), "the trees", SETTLE_WITHIN_MS);
    assert.equal(trees.status, "fulfilled", String((trees as PromiseRejectedResult).reason));
    assert.deepEqual((trees as PromiseFulfilledResult<number[]>).value, new Array(TREES).fill(TREE_NODES));
    const wrong = counters.findIndex((count) => count !== 1);
    assert.equal(wrong, -1, `job ${wrong} ran ${counters[wrong]} times`);
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("maxMemoryBeforeRecycle leaves a worker whose heap stays below it", async () => {
  // Jobs that keep nothing, far below a 64 MiB threshold: one thread runs them all. On Bun the
  // heap was measured with `heapUsed`, which counts the runtime's 1 GiB shared heap there, and
  // every job got a fresh thread (found by the tinypool port's resource-limits test).
  const { runtime } = await startTestRuntime({ workers: 1, maxMemoryBeforeRecycle: 64 * 2 ** 20, maxExtraMachines: 0 });
  try {
    const threads = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const outcome = await settleWithin(runtime.spawn("whoami"), `job ${i}`, SETTLE_WITHIN_MS);
      assert.equal(outcome.status, "fulfilled", String((outcome as PromiseRejectedResult).reason));
      threads.add((outcome as PromiseFulfilledResult<number>).value);
    }
    assert.equal(threads.size, 1, `${threads.size} threads ran 10 jobs that keep nothing`);
  } finally {
    await runtime.shutdown();
  }
});

test("maxMemoryBeforeRecycle replaces a worker whose heap grew past it, between jobs", async () => {
  // Each job keeps 8 MB on its worker for good: 24 of them would hold 192 MB on one thread.
  // Bun gets 40, kept as small arrays (its figure, see below); a thread start costs it little.
  const JOBS = runtimeName === "bun" ? 40 : 24;
  const { runtime } = await startTestRuntime({ workers: 1, maxMemoryBeforeRecycle: 64 * 2 ** 20, maxExtraMachines: 0 });
  try {
    const threads = new Set<number>();
    for (let i = 0; i < JOBS; i++) {
      // Bun sees small objects at once and large arrays only after a collection (heap-used.ts).
      const leak = runtimeName === "bun" ? runtime.spawn("leakSmall", 8) : runtime.spawn("leak", 8);
      const outcome = await settleWithin(leak, `leak ${i}`, SETTLE_WITHIN_MS);
      assert.equal(outcome.status, "fulfilled", String((outcome as PromiseRejectedResult).reason));
      threads.add((outcome as PromiseFulfilledResult<number>).value);
    }
    // Without recycling one thread runs them all. V8 (Node, Deno) reports the heap at once: at
    // most 9 jobs (72 MB) per thread, so 3 threads or more (measured on Node 24: 7 threads for 40
    // jobs); Bun's figure counts its heap's free space too (heap-used.ts). A thread keeps more
    // than one job: a figure that counted more than the heap (Bun's heapUsed with the 1 GiB
    // shared heap in it) replaced the thread after every job.
    assert.ok(threads.size >= 3, `${threads.size} threads ran ${JOBS} leaking jobs`);
    assert.ok(threads.size <= JOBS / 2, `${threads.size} threads ran ${JOBS} leaking jobs: recycled too early`);
  } finally {
    await runtime.shutdown();
  }
});

if (runtimeName === "bun") {
  // Measured on Bun 1.4.5: a worker limited to 32 MB of old generation allocated 100 MB, and
  // stackSizeMb changed nothing; the runtime refuses the option rather than ignore it.
  test("bun: resourceLimits are refused with UnsupportedOptionError", async () => {
    await assert.rejects(
      Runtime.start(TEST_JOBS, { workers: 1, resourceLimits: { maxOldGenerationSizeMb: 64 } }),
      (error: unknown) =>
        error instanceof UnsupportedOptionError && error.code === "UNSUPPORTED" &&
        error.option === "resourceLimits.maxOldGenerationSizeMb",
    );
  });
} else {
  test(`${runtimeName}: a worker over resourceLimits.maxOldGenerationSizeMb dies, its job fails with WorkerLostError, and it is replaced`, async () => {
    const { runtime } = await startTestRuntime({
      workers: 1,
      maxExtraMachines: 0,
      resourceLimits: { maxOldGenerationSizeMb: 48 },
    });
    try {
      let lost: unknown = null;
      for (let i = 0; i < 20 && lost === null; i++) {
        // Bun sees small objects at once and large arrays only after a collection (heap-used.ts).
        const leak = runtimeName === "bun" ? runtime.spawn("leakSmall", 8) : runtime.spawn("leak", 8);
        const outcome = await settleWithin(leak, `leak ${i}`, SETTLE_WITHIN_MS);
        if (outcome.status === "rejected") lost = outcome.reason;
      }
      assert.ok(lost instanceof WorkerLostError, `a job failed with ${String(lost)}`);
      const next = await settleWithin(runtime.spawn("add", 1, 2), "the replacement's job", SETTLE_WITHIN_MS);
      assert.deepEqual(next, { status: "fulfilled", value: 3 }, "the replacement runs jobs");
    } finally {
      // Bounded, as every wait here: a hang after the death (seen once on Deno, 2026-12-06) fails with a reason.
      const shutdown = await settleWithin(runtime.shutdown(), "the shutdown", SETTLE_WITHIN_MS);
      assert.equal(shutdown.status, "fulfilled", "the shutdown");
    }
  });
}

if (runtimeName === "deno") {
  // Measured on Deno 2.9.6: a worker with stackSizeMb aborted the whole process (stack overflow).
  test("deno: resourceLimits other than maxOldGenerationSizeMb are refused with UnsupportedOptionError", async () => {
    await assert.rejects(
      Runtime.start(TEST_JOBS, { workers: 1, resourceLimits: { stackSizeMb: 4 } }),
      (error: unknown) => error instanceof UnsupportedOptionError && error.option === "resourceLimits.stackSizeMb",
    );
  });
}

test("bad recycling and resourceLimits options fail with INVALID_ARGUMENT naming the value", async () => {
  const invalid = (pattern: RegExp) => (error: unknown) =>
    error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && pattern.test(error.message);
  await assert.rejects(Runtime.start(TEST_JOBS, { maxJobsPerWorker: 0 }), invalid(/maxJobsPerWorker .*got 0/));
  await assert.rejects(
    Runtime.start(TEST_JOBS, { maxMemoryBeforeRecycle: -5 }),
    invalid(/maxMemoryBeforeRecycle .*got -5/),
  );
  await assert.rejects(
    // @ts-expect-error: not a limit
    Runtime.start(TEST_JOBS, { resourceLimits: { maxHeap: 5 } }),
    invalid(/resourceLimits\.maxHeap is not a limit/),
  );
  await assert.rejects(
    Runtime.start(TEST_JOBS, { resourceLimits: { maxOldGenerationSizeMb: 0 } }),
    invalid(/maxOldGenerationSizeMb must be a positive number of MB, got 0/),
  );
});
