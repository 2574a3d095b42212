// Item 5 of issue 23: buffers in the shared heap (runtime.alloc) that jobs read and write in
// place, passed by reference both ways, and refused after their release.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { BufferReleasedError, SharedBuffer, UncloneableValueError } from "./mod.ts";
import { until } from "@spindle/test-support";
import { settleWithin, startTestRuntime } from "./test-support/runtime.ts";

const MIB = 2 ** 20;

test("a 64 MiB buffer is summed and written in place by jobs, and comes back by reference", async () => {
  const { runtime } = await startTestRuntime({ workers: 2 });
  try {
    const buffer = runtime.alloc(64 * MIB);
    assert.ok(buffer instanceof SharedBuffer);
    assert.equal(buffer.byteLength, 64 * MIB);
    const values = buffer.array(Float64Array);
    assert.equal(values.length, 8 * MIB);
    assert.equal(values[12_345], 0, "zeroed");
    for (let i = 0; i < values.length; i++) values[i] = i % 7;
    let expected = 0;
    for (let i = 0; i < values.length; i++) expected += i % 7;
    const half = values.length / 2;
    const sums = await Promise.all([
      runtime.spawn("sumBuffer", buffer, 0, half),
      runtime.spawn("sumBuffer", buffer, half, values.length),
    ]);
    assert.equal(sums[0]! + sums[1]!, expected);
    // A job's writes are this thread's to read: the same memory, no copy either way.
    await Promise.all([
      runtime.spawn("fillBuffer", buffer, 0, half, 1),
      runtime.spawn("fillBuffer", buffer, half, values.length, 2),
    ]);
    assert.equal(values[0], 1);
    assert.equal(values[values.length - 1], 2);
    const returned = await runtime.spawn("returnBuffer", buffer);
    assert.ok(returned instanceof SharedBuffer);
    returned.array(Float64Array)[3] = 42;
    assert.equal(values[3], 42, "the result is the same buffer, not a copy");
    buffer.release();
    assert.ok(returned.released, "released through either handle");
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("a released buffer cannot be read, passed to a job, received by a job or released again", async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 1, maxExtraMachines: 0 });
  try {
    const buffer = runtime.alloc(64);
    buffer.release();
    assert.throws(() => buffer.bytes(), BufferReleasedError);
    assert.throws(() => buffer.array(Float64Array), BufferReleasedError);
    assert.throws(() => buffer.release(), BufferReleasedError);
    assert.throws(() => runtime.spawn("sumBuffer", buffer, 0, 1), BufferReleasedError);
    await assert.rejects(runtime.map("returnBuffer", [buffer]), BufferReleasedError);
    // Released while its job waits in the queue (behind a job holding the only worker): the
    // job fails when it receives the buffer.
    const later = runtime.alloc(64);
    const gate = runtime.spawn("gate", 0);
    await until(() => counters[0] === 1, "the gate job running");
    const queued = runtime.spawn("sumBuffer", later, 0, 8);
    later.release();
    Atomics.store(counters, 0, 2);
    await gate;
    const outcome = await settleWithin(queued, "the job given a released buffer");
    const error = (outcome as PromiseRejectedResult).reason as Error;
    assert.equal(error.name, "BufferReleasedError");
    assert.match(error.message, /received by a job after it was released/);
    // Released inside a job: this thread's handle sees it.
    const third = runtime.alloc(8);
    await runtime.spawn("releaseBuffer", third);
    assert.ok(third.released);
    assert.throws(() => third.bytes(), BufferReleasedError);
  } finally {
    await runtime.shutdown();
  }
});

test("a buffer of another runtime, and bad alloc sizes, are refused with typed errors", async () => {
  const { runtime } = await startTestRuntime({ workers: 1 });
  const { runtime: other } = await startTestRuntime({ workers: 1 });
  try {
    const foreign = other.alloc(8);
    assert.throws(
      () => runtime.spawn("returnBuffer", foreign),
      (error: unknown) =>
        error instanceof UncloneableValueError && /belongs to another runtime's heap/.test(error.message),
    );
    for (const size of [-1, 1.5, "8", 2 ** 31]) {
      assert.throws(
        // @ts-expect-error: a bad size on purpose
        () => runtime.alloc(size),
        (error: unknown) => error instanceof SpindleError && error.code === "INVALID_ARGUMENT",
      );
    }
  } finally {
    await Promise.all([runtime.shutdown(), other.shutdown()]);
  }
});

test("a buffer over 1 GiB is CAPACITY_EXCEEDED and the heap keeps working; alloc after shutdown says so", async () => {
  // Before: alloc(2^30 + 1) was rounded to a 2^31 block, which overflowed the heap's int32
  // offsets: a bare RangeError, then every later alloc and spawn threw RangeError.
  const { runtime } = await startTestRuntime({ workers: 1 });
  try {
    for (const size of [2 ** 30 + 1, 2 ** 31 - 1]) {
      assert.throws(
        () => runtime.alloc(size),
        (error: unknown) => error instanceof SpindleError && error.code === "CAPACITY_EXCEEDED",
        String(size),
      );
    }
    const buffer = runtime.alloc(64);
    buffer.release();
    assert.equal(await runtime.spawn("add", 1, 2), 3);
  } finally {
    await runtime.shutdown();
  }
  assert.throws(() => runtime.alloc(8), /cannot alloc\(\) a SharedBuffer: the runtime was shut down/);
});
