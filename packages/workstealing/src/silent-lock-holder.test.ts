// A machine that died silently (no exit event: Deno, out of heap) holding a lock of shared memory
// must not fail the runtime's thread's next wait for that lock (a spawn's) with DEADLOCK after the
// runtime's patience (5 s): the wait asks the silent-death watch about the holder, as a tick would,
// and recovers the lock of a machine the watch takes for dead. Before, the watch only looked on its
// ticks, which the blocked thread never reached, and the first spawn in that window failed. (The
// wait's check alone, driven by hand on every runtime: silent-death-watch.test.ts.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { runtime as runtimeName, until } from "@spindle/test-support";
import { Runtime, WorkerLostError } from "./mod.ts";
import { processRss, SILENT_AFTER_MS, watchesSilentDeaths } from "./silent-death-watch.ts";
import { reasonOf, settleWithin } from "./test-support/runtime.ts";
import type jobs from "./test-support/heap-lock-jobs.ts";

const LIMIT_MIB = 64;
/** Hang bound for a job, generous for a loaded 2-vCPU machine (a worker's start under `deno test` takes seconds). */
const SETTLE_MS = 60_000;

if (runtimeName === "deno") {
  test("deno: the first spawn after a machine died silently holding the heap's lock succeeds, and the machine's job fails with the watch's finding", async () => {
    const realRss = processRss.readKib;
    const rss = { mib: 100 };
    processRss.readKib = () => rss.mib * 1024;
    const runtime = await Runtime.start<typeof jobs>(new URL("./test-support/heap-lock-jobs.ts", import.meta.url), {
      workers: 2,
      maxExtraMachines: 0,
      resourceLimits: { maxOldGenerationSizeMb: LIMIT_MIB },
    });
    const flag = runtime.alloc(8);
    const words = flag.array(Int32Array);
    try {
      // Worker A takes the heap's lock and stands still there (blocked, as a thread dead of its
      // heap sleeps); the watch looks at it on every tick, and, the RSS flat, leaves it alone.
      const holder = runtime.spawn("holdHeapLockUntilFreed", flag);
      await until(() => Atomics.load(words, 0) === 1, "the holder taking the heap's lock", SETTLE_MS);
      await new Promise((resolve) => setTimeout(resolve, 2 * SILENT_AFTER_MS));
      // The process grows by about A's limit, and before any tick sees it, a spawn needs the heap
      // (its argument is too long for a job record).
      rss.mib += LIMIT_MIB;
      const text = "x".repeat(1_000);
      const spawned = runtime.spawn("textLength", text);
      rss.mib -= LIMIT_MIB;
      const outcome = await settleWithin(spawned, "the spawned job", SETTLE_MS);
      assert.deepEqual(outcome, { status: "fulfilled", value: text.length });
      const reason = reasonOf(await settleWithin(holder, "the holder", SETTLE_MS), "the holder");
      assert.ok(reason instanceof WorkerLostError, `a WorkerLostError, got ${String(reason)}`);
      assert.match(String((reason.cause as Error).message), /worker \d+ stopped near its heap limit/);
    } finally {
      // A thread Deno's terminate() did not stop (blocked in Atomics.wait, then woken) returns,
      // without giving back the lock that is no longer its own.
      Atomics.store(words, 1, 2);
      Atomics.notify(words, 1);
      processRss.readKib = realRss;
      await runtime.shutdown({ mode: "cancel" });
    }
  });
} else {
  test(`${runtimeName}: no silent-death watch, so no lock is recovered before the holder's exit event`, () => {
    // Node reports a worker dead of its heap limit (`error`, then `exit`, whose handler recovers its
    // locks), and Bun applies no heap limit: the watch is Deno's alone.
    assert.equal(watchesSilentDeaths(LIMIT_MIB), false);
  });
}
