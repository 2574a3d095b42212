import assert from "node:assert/strict";
import { test } from "node:test";
import { withRuntime } from "@spindle/test-support";
import { startTestRuntime } from "./test-support/runtime.ts";

// Over 1,000,000 jobs: flat ones spawned from this thread in waves, and fork/join trees whose
// nodes are spawned inside jobs (and stolen between the workers). Every job counts itself in
// shared memory; every handle must settle with the expected value, every counter read exactly 1.
const FLAT = 700_000;
const WAVE = 50_000;
const TREES = 100;
const FANOUT = 3;
const DEPTH = 7;
const TREE_NODES = (FANOUT ** (DEPTH + 1) - 1) / (FANOUT - 1); // 3,280

test(`each of ${FLAT + TREES * TREE_NODES} jobs (flat and fork/join trees) runs exactly once`, async () => {
  await withRuntime(startTestRuntime({}, FLAT + TREES * TREE_NODES), async ({ runtime, counters }) => {
    for (let start = 0; start < FLAT; start += WAVE) {
      const handles = [];
      for (let i = start; i < start + WAVE; i++) handles.push(runtime.spawn("count", i));
      const results = await Promise.all(handles);
      const repeated = results.findIndex((r) => r !== 1);
      assert.equal(repeated, -1, `flat job ${start + repeated} saw its counter at ${results[repeated]}`);
    }
    const roots = [];
    for (let t = 0; t < TREES; t++) roots.push(runtime.spawn("tree", FLAT + t * TREE_NODES, 0, DEPTH, FANOUT));
    assert.deepEqual(await Promise.all(roots), new Array(TREES).fill(TREE_NODES));
    const wrong = counters.findIndex((count) => count !== 1);
    assert.equal(wrong, -1, `job ${wrong} ran ${counters[wrong]} times`);
    assert.equal(runtime.liveJobs, 0);
  });
});
