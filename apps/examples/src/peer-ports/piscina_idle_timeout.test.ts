// Port of piscina's test/idle-timeout.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README ("Pool size, idle workers and process
// lifetime"): `minThreads` / `maxThreads` / `idleTimeout` are `minWorkers` / `workers` /
// `idleTimeout`, `pool.threads.length` is `runtime.machines`. The fixture's jobs each wait until
// `n` of them have started, so two of them need two threads at once. The counts are awaited, not
// read after a fixed delay (a thread starts when the runtime sees work queued and no worker free).
import assert from "node:assert/strict";
import { test } from "node:test";
import { until, within, withRuntime } from "./piscina/support.ts";

test("idle timeout will let go of threads early", async () => {
  await withRuntime({ workers: 2, minWorkers: 1, idleTimeout: 500, maxExtraMachines: 0 }, async (runtime) => {
    assert.equal(runtime.machines, 1);
    const first = [runtime.spawn("waitForOthers", 0, 2), runtime.spawn("waitForOthers", 0, 2)];
    await until("a second worker starts", () => runtime.machines === 2);
    const early = await within("first tasks", 30_000, Promise.all(first));
    assert.equal(new Set(early).size, 2, "two threads ran them");
    await until("the idle worker exits", () => runtime.machines === 1);
    const second = [runtime.spawn("waitForOthers", 0, 4), runtime.spawn("waitForOthers", 0, 4)];
    await until("a worker starts again", () => runtime.machines === 2);
    const late = await within("second tasks", 30_000, Promise.all(second));
    // One thread was idle in between and exited, one was reused.
    assert.equal(new Set([...early, ...late]).size, 3);
  });
});
