// A machine that died silently (no exit event: Deno, out of heap) holding a lock of shared memory
// must not fail the runtime's thread's next wait for that lock (a spawn's) with DEADLOCK after the
// runtime's patience (5 s): the wait asks the silent-death watch about the holder, as a tick would,
// and recovers the lock of a machine the watch takes for dead. Before, the watch only looked on its
// ticks, which the blocked thread never reached, and the first spawn in that window failed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WakeTable } from "@spindle/core";
import { runtime as runtimeName, until } from "@spindle/test-support";
import { HeartbeatWatch } from "./heartbeat-watch.ts";
import { Runtime, WorkerLostError } from "./mod.ts";
import { RUNTIME_THREAD, SharedState } from "./shared-state.ts";
import { processRss, SILENT_AFTER_MS, SilentDeathWatch, watchesSilentDeaths } from "./silent-death-watch.ts";
import { sharedStateSetup } from "./test-support/shared-setup.ts";
import { reasonOf, settleWithin } from "./test-support/runtime.ts";
import type jobs from "./test-support/heap-lock-jobs.ts";
import { holdHeapLock, releaseHeapLock } from "../../codec/src/shared-heap.ts";

const LIMIT_MIB = 64;
/** Hang bound for a job, generous for a loaded 2-vCPU machine (a worker's start under `deno test` takes seconds). */
const SETTLE_MS = 60_000;

test("a wait of the runtime's thread for the heap's lock asks the watch about its holder, and ends once a dead one's lock is recovered", () => {
  // One processor, driven by hand: the watch's clock and RSS are the test's (silent-death-watch.test.ts).
  const setup = sharedStateSetup([WakeTable.createBuffer()], 1 << 20);
  const rss = { mib: 100 };
  let now = 0;
  const asked: number[] = [];
  // As the runtime's check (runtime.ts, #checkLockHolder): the watch's look, then the recovery.
  const shared: SharedState = new SharedState(setup, RUNTIME_THREAD, (p) => {
    asked.push(p);
    if (watch.check(p, now) !== null) shared.recoverLocksOf(p);
  });
  const watch = new SilentDeathWatch(
    shared.processors,
    new HeartbeatWatch(shared.processors),
    LIMIT_MIB,
    (p) => shared.holdsLock(p),
    () => rss.mib * 1024,
  );
  watch.forget(0);
  const processor = shared.processor(0);
  processor.publishHeapKib(20 * 1024);
  processor.beat();
  // Its machine (participant 1) takes the heap's lock, grows near its limit and stops there.
  const machine = new SharedState(setup, 1);
  holdHeapLock(machine.heap);
  rss.mib += 40;
  for (; now <= 50; now += 10) assert.equal(watch.check(0, now), null, "not still long enough yet");
  now += SILENT_AFTER_MS; // no tick came since: the runtime's thread was busy
  // Records come from the thread's cache; a block does not: this waits for the lock.
  const block = shared.heap.alloc(1_000);
  assert.deepEqual(asked, [0], "asked about processor 0, once");
  assert.equal(shared.holdsLock(0), false, "its lock recovered");
  shared.heap.free(block, 1_000);
  releaseHeapLock(machine.heap); // the dead machine's unlock: no longer its lock, a no-op
  assert.equal(shared.heap.lockHolder(), 0);
});

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
