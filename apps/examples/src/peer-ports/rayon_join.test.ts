// Port of rayon-core's src/join/test.rs (rayon-rs/rayon c4dac9f82ee03f61e855075b668229a9e4d759ad)
// onto @spindle/workstealing, written from its README ("Data-parallel helpers": `join`). Rayon's
// closures are jobs of rayon/jobs.ts; `join(|| a, || b)` is `yield* join(jobs.spawn(a),
// jobs.spawn(b))` inside a job; a panic is a thrown error, and `#[should_panic(expected)]` is the
// job's handle failing with that message. A thread pool is a runtime (`pool.install(op)` is
// `runtime.spawn(op)`).
//
// Differs on purpose (README: `join` "if `a` fails, `b` is aborted and waited for"): rayon runs b
// to its end when a panics (`panic_b_still_executes`); here b is aborted, so the port asserts what
// rayon's test is there for, that no child outlives the join (b either never started or ended).
// `join_context`'s `migrated()` is read as "ran on another thread than the joining job".
import assert from "node:assert/strict";
import { test } from "node:test";
import { PANIC } from "./rayon/jobs.ts";
import { noChildOutlives, ONE_THREAD, withPool } from "./rayon/support.ts";
import { within } from "./piscina/support.ts";

/** `count` pseudo-random u32 values from a fixed seed (rayon's `seeded_rng`, as xorshift32). */
function seededValues(count: number): Uint32Array {
  const values = new Uint32Array(count);
  let x = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    values[i] = x >>> 0;
  }
  return values;
}

async function sortInPool(count: number, workers?: number): Promise<void> {
  await withPool(workers === undefined ? {} : { workers }, async (runtime) => {
    const data = seededValues(count);
    const buffer = runtime.alloc(data.byteLength);
    buffer.array(Uint32Array).set(data);
    await within("quickSort", 120_000, runtime.spawn("quickSort", buffer, 0, count));
    assert.deepEqual(Array.from(buffer.array(Uint32Array)), Array.from(data.sort()));
    buffer.release();
  });
}

test("sort", async () => {
  await sortInPool(6 * 1024, 2);
});

test("sort_in_pool", async () => {
  await sortInPool(12 * 1024);
});

test("panic_propagate_a", async () => {
  // The child's error reaches the joiner's joiner whole: its name, message and cause.
  await withPool({ workers: 2 }, async (runtime) => {
    await assert.rejects(Promise.resolve(runtime.spawn("joinFailA")), (error: Error) => {
      assert.equal(error.name, "PanicError");
      assert.equal(error.message, PANIC);
      assert.ok(error.cause instanceof RangeError, "the cause crosses as a RangeError");
      assert.equal(error.cause.message, "the root cause");
      return true;
    });
  });
});

test("panic_propagate_b", async () => {
  await withPool({ workers: 2 }, async (runtime) => {
    await assert.rejects(Promise.resolve(runtime.spawn("joinFailB")), { message: PANIC });
  });
});

test("panic_propagate_both", async () => {
  // a's error: the join waits for a first, as rayon's propagates a's panic.
  await withPool({ workers: 2 }, async (runtime) => {
    await assert.rejects(Promise.resolve(runtime.spawn("joinFailBoth")), { message: PANIC });
  });
});

test("panic_b_still_executes (to the documented abort: b does not outlive the join)", async () => {
  await noChildOutlives("joinFailThenMark", PANIC);
});

test("join_context_both", async () => {
  // Outside a pool both closures are injected: jobs spawned from the runtime's thread run on workers.
  await withPool({ workers: 2 }, async (runtime) => {
    const [a, b] = await Promise.all([runtime.spawn("threadId"), runtime.spawn("threadId")]);
    assert.notEqual(a, 0, "a ran on a worker thread");
    assert.notEqual(b, 0, "b ran on a worker thread");
  });
});

test("join_context_neither", async () => {
  await withPool(ONE_THREAD, async (runtime) => {
    const [parent, a, b] = await runtime.spawn("joinThreads");
    assert.equal(a, parent, "a not migrated");
    assert.equal(b, parent, "b not migrated");
  });
});

test("join_context_second", async () => {
  // Both children wait for each other, so one of them must be stolen by the second worker. Rayon
  // runs a inline and names b; here a child no worker took yet runs in place, and a thief may take
  // either (b from the slot, or a from the deque before the join reaches it): exactly one migrates.
  await withPool({ workers: 2, maxExtraMachines: 0 }, async (runtime) => {
    const [parent, a, b] = await within("joinBarrier", 60_000, runtime.spawn("joinBarrier", 0));
    assert.notEqual(a, b, "a and b ran at once, on two threads");
    assert.ok(a === parent || b === parent, "one of them ran on the joining job's thread");
  });
});

test("join_counter_overflow", async () => {
  // Rayon hammers 500,000 joins on 32-bit counters; 100,000 here (each join is two jobs).
  await withPool({ workers: 2 }, async (runtime) => {
    const MAX = 100_000;
    assert.deepEqual(await within("joins", 120_000, runtime.spawn("joinCounts", MAX)), [MAX, MAX]);
  });
});
