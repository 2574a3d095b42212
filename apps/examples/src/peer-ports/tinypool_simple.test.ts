// Port of tinypool's test/simple.test.ts (tinylibs/tinypool abc247f85cba0309e3f1e5655db1837a2a1c2483)
// onto @spindle/workstealing, written from its README. `isolateWorkers: true` is
// `maxJobsPerWorker: 1` (a fresh thread for every job), tinypool's isolated.js fixture is the
// `countRuns` job (a counter in the job module), `pool.threads.length` is `runtime.machines`.
//
// Not ported again, piscina's simple-test tests ported identically in piscina_simple_test.test.ts:
// "basic test" (isWorkerThread), "trivial eval() handler works", "async eval() handler works",
// "filename must be provided while posting", "passing env to workers works", "passing argv to
// workers works", "passing execArgv to workers works", "passing valid workerData works",
// "filename can be a file:// URL", the first "named tasks work".
//
// Not portable:
// - "isWorkerThread correct value", "Tinypool instance is an EventEmitter", "Tinypool constructor
//   options are correctly set", "filename can be provided while posting", "filename can be null
//   when initially provided", "filename can be a file:// URL to an ESM module", the second "named
//   tasks work": as piscina's (see piscina_simple_test.test.ts).
// - "passing argv to child process": there is no child-process runtime.
// - "workerId should never be more than maxThreads=1", "... more than maxThreads", "workerId
//   should never be duplicated": jobs have no worker index (tinypool's `workerId`), and these run
//   tasks after `destroy()`, where a spawn after a shutdown throws `RuntimeShutdownError`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { until, within, withRuntime } from "./piscina/support.ts";

test("isolateWorkers: false", async () => {
  // One worker, so the three jobs meet the same module (tinypool's pool has a thread per CPU, and
  // reuses the first).
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.equal(await runtime.spawn("countRuns"), 0);
    assert.equal(await runtime.spawn("countRuns"), 1);
    assert.equal(await runtime.spawn("countRuns"), 2);
  });
});

test("isolateWorkers: true", async () => {
  await withRuntime({ workers: 2, maxJobsPerWorker: 1 }, async (runtime) => {
    assert.equal(await within("first", 30_000, runtime.spawn("countRuns")), 0);
    assert.equal(await within("second", 30_000, runtime.spawn("countRuns")), 0);
    assert.equal(await within("third", 30_000, runtime.spawn("countRuns")), 0);
  });
});

test("worker count should never be below minThreads when using isolateWorkers", async () => {
  // The count is awaited after each job: a recycled worker's replacement takes a while to start.
  await withRuntime({ workers: 4, maxJobsPerWorker: 1 }, async (runtime) => {
    for (let i = 0; i < 6; i++) {
      await within("job", 30_000, runtime.spawn("threadId"));
      await until("four workers again", () => runtime.machines === 4);
      assert.equal(runtime.machines, 4);
    }
  });
});

test("isolateWorkers: true with minThreads of 0 should not halt (#42)", async () => {
  // `minWorkers` is at least 1 (README): the nearest pool starts one worker and grows to six.
  await withRuntime({ workers: 6, minWorkers: 1, maxJobsPerWorker: 1 }, async (runtime) => {
    const runs = await within(
      "seven jobs",
      120_000,
      Promise.all(Array.from({ length: 7 }, () => runtime.spawn("countRuns"))),
    );
    assert.deepEqual(runs, [0, 0, 0, 0, 0, 0, 0]);
  });
});
