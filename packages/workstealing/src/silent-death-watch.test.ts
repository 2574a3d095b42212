// The silent-death watch's heap estimate (silent-death-watch.ts), driven by hand: one processor's
// words in a shared state, a clock and an RSS source of the test's own, no worker threads. A
// machine whose job fills its heap before the watch's first look after the job's start must still
// be taken for dead: the growth counts from a reading before its last beat. (Counted from the
// first look that found it still, the growth was nil and the machine, never terminated, held its
// job for ever: a Deno test run hung so.) A wait of the runtime's thread for a lock such a machine
// holds asks the watch too, and ends once the lock is recovered (silent-lock-holder.test.ts runs a
// whole runtime so on Deno).
import assert from "node:assert/strict";
import { test } from "node:test";
import { WakeTable } from "@spindle/core";
import { HeartbeatWatch } from "./heartbeat-watch.ts";
import { RUNTIME_THREAD, SharedState } from "./shared-state.ts";
import { SILENT_AFTER_MS, SilentDeathWatch } from "./silent-death-watch.ts";
import { sharedStateSetup } from "./test-support/shared-setup.ts";
import { holdHeapLock, releaseHeapLock } from "../../codec/src/shared-heap.ts";

const LIMIT_MIB = 48;
/** The runtime's tick (runtime.ts, BLOCKED_CHECK_MS). */
const TICK_MS = 10;

/**
 * A watch over one processor whose process's RSS is `rss.mib`, as the test sets it; `checkHolder`
 * is the runtime's thread's check while it waits for a lock the processor holds (see SharedState).
 */
function watched(
  checkHolder?: (p: number, watch: SilentDeathWatch, shared: SharedState) => void,
): { shared: SharedState; watch: SilentDeathWatch; rss: { mib: number } } {
  const shared: SharedState = new SharedState(
    sharedStateSetup([WakeTable.createBuffer()], 1 << 20),
    RUNTIME_THREAD,
    checkHolder === undefined ? undefined : (p) => checkHolder(p, watch, shared),
  );
  const rss = { mib: 100 };
  const watch = new SilentDeathWatch(
    shared.processors,
    new HeartbeatWatch(shared.processors),
    LIMIT_MIB,
    (p) => shared.holdsLock(p),
    () => rss.mib * 1024,
  );
  watch.forget(0); // as the runtime does when it starts the machine
  return { shared, watch, rss };
}

/** The watch's findings on every tick from `from` until `to` (ms). */
function look(watch: SilentDeathWatch, from: number, to: number): (string | null)[] {
  const findings: (string | null)[] = [];
  for (let now = from; now <= to; now += TICK_MS) findings.push(watch.check(0, now));
  return findings;
}

test("a machine that filled its heap between two looks, then stood still, is taken for dead", () => {
  const { shared, watch, rss } = watched();
  const processor = shared.processor(0);
  processor.publishHeapKib(10 * 1024);
  processor.beat(); // its first turn
  assert.deepEqual(look(watch, 0, 100), Array(11).fill(null), "an idle machine");
  // A job starts (a beat, with 10 MiB published) and allocates 40 MiB before the next look.
  processor.setCurrent(7);
  processor.beat();
  rss.mib += 40;
  const findings = look(watch, 110, 110 + SILENT_AFTER_MS + 3 * TICK_MS);
  const finding = findings.find((f) => f !== null);
  assert.ok(finding !== undefined, "taken for dead");
  assert.match(
    finding,
    /worker 0 stopped near its heap limit \(limit 48 MiB; 10 MiB at its last turn, and the process grew by 40 MiB since\)/,
  );
  assert.equal(findings.indexOf(finding) * TICK_MS >= SILENT_AFTER_MS, true, "only once it stood still that long");
});

test("growth while the machine turned, before its last beat, is not counted: a long job with little heap is left alone", () => {
  const { shared, watch, rss } = watched();
  const processor = shared.processor(0);
  processor.setCurrent(7);
  for (let now = 0; now <= 50; now += TICK_MS) {
    if (now === 20) rss.mib += 40; // while it turned, between the watch's looks
    processor.publishHeapKib(12 * 1024);
    processor.beat();
    look(watch, now, now);
  }
  processor.beat(); // its last beat, a tick after the growth was read
  rss.mib += 2; // what its job allocated since
  const findings = look(watch, 60, 60 + 2 * SILENT_AFTER_MS);
  assert.deepEqual(findings.filter((f) => f !== null), [], "12 MiB + 2 MiB is far below 85 % of 48 MiB");
  assert.match(
    watch.quietExitCause(0).message,
    /below its heap limit .*12 MiB at its last turn, and the process grew by 2 MiB since/,
  );
});

test("a machine not looked at since it started counts growth from its start", () => {
  const { shared, watch, rss } = watched();
  const processor = shared.processor(0);
  processor.setCurrent(7);
  processor.publishHeapKib(8 * 1024);
  processor.beat();
  rss.mib += 35; // before the watch's first look at it
  const findings = look(watch, 0, SILENT_AFTER_MS + 2 * TICK_MS);
  assert.match(String(findings.at(-1)), /8 MiB at its last turn, and the process grew by 35 MiB since/);
});

test("a machine holding no job but a lock of shared memory, still near its limit, is taken for dead", () => {
  const { shared, watch, rss } = watched();
  const processor = shared.processor(0);
  processor.publishHeapKib(40 * 1024);
  processor.beat();
  look(watch, 0, 20);
  assert.deepEqual(look(watch, 30, 30 + 2 * SILENT_AFTER_MS).filter((f) => f !== null), [], "idle, no lock");
  // Its machine (participant 1: processor 0) takes the heap's lock, grows, and stops there.
  const machineView = new SharedState(shared.setup, 1);
  holdHeapLock(machineView.heap);
  try {
    processor.beat();
    rss.mib += 5;
    assert.equal(shared.holdsLock(0), true);
    const findings = look(watch, 3_000, 3_000 + SILENT_AFTER_MS + 3 * TICK_MS);
    assert.match(String(findings.at(-1)), /worker 0 stopped near its heap limit/);
  } finally {
    releaseHeapLock(machineView.heap);
  }
  assert.equal(shared.holdsLock(0), false);
});

test("a wait of the runtime's thread for the heap's lock asks the watch about its holder, and ends once a dead one's lock is recovered", () => {
  let now = 0;
  const asked: number[] = [];
  // As the runtime's check (runtime.ts, #checkLockHolder): the watch's look, then the recovery.
  const { shared, watch, rss } = watched((p, watch, shared) => {
    asked.push(p);
    if (watch.check(p, now) !== null) shared.recoverLocksOf(p);
  });
  const processor = shared.processor(0);
  processor.publishHeapKib(20 * 1024);
  processor.beat();
  // Its machine (participant 1) takes the heap's lock, grows near its limit and stops there.
  const machine = new SharedState(shared.setup, 1);
  holdHeapLock(machine.heap);
  rss.mib += 30;
  for (; now <= 50; now += TICK_MS) assert.equal(watch.check(0, now), null, "not still long enough yet");
  now += SILENT_AFTER_MS; // no tick came since: the runtime's thread was busy
  // Records come from the thread's cache; a block does not: this waits for the lock.
  const block = shared.heap.alloc(1_000);
  assert.deepEqual(asked, [0], "asked about processor 0, once");
  assert.equal(shared.holdsLock(0), false, "its lock recovered");
  shared.heap.free(block, 1_000);
  releaseHeapLock(machine.heap); // the dead machine's unlock: no longer its lock, a no-op
  assert.equal(shared.heap.lockHolder(), 0);
});
