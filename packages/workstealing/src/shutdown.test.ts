import assert from "node:assert/strict";
import { test } from "node:test";
import { RuntimeShutdownError } from "./mod.ts";
import { CancelledError } from "@spindle/core";
import { until } from "@spindle/test-support";
import { assertShutdownCancelled, startTestRuntime } from "./test-support/runtime.ts";

test('shutdown() ("drain") lets every spawned job finish, then spawn fails clearly', async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 2 }, 200);
  const handles = Array.from({ length: 200 }, (_, i) => runtime.spawn("count", i));
  await runtime.shutdown();
  assert.deepEqual(await Promise.all(handles), new Array(200).fill(1));
  assert.ok(counters.every((count) => count === 1));
  assert.throws(
    () => runtime.spawn("add", 1, 2),
    (error: unknown) => error instanceof RuntimeShutdownError && /job "add"/.test(error.message),
  );
  assert.equal(runtime.machines, 0);
});

test('shutdown({ mode: "cancel" }) cancels queued jobs and aborts running ones', async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 1, maxExtraMachines: 0 }, 100);
  const running = runtime.spawn("guarded", 99);
  await until(() => Atomics.load(counters, 99) === 1, "the guarded job to start");
  const blocker = runtime.spawn("block", 100);
  const queued = Array.from({ length: 50 }, (_, i) => runtime.spawn("count", i));
  await runtime.shutdown({ mode: "cancel" });
  const [guarded] = await Promise.allSettled([running]);
  assertShutdownCancelled((guarded as PromiseRejectedResult).reason, "guarded", 'shutdown({ mode: "cancel" })', true);
  assert.equal(Atomics.load(counters, 99), 2, "the running job's finally block ran");
  const outcomes = await Promise.allSettled([blocker, ...queued]);
  const cancelled = outcomes.filter((o) => o.status === "rejected");
  assert.ok(cancelled.length > 0, "some queued jobs were cancelled");
  for (const o of cancelled) assert.ok((o as PromiseRejectedResult).reason instanceof CancelledError);
  const ran = counters.slice(0, 50).filter((c) => c === 1).length;
  assert.equal(
    ran + cancelled.length - (outcomes[0]!.status === "rejected" ? 1 : 0),
    50,
    "each queued job either ran or was cancelled",
  );
});
