// Port of piscina's test/atomics-optimization.ts (piscinajs/piscina
// 4e9791fd46b61c638e7ad05f14ec4540d40898aa) onto @spindle/workstealing, written from its README.
// piscina's tests cover its own wake-up path (a result posted while the main thread checks an
// Atomics word); what they check from outside is ported: four jobs that block their workers run
// two at a time on two workers (`maxExtraMachines: 0`: no extra machine joins them), and a burst of
// 10,000 spawns all complete.
import assert from "node:assert/strict";
import { test } from "node:test";
import { within, withRuntime } from "./piscina/support.ts";

/** Bits set in the low byte. */
const popcount8 = (v: number): number => [...(v & 0xff).toString(2)].filter((bit) => bit === "1").length;

/** Resolves once at least `n` bits of word 0 are set; returns the word. */
async function bitsSet(words: Int32Array, n: number): Promise<number> {
  for (;;) {
    const v = Atomics.load(words, 0);
    if (popcount8(v) >= n) return v;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("coverage test for Atomics optimization", async () => {
  await withRuntime({ workers: 2, maxExtraMachines: 0 }, async (runtime, words) => {
    const tasks = Array.from({ length: 4 }, (_, index) => runtime.spawn("setBitThenWait", 0, index));
    const first = await within("two jobs wait", 30_000, bitsSet(words, 2));
    assert.equal(popcount8(first), 2, "exactly two jobs hold the two workers");
    Atomics.store(words, 0, 0); // pairs with the jobs' Atomics.load: both return
    Atomics.notify(words, 0);
    const second = await within("the other two wait", 30_000, bitsSet(words, 2));
    assert.equal(popcount8(second), 2);
    assert.equal(first & second, 0, "the other two jobs");
    Atomics.store(words, 0, 0);
    Atomics.notify(words, 0);
    assert.deepEqual((await within("jobs", 30_000, Promise.all(tasks))).sort(), [0, 1, 2, 3]);
  });
});

test("avoids unbounded recursion", async () => {
  await withRuntime({ workers: 2 }, async (runtime) => {
    const tasks = Array.from({ length: 10_000 }, () => runtime.spawn("isWorker"));
    const results = await within("10,000 jobs", 60_000, Promise.all(tasks));
    assert.ok(results.every((onWorker) => onWorker === true));
  });
});
