// Item 5 of issue 23: a plain buffer passed with move() crosses with one copy (into the shared
// heap), arrives as a SharedBuffer its receiver owns, and is never leaked nor read after release.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { BufferReleasedError, JobAbortedError, move, QueueFullError, SharedBuffer } from "./mod.ts";
import { until } from "@spindle/test-support";
import { reasonOf, settleWithin, startTestRuntime } from "./test-support/runtime.ts";

const MIB = 2 ** 20;

test("a moved argument is written in place by its job and comes back by reference: one copy in all", async () => {
  const { runtime } = await startTestRuntime({ workers: 2 });
  try {
    const heap = runtime.alloc(8);
    const values = new Float64Array(4 * MIB).map((_, i) => i % 5); // 32 MiB
    const moved = move(values);
    const handle = runtime.spawn("scaleMoved", moved, 2);
    assert.ok(moved.released, "sent: the job owns the copy");
    const returned = await handle;
    assert.ok(returned instanceof SharedBuffer);
    const scaled = returned.array(Float64Array);
    // The job's writes are in the block the argument was copied into, which is heap memory
    // (the same SharedArrayBuffer as runtime.alloc's): no copy into the job, none back.
    assert.equal(scaled.buffer, heap.array(Uint8Array).buffer);
    assert.equal(scaled[3], 6);
    assert.equal(scaled[scaled.length - 1], ((scaled.length - 1) % 5) * 2);
    assert.equal(values[3], 3, "the sender's array is not touched");
    returned.release();
    assert.throws(() => returned.array(Float64Array), BufferReleasedError);
    heap.release();
  } finally {
    await runtime.shutdown();
  }
});

test("a job's moved result is received as a SharedBuffer, stolen or joined in place", async () => {
  const { runtime } = await startTestRuntime({ workers: 2 });
  try {
    const result = await runtime.spawn("makeMoved", MIB, 0.5);
    assert.ok(result instanceof SharedBuffer);
    assert.equal(result.byteLength, 8 * MIB);
    assert.equal(result.array(Float64Array)[MIB - 1], 0.5);
    result.release();
    // A child joined in place hands its move() buffer over as it is (no copy); a stolen one
    // through the heap: the parent reads both the same way.
    const totals = await Promise.all(Array.from({ length: 8 }, () => runtime.spawn("sumMovedChild", 1000, 2)));
    assert.deepEqual(totals, Array(8).fill(2000));
    const mapped = await runtime.map("makeMoved", [10, 20, 30].map(Number), { chunkSize: 1 });
    assert.deepEqual(mapped.map((buffer) => buffer.byteLength), [80, 160, 240]);
    for (const buffer of mapped) buffer.release();
    await until(() => runtime.liveJobs === 0, "every job settled");
  } finally {
    await runtime.shutdown();
  }
});

test("a moved buffer kept after its job ended stays valid until released, then every use throws BufferReleasedError", async () => {
  const { runtime } = await startTestRuntime({ workers: 1, maxExtraMachines: 0 });
  try {
    assert.equal(await runtime.spawn("keepMoved", move(new Float64Array([7, 8]))), 7);
    assert.equal(await runtime.spawn("readKept"), 7, "its job ended; the worker still owns it");
    await runtime.spawn("releaseKept");
    const outcome = await settleWithin(runtime.spawn("readKept"), "readKept after the release");
    const error = reasonOf(outcome, "readKept after the release") as Error;
    assert.equal(error.name, "BufferReleasedError");
    // Given back to this thread by reference and released here: it cannot be sent again.
    const returned = await runtime.spawn("returnBuffer", move(new Uint8Array(8)));
    returned.release();
    assert.throws(() => runtime.spawn("returnBuffer", returned), BufferReleasedError);
    assert.throws(() => returned.bytes(), BufferReleasedError);
  } finally {
    await runtime.shutdown();
  }
});

test("moved buffers that nobody receives go back to the heap: aborted while queued, refused, results never read", async () => {
  // 48 MiB of heap and 16 MiB per buffer: without giving them back, the fourth would not fit.
  const { runtime, counters } = await startTestRuntime({
    workers: 1,
    maxExtraMachines: 0,
    maxHeapBytes: 48 * MIB,
    queue: { limit: 8, whenFull: "reject" },
  });
  try {
    const big = (): SharedBuffer => move(new Uint8Array(16 * MIB).fill(1));
    const gate = runtime.spawn("gate", 0);
    await until(() => counters[0] === 1, "the gate job running");
    for (let i = 0; i < 6; i++) {
      // Queued behind the gate, then aborted: never received.
      const queued = runtime.spawn("sumBuffer", big(), 0, 1);
      queued.abort();
      await assert.rejects(async () => await queued);
      // An already aborted signal: the job never runs.
      const controller = new AbortController();
      controller.abort();
      const aborted = runtime.spawnWith({ signal: controller.signal }, "sumBuffer", big(), 0, 1);
      await assert.rejects(async () => await aborted, JobAbortedError);
    }
    // Refused after its arguments were encoded (the aborted jobs gave their places back, so eight
    // fillers make the queue full): the buffer can be sent again.
    assert.equal(runtime.queueSize, 0, "the aborted jobs hold no place in the queue");
    const fillers = Array.from({ length: 8 }, (_, i) => runtime.spawn("add", i, 1));
    for (let i = 0; i < 6; i++) {
      const refused = big();
      assert.throws(() => runtime.spawn("sumBuffer", refused, 0, 1), QueueFullError);
      assert.equal(refused.released, false);
    }
    Atomics.store(counters, 0, 2);
    await gate;
    assert.deepEqual(await Promise.all(fillers), [1, 2, 3, 4, 5, 6, 7, 8]);
    // Results never read: detached handles.
    for (let i = 0; i < 6; i++) {
      runtime.spawn("makeMoved", 2 * MIB, 1).detach();
      await until(() => runtime.liveJobs === 0, "the detached job settled");
    }
    // Larger than the heap: a typed error at spawn, and the buffer can still be sent.
    const huge = move(new Uint8Array(64 * MIB));
    assert.throws(
      () => runtime.spawn("sumBuffer", huge, 0, 1),
      (error: unknown) => error instanceof SpindleError && error.code === "CAPACITY_EXCEEDED",
    );
    assert.equal(huge.released, false);
    assert.equal(await runtime.spawn("sumBuffer", big(), 0, 0), 0, "the heap still has room");
  } finally {
    Atomics.store(counters, 0, 2); // never leave the gate job holding the worker
    await runtime.shutdown();
  }
});
