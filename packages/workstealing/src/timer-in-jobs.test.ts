import assert from "node:assert/strict";
import { test } from "node:test";
import { TimerReactor } from "@spindle/timer";
import { startTestRuntime } from "./test-support/runtime.ts";

test("a job that sleeps on the timer reactor is woken on its worker, while other jobs run", async () => {
  const reactor = await TimerReactor.start();
  const { runtime } = await startTestRuntime({ workers: 1, maxExtraMachines: 0, timer: reactor.timer });
  try {
    const sleeper = runtime.spawn("sleep", 50);
    // The only worker is not held by the sleeping job.
    assert.equal(await runtime.spawn("add", 2, 2), 4);
    assert.equal(sleeper.isFinished, false);
    const slept = await sleeper;
    assert.ok(slept >= 50, `slept ${slept} ms`);
  } finally {
    await runtime.shutdown();
    reactor[Symbol.dispose]();
  }
});
