// Item 4 of issue 23: runtime.map, results in order, errors and aborts as for single jobs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, SpindleError } from "@spindle/core";
import { JobAbortedError, JobTimeoutError, UncloneableValueError, UnknownJobError } from "./mod.ts";
import { until } from "@spindle/test-support";
import { settleWithin, startTestRuntime } from "./test-support/runtime.ts";

/** Hang bound for each map, generous for a loaded 2-vCPU machine. */
const SETTLE_WITHIN_MS = 20_000;

test("map returns every result in the items' order, for any chunk size and iterable", async () => {
  const { runtime } = await startTestRuntime();
  try {
    const items = Array.from({ length: 10_001 }, (_, i) => i);
    const doubled = items.map((n) => n * 2);
    for (const chunkSize of [1, 7, 1_000, 10_001, 50_000]) {
      assert.deepEqual(await runtime.map("double", items, { chunkSize }), doubled, `chunkSize ${chunkSize}`);
    }
    assert.deepEqual(await runtime.map("double", items), doubled, "default chunk size");
    // A chunk larger than the worker's reused result buffer (65,536 numbers) gets one of its own.
    const large = Array.from({ length: 70_000 }, (_, i) => i + 0.5);
    assert.deepEqual(await runtime.map("double", large, { chunkSize: 70_000 }), large.map((n) => n * 2));
    assert.deepEqual(await runtime.map("doubleLater", items.slice(0, 500), { chunkSize: 16 }), doubled.slice(0, 500));
    assert.deepEqual(await runtime.map("double", new Set([3, 1, 2])), [6, 2, 4]);
    assert.deepEqual(await runtime.map("double", []), []);
    // Results that are arrays stay whole: only the chunks' arrays are joined.
    assert.deepEqual(await runtime.map("echo", [[1], [2, 3]], { chunkSize: 1 }), [[1], [2, 3]]);
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("a map's results are its own: later maps reusing the chunks' records and heap blocks leave them as they were", async () => {
  const { runtime } = await startTestRuntime();
  try {
    // A chunk's numbers are read lent from its record (job-map.ts) and copied out before the
    // record is released; typed arrays inside results are copies as always.
    const items = Array.from({ length: 3_000 }, (_, i) => i + 0.25);
    const first = await runtime.map("double", items, { chunkSize: 100 });
    const arrays = await runtime.map("echo", [new Float64Array([1.5, 2.5]), new Float64Array([3.5])], {
      chunkSize: 1,
    });
    await runtime.map("double", items.map((n) => -n), { chunkSize: 100 });
    await runtime.map("echo", [new Float64Array([-1, -1]), new Float64Array([-1])], { chunkSize: 1 });
    assert.deepEqual(first, items.map((n) => n * 2));
    assert.deepEqual(arrays.map((a) => [...(a as Float64Array)]), [[1.5, 2.5], [3.5]]);
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("map keeps every number exactly and any other item as it was, in chunks of numbers or mixed", async () => {
  const { runtime } = await startTestRuntime();
  try {
    // Chunks of numbers only cross as Float64Arrays (map-chunk.ts): -0, NaN, infinities, floats and
    // integers beyond int32 come back as they went; a chunk with one non-number goes as it was.
    const numbers = [-0, NaN, Infinity, -Infinity, 1.5, 2 ** 53, -(2 ** 31) - 1, 0];
    for (const chunkSize of [1, 3, 8]) {
      assert.deepEqual(await runtime.map("echo", numbers, { chunkSize }), numbers, `chunkSize ${chunkSize}`);
    }
    const mixed = [1, 2, "three", 4, 5, 6, null, 7n, { eight: 8 }, 9];
    assert.deepEqual(await runtime.map("echo", mixed, { chunkSize: 3 }), mixed);
    // Numbers in, other values out, and the coroutine path of a chunk, packed or not.
    assert.deepEqual(await runtime.map("echo", [[1], 2, [3]], { chunkSize: 2 }), [[1], 2, [3]]);
    assert.deepEqual(await runtime.map("doubleLater", [-0, 0.25, 3], { chunkSize: 2 }), [-0, 0.5, 6]);
    assert.equal(Object.is((await runtime.map("double", [-0]))[0], -0), true);
    // A chunk turns into a coroutine after some numbers (item 7 of each): the numbers written so
    // far into its worker's reused result buffer stay its own while other chunks run there.
    const many = Array.from({ length: 2_000 }, (_, i) => (i % 10 === 7 ? i : 2 * i));
    assert.deepEqual(
      await runtime.map("doubleOddLater", many, { chunkSize: 10 }),
      many.map((n) => n * 2),
    );
    assert.deepEqual(await runtime.map("echo", [0.5, -0, "two", 3], { chunkSize: 4 }), [0.5, -0, "two", 3]);
  } finally {
    await runtime.shutdown();
  }
});

test("a chunk of numbers whose results stop being numbers midway keeps every result and item", async () => {
  const { runtime } = await startTestRuntime();
  try {
    // A chunk of numbers writes its results over its items in the heap (map-chunk.ts); a result
    // that is not a number (item 5 of each chunk: 5.5) makes the rest go on in an array, and the
    // items after it must still be the ones sent.
    const items = Array.from({ length: 3_000 }, (_, i) => (i % 10 === 5 ? i + 0.5 : i));
    const expected = items.map((n) => Number.isInteger(n) ? n * 2 : `n ${n}`);
    for (const chunkSize of [10, 7, 3_000]) {
      assert.deepEqual(await runtime.map("doubleOrName", items, { chunkSize }), expected, `chunkSize ${chunkSize}`);
    }
  } finally {
    await runtime.shutdown();
  }
});

test("a chunk that is not all numbers gives back the heap block its numbers were being written to", async () => {
  // A chunk whose first item is a number is written straight into a heap block, which goes back
  // when an item turns out not to be one (job-record.ts, createNumbers). With the smallest heap
  // (1 MiB), a block of 128 KiB lost per map would fill it within 8 maps.
  const { runtime } = await startTestRuntime({ maxHeapBytes: 2 ** 20 });
  try {
    const items = Array.from({ length: 20_000 }, (_, i) => (i === 19_999 ? "last" : i));
    const expected = items.map((v) => typeof v === "number" ? v * 2 : `n ${v}`);
    for (let round = 0; round < 30; round++) {
      assert.deepEqual(await runtime.map("doubleOrName", items, { chunkSize: 10_000 }), expected, `round ${round}`);
    }
  } finally {
    await runtime.shutdown();
  }
});

test("a failing item fails the map with its error; queued chunks never run, none runs twice", async () => {
  const ITEMS = 2_000;
  const { runtime, counters } = await startTestRuntime({ workers: 2 }, ITEMS);
  try {
    // Item -1 leads the first chunk: its failure removes the chunks still queued (the others take
    // 1 ms each, about a second in all, against a few ms for the failure to reach this thread).
    const items = [-1, ...Array.from({ length: ITEMS - 1 }, (_, i) => i + 1)];
    const outcome = await settleWithin(runtime.map("checkItem", items, { chunkSize: 1 }), "the map", SETTLE_WITHIN_MS);
    assert.equal(outcome.status, "rejected");
    const error = (outcome as PromiseRejectedResult).reason as RangeError;
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, "item -1");
    assert.deepEqual(error.cause, { item: -1 });
    // Settled once every chunk had: nothing of the map runs on after it rejected.
    assert.equal(runtime.liveJobs, 0);
    const ran = counters.reduce((total, count) => total + count, 0);
    assert.ok(counters.every((count) => count <= 1), "an item ran twice");
    assert.ok(ran < ITEMS - 1, `the queued chunks were removed (${ran} of ${ITEMS - 1} ran)`);
    assert.deepEqual(await runtime.map("double", [1, 2]), [2, 4], "the runtime goes on");
  } finally {
    await runtime.shutdown();
  }
});

test("a map's signal aborts every chunk, running ones at their suspension point", async () => {
  const { runtime, counters } = await startTestRuntime({ workers: 2 });
  try {
    const controller = new AbortController();
    const map = runtime.map("waitItem", [0, 1, 2, 3], { chunkSize: 1, signal: controller.signal });
    await until(() => counters.slice(0, 4).every((count) => count === 1), "every chunk waiting");
    controller.abort(new Error("user left"));
    const outcome = await settleWithin(map, "the aborted map", SETTLE_WITHIN_MS);
    const error = (outcome as PromiseRejectedResult).reason;
    assert.ok(error instanceof JobAbortedError, String(error));
    assert.ok(error instanceof CancelledError);
    assert.equal((error.cause as Error).message, "user left");
    assert.deepEqual([...counters.slice(0, 4)], [2, 2, 2, 2], "every chunk's finally ran before the map settled");
    // Already aborted: fails at once, nothing runs.
    const before = runtime.stats().reduce((total, worker) => total + worker.jobsRun, 0);
    await assert.rejects(runtime.map("double", [1, 2, 3], { signal: controller.signal }), JobAbortedError);
    assert.equal(runtime.stats().reduce((total, worker) => total + worker.jobsRun, 0), before);
    const timedOut = await settleWithin(
      runtime.map("waitItem", [4, 5], { chunkSize: 1, timeout: 50 }),
      "the map with a deadline",
      SETTLE_WITHIN_MS,
    );
    assert.ok((timedOut as PromiseRejectedResult).reason instanceof JobTimeoutError);
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("bad map input rejects with a typed error naming the value; nothing is left queued", async () => {
  const { runtime } = await startTestRuntime({ workers: 1 });
  try {
    // @ts-expect-error: no such job
    await assert.rejects(runtime.map("nope", [1]), UnknownJobError);
    // Not an array or an iterable (array-likes included): before, 5 and true resolved [], null
    // threw a bare TypeError, { length: 2 } ran the job on two undefined items.
    for (const items of [5, true, null, undefined, { length: 2 }]) {
      await assert.rejects(
        // @ts-expect-error: not a collection on purpose
        runtime.map("double", items),
        (error: unknown) =>
          error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && /items/.test(error.message),
        String(items),
      );
    }
    // An iterable whose iteration fails: before, the engine's TypeError ("Iterator result 5 is not
    // an object") or the getter's own error, naming neither map() nor the items.
    const brokenItems = [
      { [Symbol.iterator]: () => ({ next: () => 5 }) },
      {
        [Symbol.iterator]: () => ({
          next: () => ({
            get done(): never {
              throw new Error("done getter");
            },
          }),
        }),
      },
    ];
    for (const items of brokenItems) {
      await assert.rejects(
        runtime.map("double", items as never),
        (error: unknown) =>
          error instanceof SpindleError && error.code === "INVALID_ARGUMENT" &&
          /^map\(\) items must be an array or an iterable, got an object whose iteration threw/.test(error.message) &&
          error.cause instanceof Error,
      );
    }
    for (const chunkSize of [0, 1.5, -1, "2"]) {
      await assert.rejects(
        // @ts-expect-error: a bad chunk size on purpose
        runtime.map("double", [1], { chunkSize }),
        (error: unknown) =>
          error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && /chunkSize/.test(error.message),
      );
    }
    await assert.rejects(
      runtime.map("echo", [1, 2, 3, () => 4], { chunkSize: 2 }),
      (error: unknown) => error instanceof UncloneableValueError && /job "echo"/.test(error.message),
    );
    assert.equal(runtime.liveJobs, 0, "the chunk spawned before the bad one was removed or settled");
  } finally {
    await runtime.shutdown();
  }
});

test("an item that cannot cross threads is named by its index in the map's items, not in its chunk", async () => {
  const { runtime } = await startTestRuntime({ workers: 1 });
  try {
    const items: unknown[] = Array.from({ length: 100 }, (_, i) => ({ i }));
    items[77] = { i: 77, callback: () => 77 };
    await assert.rejects(
      runtime.map("echo", items, { chunkSize: 10 }),
      (error: unknown) =>
        error instanceof UncloneableValueError && error.path === "items[77].callback" &&
        /job "echo": items\[77\]\.callback \(function/.test(error.message),
    );
    // The first chunk too, and a chunk of one item.
    for (const chunkSize of [1, 1_000]) {
      await assert.rejects(
        runtime.map("echo", [1, Symbol("three"), 3], { chunkSize }),
        (error: unknown) => error instanceof UncloneableValueError && error.path === "items[1]",
        `chunkSize ${chunkSize}`,
      );
    }
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});

test("a result that cannot cross threads is named by its item's index in the map's result, not in its chunk", async () => {
  const { runtime } = await startTestRuntime({ workers: 1 });
  try {
    const items = Array.from({ length: 100 }, (_, i) => ({ i, callback: i === 77 }));
    await assert.rejects(
      runtime.map("withCallback", items, { chunkSize: 10 }),
      (error: unknown) =>
        error instanceof Error && error.name === "UncloneableValueError" &&
        /job "withCallback": result\[77\]\.callback \(function/.test(error.message),
    );
    // A chunk of one item, and the first chunk.
    for (const chunkSize of [1, 1_000]) {
      await assert.rejects(
        runtime.map("withCallback", items.slice(70), { chunkSize }),
        (error: unknown) => error instanceof Error && /: result\[7\]\.callback /.test(error.message),
        `chunkSize ${chunkSize}`,
      );
    }
    assert.equal(runtime.liveJobs, 0);
  } finally {
    await runtime.shutdown();
  }
});
