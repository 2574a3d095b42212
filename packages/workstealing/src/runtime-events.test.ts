// Issue 23: the runtime's "drain" and "needsDrain" events, as piscina's pool emits them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { until, withRuntime } from "@spindle/test-support";
import { startTestRuntime } from "./test-support/runtime.ts";

/** Resolves with the next `type` event of `runtime`. */
function next(
  runtime: { addEventListener(type: "drain" | "needsDrain", listener: () => void, options: { once: true }): void },
  type: "drain" | "needsDrain",
): Promise<void> {
  return new Promise((resolve) => runtime.addEventListener(type, () => resolve(), { once: true }));
}

test('"needsDrain" fires when the bounded queue fills, "drain" once it is empty again', async () => {
  await withRuntime(
    startTestRuntime({ workers: 1, maxExtraMachines: 0, queue: { limit: 3 } }),
    async ({ runtime, counters }) => {
      const blocker = runtime.spawn("hold", 0, 300); // the only worker, held: nothing leaves the queue
      await until(() => Atomics.load(counters, 0) === 1, "the worker to be held");
      // Listeners, then spawns, in one turn: the monitor's next look compares with this moment.
      const order: string[] = [];
      runtime.addEventListener("needsDrain", () => order.push(`needsDrain ${runtime.queueSize}`));
      runtime.addEventListener("drain", () => order.push(`drain ${runtime.queueSize}`));
      const filled = next(runtime, "needsDrain");
      const drained = next(runtime, "drain");
      const queued = [1, 2, 3].map((n) => runtime.spawn("add", n, 0));
      assert.equal(runtime.needsDrain, true);
      await filled; // the monitor saw the full queue while the worker is held
      await drained; // and saw it empty once the worker took the jobs
      assert.deepEqual(await Promise.all(queued), [1, 2, 3]);
      await blocker;
      assert.equal(order[0], "needsDrain 3", order.join(", "));
      assert.ok(order.includes("drain 0"), order.join(", "));
      assert.ok(order.indexOf("needsDrain 3") < order.indexOf("drain 0"), order.join(", "));
    },
  );
});

test('a producer that waits for "drain" whenever needsDrain is true runs every job', async () => {
  await withRuntime(startTestRuntime({ workers: 2, queue: { limit: 4 } }), async ({ runtime }) => {
    const handles = [];
    for (let n = 0; n < 200; n++) {
      // Subscribed before the next look, in the same turn as the check: the drain cannot be missed.
      if (runtime.needsDrain) await next(runtime, "drain");
      handles.push(runtime.spawn("add", n, 1));
    }
    const results = await Promise.all(handles);
    assert.deepEqual(results, Array.from({ length: 200 }, (_, n) => n + 1));
  });
});

test("removeEventListener stops the calls; an unknown event or a listener that is not a function is refused", async () => {
  await withRuntime(startTestRuntime({ workers: 1 }), async ({ runtime }) => {
    let calls = 0;
    const listener = (): void => void calls++;
    runtime.addEventListener("drain", listener);
    await runtime.spawn("add", 1, 2);
    await until(() => calls > 0, "a drain after a spawn");
    runtime.removeEventListener("drain", listener);
    const before = calls;
    await runtime.spawn("add", 1, 2);
    await new Promise((resolve) => setTimeout(resolve, 50)); // five looks of the monitor
    assert.equal(calls, before);
    const invalid = (shown: string) => (e: unknown) =>
      e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(shown);
    assert.throws(() => runtime.addEventListener("error" as never, () => {}), invalid('"error"'));
    assert.throws(() => runtime.addEventListener("drain", 42 as never), invalid("42"));
  });
});
