import assert from "node:assert/strict";
import { test } from "node:test";
import { WorkerLostError } from "./mod.ts";
import { sharedRuntime, until, withRuntime } from "@spindle/test-support";
import { startTestRuntime } from "./test-support/runtime.ts";

/**
 * A two-worker runtime where a job makes its worker exit (code 7) with 1,000 jobs queued; shared by
 * the two tests below, which each assert one behaviour of it (a runtime per test costs 10–40 s
 * under `deno test` here).
 */
const workerExited = sharedRuntime(async () => {
  const fixture = await startTestRuntime({ workers: 2, maxExtraMachines: 0 }, 1_000);
  const lost = fixture.runtime.spawn("exit", 7);
  const queued = Array.from({ length: 1_000 }, (_, i) => fixture.runtime.spawn("count", i));
  return { ...fixture, lost, queued };
});

test("a worker that exits fails its running job with WorkerLostError naming the job and exit code", async () => {
  const { lost } = await workerExited();
  await assert.rejects(Promise.resolve(lost), (error: unknown) => {
    assert.ok(error instanceof WorkerLostError);
    assert.equal(error.job, "exit");
    assert.equal(error.exitCode, 7);
    // Its cause says why: the exit code of a thread that ended without an error.
    assert.match((error.cause as Error)?.message, /worker \d+ exited with code 7 and no error while running a job/);
    return true;
  });
});

test("after a worker exits, queued jobs each run exactly once and its replacement serves", async () => {
  const { runtime, counters, lost, queued } = await workerExited();
  await Promise.allSettled([lost]);
  assert.deepEqual(await Promise.all(queued), new Array(1_000).fill(1));
  assert.ok(counters.every((count) => count === 1));
  // The replacement serves: with one worker held by a long job, another job still runs.
  await until(() => runtime.machines === 2, "the replacement worker");
  const long = runtime.spawn("block", 1_000);
  assert.equal(await runtime.spawn("add", 1, 2), 3);
  assert.equal(long.isFinished, false);
  await long;
});

test("a worker whose job calls process.exit(0) fails that job with WorkerLostError whose cause names the exit, and the runtime goes on", async () => {
  await withRuntime(startTestRuntime({ workers: 1, maxExtraMachines: 0 }), async ({ runtime }) => {
    await assert.rejects(Promise.resolve(runtime.spawn("exit", 0)), (error: unknown) => {
      assert.ok(error instanceof WorkerLostError, String(error));
      assert.equal(error.job, "exit");
      assert.equal(error.exitCode, 0);
      assert.match((error.cause as Error)?.message, /worker 0 exited with code 0 and no error while running a job/);
      return true;
    });
    assert.equal(await runtime.spawn("add", 20, 22), 42);
  });
});

test("a worker killed by an uncaught error fails its job, and the runtime goes on", async () => {
  await withRuntime(startTestRuntime({ workers: 2, maxExtraMachines: 0 }), async ({ runtime }) => {
    await assert.rejects(Promise.resolve(runtime.spawn("crashLater")), (error: unknown) => {
      assert.ok(error instanceof WorkerLostError);
      assert.equal(error.job, "crashLater");
      assert.notEqual(error.exitCode, 0);
      return true;
    });
    assert.equal(await runtime.spawn("add", 20, 22), 42);
  });
});
