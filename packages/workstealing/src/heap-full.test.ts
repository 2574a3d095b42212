// A job whose outcome has no room in the shared heap (the runtime's maxHeapBytes) still settles:
// its handle fails with a HeapFullError naming the job, what did not fit, its size and the limit,
// and its worker lives on. Before, a plain job's worker died (the job lost, exit code 0, no cause),
// a coroutine's failed job never settled and its runtime's shutdown hung, and a queued job
// cancelled by a shutdown while the heap was full stayed cancelling for good.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, SpindleError } from "@spindle/core";
import { HeapFullError, type SharedBuffer, WorkerLostError } from "./mod.ts";
import { until } from "@spindle/test-support";
import { reasonOf, settleWithin, startTestRuntime } from "./test-support/runtime.ts";

const MIB = 2 ** 20;

/** The smallest heap a runtime takes: 1 MiB. */
const options = { workers: 1, maxExtraMachines: 0, maxHeapBytes: MIB } as const;

/** Asserts that `reason` says `job`'s `outcome` of more than `minBytes` bytes did not fit. */
function assertHeapFull(reason: unknown, job: string, outcome: "result" | "error" | "reason", minBytes: number): void {
  assert.ok(reason instanceof HeapFullError, `a HeapFullError, got ${String(reason)}`);
  assert.ok(reason instanceof SpindleError);
  assert.equal(reason.code, "CAPACITY_EXCEEDED");
  assert.equal(reason.job, job);
  assert.equal(reason.outcome, outcome);
  assert.equal(reason.limit, MIB);
  assert.ok(reason.bytes > minBytes, `the outcome's size, got ${reason.bytes}`);
  assert.match(reason.message, new RegExp(`job "${job}"'s ${outcome} \\(${reason.bytes} bytes\\).*limit is ${MIB}`));
}

/** Fills the heap with buffers into `held`, largest first, until not even its smallest block is left. */
function fillHeap(runtime: { alloc(bytes: number): SharedBuffer }, held: SharedBuffer[]): void {
  for (let size = MIB / 2; size >= 1; size >>= 1) {
    for (;;) {
      try {
        held.push(runtime.alloc(size));
      } catch (error) {
        assert.equal((error as SpindleError).code, "CAPACITY_EXCEEDED");
        break;
      }
    }
  }
}

for (
  const [job, outcome] of [
    ["bigText", "result"],
    ["bigTextLater", "result"],
    ["bigError", "error"],
    ["bigErrorLater", "error"],
  ] as const
) {
  test(`job ${job}: its ${outcome} with no room in the shared heap fails it with a HeapFullError, and its worker lives on`, async () => {
    const { runtime } = await startTestRuntime(options);
    try {
      const before = await runtime.spawn("whoami");
      const outcomeOf = await settleWithin(runtime.spawn(job, 2 * MIB), `job ${job}`);
      assertHeapFull(reasonOf(outcomeOf, `job ${job}`), job, outcome, 2 * MIB);
      assert.equal(await runtime.spawn("whoami"), before, "the same worker thread");
      assert.equal(runtime.liveJobs, 0);
    } finally {
      await runtime.shutdown();
    }
  });
}

test("a map chunk whose results have no room fails the map with a HeapFullError", async () => {
  const { runtime } = await startTestRuntime(options);
  try {
    const outcome = await settleWithin(runtime.map("bigText", [MIB / 2, MIB / 2]), "the map");
    assertHeapFull(reasonOf(outcome, "the map"), "bigText", "result", MIB / 2);
    assert.equal(await runtime.spawn("add", 1, 2), 3);
  } finally {
    await runtime.shutdown();
  }
});

test("queued jobs cancelled by a shutdown while the heap is full settle as cancelled", async () => {
  const { runtime, counters } = await startTestRuntime(options);
  const held: SharedBuffer[] = [];
  let gate: PromiseLike<unknown> | null = null;
  try {
    gate = runtime.spawn("gate", 0);
    await until(() => counters[0] === 1, "the gate job running");
    const queued = Array.from({ length: 4 }, (_, i) => runtime.spawn("add", i, 1));
    fillHeap(runtime, held);
    const shutdown = runtime.shutdown({ mode: "cancel" });
    for (const [i, handle] of queued.entries()) {
      const reason = reasonOf(await settleWithin(handle, `queued job ${i}`), `queued job ${i}`);
      assert.ok(reason instanceof CancelledError, `a CancelledError, got ${String(reason)}`);
      assertHeapFull(reason.cause, "add", "reason", 64); // more than fits inline in a job's record
    }
    Atomics.store(counters, 0, 2);
    Atomics.notify(counters, 0);
    await settleWithin(gate, "the gate job");
    await settleWithin(shutdown, "the shutdown");
  } finally {
    Atomics.store(counters, 0, 2);
    Atomics.notify(counters, 0);
    for (const buffer of held) buffer.release();
    await runtime.shutdown({ mode: "cancel" });
  }
});

test("a worker that crashes while the heap is full is lost with its error's summary as cause", async () => {
  const { runtime, counters } = await startTestRuntime(options);
  const held: SharedBuffer[] = [];
  try {
    const crashing = runtime.spawn("crashWhenOpened", 0);
    await until(() => counters[0] === 1, "the crashing job running");
    fillHeap(runtime, held);
    Atomics.store(counters, 0, 2);
    const reason = reasonOf(await settleWithin(crashing, "the crashing job"), "the crashing job");
    assert.ok(reason instanceof WorkerLostError, `a WorkerLostError, got ${String(reason)}`);
    // The crash report had no room in the heap: a summary of it, cut to fit the processor's words.
    const cause = reason.cause as Error;
    assert.ok(cause instanceof Error, `a cause, got ${String(cause)}`);
    assert.equal(cause.name, "RangeError");
    assert.match(cause.message, /^the crash reported with no room .*…$/);
    // Nor did the lost job's record have room for it: the summary says so.
    assertHeapFull(cause.cause, "crashWhenOpened", "reason", 64);
  } finally {
    for (const buffer of held) buffer.release();
    await runtime.shutdown({ mode: "cancel" });
  }
});
