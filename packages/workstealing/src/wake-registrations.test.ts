// A handle awaited on this thread registers a slot of this thread's WakeTable while its job is
// pending (its worker wakes it there); every way the job ends gives the slot back, and a runtime
// that shut down leaves none behind: a slot left registered keeps core's listener, and so the
// process, alive for good (a Node 22 test process stayed idle for minutes after its tests passed).
// Each case first leaves a stale wake on the slot the handle takes next, as a worker's wake that
// lost its race with an unregister does: before, registering over it woke the handle at once, whose
// poll registered a second slot that the first then took the place of.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Context, PENDING, Waker, wakeShared, WakeTable } from "@spindle/core";
import { until } from "@spindle/test-support";
import type { JobHandle, Runtime } from "./mod.ts";
import { settleWithin, startTestRuntime } from "./test-support/runtime.ts";
import type jobs from "./test-support/test-jobs.ts";

// Hang bounds, not measures.
const SETTLE_MS = 30_000;
const GATE = 0;

/** Leaves a wake set on the slot this thread's next registration takes, once the listener stopped. */
async function staleWakeOnNextSlot(): Promise<void> {
  const table = WakeTable.forThisThread();
  const handle = table.register(Waker.noop());
  table.unregister(handle);
  wakeShared(handle);
  // The wake's epoch bump ends the listener, which finds no slot registered: a few turns let it.
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setTimeout(resolve, 2));
}

/**
 * Starts a job that holds the one worker until {@linkcode openGate}, so what is spawned next waits;
 * its handle comes in an array, as an async function's promise would adopt the handle itself.
 */
async function holdWorker(runtime: Runtime<typeof jobs>, counters: Int32Array): Promise<[JobHandle<number>]> {
  counters.fill(0);
  const gate = runtime.spawn("gate", GATE);
  await until(() => Atomics.load(counters, GATE) === 1, "the gate job runs", SETTLE_MS);
  return [gate];
}

/** Awaits `handle` from now: its first poll (which registers its slot) is this call's, not a later microtask's. */
function awaitNow<T>(handle: JobHandle<T>): Promise<T> {
  return handle.then();
}

function openGate(counters: Int32Array): void {
  Atomics.store(counters, GATE, 2); // the gate job waits on this word (Atomics.wait, 50 ms slices)
  Atomics.notify(counters, GATE);
}

/** How each case's job ends, and the outcome its awaited handle gives. */
const ENDINGS: [
  string,
  (runtime: Runtime<typeof jobs>) => JobHandle<unknown>,
  (handle: JobHandle<unknown>) => void,
  string,
][] = [
  ["settles", (runtime) => runtime.spawn("add", 2, 3), () => {}, "fulfilled"],
  ["fails", (runtime) => runtime.spawn("fail", "TypeError", "bad"), () => {}, "TypeError"],
  ["loses its worker", (runtime) => runtime.spawn("exit", 3), () => {}, "WorkerLostError"],
  ["is aborted while queued", (runtime) => runtime.spawn("add", 2, 3), (handle) => handle.abort(), "CancelledError"],
];

test("an awaited handle gives its wake slot back however its job ends", async () => {
  const table = WakeTable.forThisThread();
  const before = table.registered;
  const { runtime, counters } = await startTestRuntime({ workers: 1, maxExtraMachines: 0 });
  try {
    for (const [ending, spawn, act, expected] of ENDINGS) {
      const [gate] = await holdWorker(runtime, counters);
      await staleWakeOnNextSlot();
      const handle = spawn(runtime);
      const outcome = settleWithin(awaitNow(handle), `the job that ${ending}`, SETTLE_MS);
      assert.equal(table.registered, before + 1, `${ending}: the pending handle holds one slot`);
      act(handle);
      openGate(counters);
      const settled = await outcome;
      const got = settled.status === "fulfilled" ? settled.status : (settled.reason as Error).name;
      assert.equal(got, expected, `${ending}: ${String(settled.status === "rejected" ? settled.reason : "")}`);
      assert.equal((await settleWithin(gate, "the gate job", SETTLE_MS)).status, "fulfilled");
      assert.equal(table.registered, before, `${ending}: a slot is left registered`);
    }
  } finally {
    openGate(counters);
    await runtime.shutdown();
  }
  assert.equal(table.registered, before);
});

test("a pending handle detached, or failed by a cancelling shutdown, leaves no wake slot behind", async () => {
  const table = WakeTable.forThisThread();
  const before = table.registered;
  const { runtime, counters } = await startTestRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: 0 });
  await holdWorker(runtime, counters);
  await staleWakeOnNextSlot();
  const detached = runtime.spawn("add", 1, 1);
  assert.equal(detached.poll(Context.noop()), PENDING); // queued behind the gate: registers
  detached.detach();
  assert.equal(table.registered, before, "the detached handle's slot is left registered");
  await staleWakeOnNextSlot();
  const queued = runtime.spawn("add", 1, 1);
  const outcome = settleWithin(awaitNow(queued), "the queued job", SETTLE_MS);
  assert.equal(table.registered, before + 1, "the pending handle holds one slot");
  // The gate job never reaches a suspension point: the shutdown terminates its worker at once
  // (abortGraceMs 0), and fails the queued job.
  const shutdown = await settleWithin(runtime.shutdown({ mode: "cancel" }), "the cancelling shutdown", SETTLE_MS);
  assert.equal(shutdown.status, "fulfilled");
  const settled = await outcome;
  assert.equal(settled.status, "rejected");
  assert.equal(table.registered, before, "a slot is left registered after the shutdown");
});
