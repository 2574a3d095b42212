// Port of piscina's test/test-uncaught-exception-from-handler.ts (piscinajs/piscina
// 4e9791fd46b61c638e7ad05f14ec4540d40898aa) onto @spindle/workstealing, written from its README
// ("Faults and bad input": a worker dies). A worker that dies fails the jobs it was running or had
// suspended with `WorkerLostError` (`exitCode`; `cause`: the uncaught error, when the worker could
// report it) and is replaced at once; a death while no job ran is reported with
// `process.emitWarning` (piscina's pool `error` event). `pool.threads[0].threadId` is what a job
// answers for `threadId`.
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { WorkerLostError } from "@spindle/workstealing";
import { until, within, withRuntime } from "./piscina/support.ts";

test("uncaught exception resets Worker (a job that throws fails its handle)", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    await assert.rejects(Promise.resolve(runtime.spawn("throwError", "not_caught")), /not_caught/);
    assert.equal(await runtime.spawn("answer"), 42, "the worker goes on");
  });
});

test("uncaught exception in immediate resets Worker", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const before = await runtime.spawn("threadId");
    await assert.rejects(
      within("lost job", 30_000, runtime.spawn("throwWhileWaiting")),
      (e) => e instanceof WorkerLostError && (e.cause as Error | undefined)?.message === "not_caught",
    );
    assert.notEqual(await within("replacement", 30_000, runtime.spawn("threadId")), before, "a new worker");
  });
});

test("uncaught exception in immediate after task yields error event (a warning)", async () => {
  const warnings: (Error & { detail?: string })[] = [];
  const onWarning = (warning: Error) => void warnings.push(warning);
  process.on("warning", onWarning);
  try {
    await withRuntime({ workers: 1 }, async (runtime) => {
      const before = await runtime.spawn("threadId");
      assert.equal(await runtime.spawn("throwLater", 200), 42);
      // The warning says a worker died while running no job; its `detail` is the error's stack.
      await until("the death is reported", () => warnings.some((w) => /while running no job/.test(w.message)));
      const warning = warnings.find((w) => /while running no job/.test(w.message))!;
      assert.match(String(warning.detail), /not_caught/);
      assert.notEqual(await within("replacement", 30_000, runtime.spawn("threadId")), before, "a new worker");
    });
  } finally {
    process.off("warning", onWarning);
  }
});

test("exiting process resets worker", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const before = await runtime.spawn("threadId");
    await assert.rejects(
      within("lost job", 30_000, runtime.spawn("exit", 1)),
      (e) => e instanceof WorkerLostError && e.exitCode === 1,
    );
    assert.notEqual(await within("replacement", 30_000, runtime.spawn("threadId")), before);
  });
});

test("exiting process in immediate after task errors next task and resets worker", async () => {
  // piscina's exit comes 50 ms after the task, from a timer; here the test triggers it once the
  // next job is running (suspended) on that worker, so the order does not depend on the load.
  await withRuntime({ workers: 1 }, async (runtime, words) => {
    const before = await runtime.spawn("threadId");
    assert.equal(await runtime.spawn("exitWhenTold", 2), 42);
    const next = runtime.spawn("suspendUntilReleased", 0);
    await until("the next job starts", () => Atomics.load(words, 0) === 1);
    Atomics.store(words, 2, 1);
    await assert.rejects(within("lost job", 30_000, next), (e) => e instanceof WorkerLostError && e.exitCode === 1);
    assert.notEqual(await within("replacement", 30_000, runtime.spawn("threadId")), before);
  });
});
