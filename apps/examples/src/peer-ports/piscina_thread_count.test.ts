// Port of piscina's test/thread-count.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README ("Pool size, idle workers and process
// lifetime"). `maxThreads` / `minThreads` are `workers` / `minWorkers`; `pool.threads.length` is
// `runtime.machines`. Workers beyond `minWorkers` start when work is queued and no running worker
// is free (checked at each spawn and every 10 ms, a thread start taking a while), so the counts
// are awaited rather than read right after `run`. `maxExtraMachines: 0` keeps the blocking
// resilience's extra machines out of the count.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { Runtime } from "@spindle/workstealing";
import { JOBS, until, within, withRuntime, wordReaches } from "./piscina/support.ts";

const invalid = (shown: string) => (e: unknown) =>
  e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(shown);

test("will start with minThreads and max out at maxThreads", async () => {
  await withRuntime({ workers: 4, minWorkers: 2, maxExtraMachines: 0 }, async (runtime, words) => {
    assert.equal(runtime.machines, 2);
    const jobs = Array.from({ length: 5 }, () => runtime.spawn("blockUntilReleased", 0));
    await wordReaches(words, 0, 4, "four jobs hold four workers");
    await until("machines", () => runtime.machines === 4);
    assert.equal(Atomics.load(words, 0), 4, "the fifth job waits: never more than maxThreads");
    assert.equal(runtime.machines, 4);
    Atomics.store(words, 1, 1);
    await within("jobs", 30_000, Promise.all(jobs));
    assert.equal(Atomics.load(words, 0), 5);
  });
});

test("low maxThreads sets minThreads", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.equal(runtime.machines, 1);
  });
});

test("high minThreads sets maxThreads (differs: refused)", async () => {
  // minWorkers above workers (default: the available parallelism) is refused, not raised to.
  await assert.rejects(Runtime.start(JOBS, { minWorkers: 1_000 }), invalid("1000"));
});

test("conflicting min/max threads is error", async () => {
  await assert.rejects(Runtime.start(JOBS, { minWorkers: 16, workers: 8 }), invalid("16"));
});

test("thread count should be 0 upon destruction", async () => {
  await withRuntime({ workers: 4, minWorkers: 2 }, async (runtime) => {
    assert.equal(runtime.machines, 2);
    await runtime.shutdown({ mode: "cancel" });
    assert.equal(runtime.machines, 0);
  });
});
