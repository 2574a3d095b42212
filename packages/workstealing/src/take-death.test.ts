// A worker whose thread ends after it took a job out of a queue (its slot, its deque, or a batch
// from the injector, the rest of which it pushes onto its deque) and before it named the job in
// its processor's CURRENT, or in a job's spawn of a child before the child shows in the slot or
// the deque: as V8 ends a thread over `resourceLimits.maxOldGenerationSizeMb`, at any call. The
// thread is ended before each `Atomics` call in turn, from the end of the job before until the
// taken jobs start (or from the spawn's start until it returns); each time every job settles once,
// none runs twice, the live count comes back to 0 and the worker is replaced. Before, the runtime
// knew only what CURRENT and the running list named: a job in the machine's hands was lost, its
// handle waited for good, and a draining shutdown with it.
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { WakeTable } from "@spindle/core";
import { Runtime, type RuntimeOptions } from "./mod.ts";
import { sharedStateOf } from "./runtime.ts";
import { BLOCK_BYTES } from "@spindle/codec";
import { heapBytesInUse } from "../../codec/src/shared-heap.ts";
import { until } from "@spindle/test-support";
import { settleWithin } from "./test-support/runtime.ts";
import type jobs from "./test-support/take-death-jobs.ts";
import {
  HELD,
  PAUSE_THIEF,
  PUSHED_INSTEAD,
  RELEASING,
  SIGNAL_WORDS,
  SPAWN_COUNTED,
  type TakeDeathWords,
  THIEF_AT,
  THIEF_CALL,
  THIEF_GO,
  THIEF_MARKED,
  thiefTake,
  VICTIM_TOO,
} from "./test-support/take-death-jobs.ts";

// Hang bounds, not measures: a replacement worker starts in seconds under load.
const SETTLE_MS = Number(process.env.TAKE_DEATH_MS ?? 30_000);
/** More calls than any window here takes (the test stops at the first call no thread reaches). */
const MAX_CALLS = Number(process.env.TAKE_DEATH_MAX ?? 400);

async function start(words: TakeDeathWords, workers: number): Promise<Runtime<typeof jobs>> {
  const options: RuntimeOptions = { workers, maxExtraMachines: 0, workerData: words };
  return await Runtime.start<typeof jobs>(new URL("./test-support/take-death-jobs.ts", import.meta.url), options);
}

function sharedWords(children: number): TakeDeathWords {
  const words = (n: number) => new Int32Array(new SharedArrayBuffer(n * 4));
  return { runs: words(children), exits: words(1), signals: words(SIGNAL_WORDS) };
}

/**
 * The bytes of the runtime's shared heap in use (records and blocks neither free nor in a
 * thread's record cache, `heapBytesInUse`).
 */
function heapInUse(runtime: Runtime<typeof jobs>, workers: number): number {
  const state = sharedStateOf(runtime);
  return heapBytesInUse(state.heap, Array.from({ length: workers + 1 }, (_, q) => state.recordCacheOf(q)));
}

/**
 * Waits (bounded) until the heap's bytes in use are `expected` again (the last releases may trail
 * the settlements), then checks that they are. Call it once no dead worker's exit is unhandled:
 * this thread may wait for the heap's lock.
 */
async function expectInUse(runtime: Runtime<typeof jobs>, expected: number, what: string): Promise<void> {
  let inUse = -1;
  await until(() => (inUse = heapInUse(runtime, 1)) === expected, `${what}: the heap's bytes in use`, SETTLE_MS)
    .catch((error: unknown) => {
      if (inUse === -1) throw error; // the heap could not be read (a free list that cycles, say)
    });
  assert.equal(inUse, expected, `${what}: the heap's bytes in use`);
}

/** Whether a job's outcome is one a death may leave: its value, or the loss of its worker. */
function assertOnce(outcome: PromiseSettledResult<number>, value: number, what: string): void {
  if (outcome.status === "fulfilled") assert.equal(outcome.value, value, what);
  else assert.equal((outcome.reason as Error).name, "WorkerLostError", `${what}: ${String(outcome.reason)}`);
}

/**
 * Ends the worker before its `call`-th Atomics call after `round` begins, for call = 1, 2, … until
 * the taken jobs start before it; checks each round.
 */
async function everyCall(
  name: string,
  children: number,
  round: (runtime: Runtime<typeof jobs>, words: TakeDeathWords, call: number) => Promise<void>,
  workers = 1,
  firstCall = 1,
): Promise<number> {
  const words = sharedWords(children);
  const registeredBefore = WakeTable.forThisThread().registered;
  const runtime = await start(words, workers);
  let deaths = 0;
  let failed = false;
  try {
    for (let call = firstCall; call <= MAX_CALLS + firstCall; call++) {
      words.runs.fill(0);
      words.signals.fill(0);
      const exitsBefore = words.exits[0];
      await round(runtime, words, call);
      await until(() => runtime.liveJobs === 0, `${name}, call ${call}: every job settled`, SETTLE_MS);
      for (let i = 0; i < children; i++) {
        assert.ok(words.runs[i]! <= 1, `${name}, call ${call}: child ${i} ran ${words.runs[i]} times`);
      }
      const next = await settleWithin(runtime.spawn("child", 0), `${name}, call ${call}: the next job`, SETTLE_MS);
      assert.deepEqual(next, { status: "fulfilled", value: 0 }, `${name}, call ${call}: the worker runs jobs`);
      if (words.exits[0] === exitsBefore) return deaths; // the jobs started before this call
      deaths++;
    }
    throw new assert.AssertionError({ message: `${name}: the thread still ended at call ${MAX_CALLS}` });
  } catch (error) {
    failed = true;
    // The failure is the news, not this shutdown's outcome; waited for (bounded) so that its
    // threads do not run on into the next test.
    await settleWithin(runtime.shutdown({ mode: "cancel" }), `${name}: the shutdown after a failure`, SETTLE_MS)
      .catch(() => {});
    throw error;
  } finally {
    if (!failed) {
      const shutdown = await settleWithin(runtime.shutdown(), `${name}: the shutdown`, SETTLE_MS);
      assert.equal(shutdown.status, "fulfilled", `${name}: the shutdown`);
      // A slot left registered would hold this process open after the tests (see
      // wake-registrations.test.ts).
      assert.equal(WakeTable.forThisThread().registered, registeredBefore, `${name}: wake slots left registered`);
    }
  }
}

for (const [where, children] of [["slot", 1], ["deque", 2]] as const) {
  test(`a worker that ends on its way to a child it takes from its ${where} leaves it to run once`, async () => {
    const deaths = await everyCall(where, children, async (runtime, _words, call) => {
      const parent = await settleWithin(
        runtime.spawn("spawnThenExit", call, children),
        `${where}: the parent`,
        SETTLE_MS,
      );
      assertOnce(parent, call, `${where}, call ${call}: the parent`);
    });
    assert.ok(deaths > 0, `${where}: no call ended the thread`);
  });
}
// A worker ends in a job's spawn of a child: before each `Atomics` call in turn from the spawn's
// start until it returns, with the slot empty (the child goes there) or holding the child spawned
// before (which the spawn moves to the deque), its record cache empty (the spawn fills it under
// the heap's lock), the child's arguments inline in its record or in a block of the heap. Before,
// a death between the child's count and its publication (its slot's load, its store, the bump's
// compare-exchange) left a child in no queue: the live count never came back to 0, and a draining
// shutdown waited for good; and a death before the count (in the record's allocation, or its
// arguments') left the record and the block allocated until the runtime ended, as it did the
// dead worker's whole record cache: the heap's bytes in use then grew by each death.
const spawnCases = [["an empty slot", 1, 0], ["a full slot, arguments in a heap block", 2, 200]] as const;
for (const [where, children, padding] of spawnCases) {
  test(`a worker that ends in a spawn into ${where} leaves the child to run once and its memory to the heap`, async () => {
    const spawned = children - 1; // the child whose spawn the thread ends in
    let ranAfterDeath = 0;
    let uncounted = 0;
    let inUseBefore = -1;
    const deaths = await everyCall(where, children, async (runtime, words, call) => {
      if (inUseBefore < 0) inUseBefore = heapInUse(runtime, 1);
      const parent = await settleWithin(
        runtime.spawn("exitInSpawn", call, children, "x".repeat(padding)),
        `${where}: the parent`,
        SETTLE_MS,
      );
      assertOnce(parent, call, `${where}, call ${call}: the parent`);
      await until(() => runtime.liveJobs === 0, `${where}, call ${call}: every job settled`, SETTLE_MS);
      for (let i = 0; i < spawned; i++) {
        assert.equal(words.runs[i], 1, `${where}, call ${call}: child ${i}, spawned before, ran once`);
      }
      // A child counted before the death runs once; one that was not (a death in its record's
      // allocation, say) never runs, and was never live.
      const counted = parent.status === "fulfilled" || Atomics.load(words.signals, SPAWN_COUNTED) === 1;
      assert.equal(
        words.runs[spawned],
        counted ? 1 : 0,
        `${where}, call ${call}: the child's runs (counted: ${counted})`,
      );
      if (parent.status === "rejected" && counted) ranAfterDeath++;
      if (!counted) uncounted++;
      // Every record and block comes back: the jobs' (their handles were awaited or detached),
      // and what the dead worker held (its record cache, the child's record and block).
      await expectInUse(runtime, inUseBefore, `${where}, call ${call}`);
    });
    assert.ok(deaths > 0, `${where}: no call ended the thread`);
    assert.ok(ranAfterDeath > 0, `${where}: no death left the child to run`);
    assert.ok(uncounted > 0, `${where}: no death came before the child's count`);
  });
}

// A worker ends in a spawn whose slot holds a thief's mark: the thief (the other worker) took the
// child spawned before from the slot of this worker, stuck in its job, and is paused before it
// names it, so that the spawn pushes its child onto the deque instead (PUSHING_NEW). The worker
// ends before each `Atomics` call of that spawn in turn; the thief then goes on.
test("a worker that ends in a spawn while a thief's mark holds its slot leaves each child to run once", async () => {
  const name = "thief's mark";
  let pushedInstead = 0;
  const deaths = await everyCall(name, 2, async (runtime, words, call) => {
    const { signals } = words;
    Atomics.store(signals, PAUSE_THIEF, 1);
    const parent = runtime.spawn("spawnPastThief", call);
    await until(() => Atomics.load(signals, 0) === 1, `${name}, call ${call}: the parent runs`, SETTLE_MS);
    // Each nudge wakes the other worker, whose search then takes the stuck worker's slot.
    const nudges = [];
    for (const since = Date.now(); Atomics.load(signals, THIEF_MARKED) === 0 && Date.now() - since < SETTLE_MS;) {
      nudges.push(runtime.spawn("nudge"));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(Atomics.load(signals, THIEF_MARKED), 1, `${name}, call ${call}: a thief marked the slot`);
    const outcome = await settleWithin(parent, `${name}: the parent`, SETTLE_MS);
    assertOnce(outcome, call, `${name}, call ${call}: the parent`);
    Atomics.store(signals, THIEF_GO, 1);
    Atomics.notify(signals, THIEF_GO);
    for (const nudge of nudges) {
      assertOnce(await settleWithin(nudge, `${name}: a nudge`, SETTLE_MS), 0, `${name}: a nudge`);
    }
    await until(() => runtime.liveJobs === 0, `${name}, call ${call}: every job settled`, SETTLE_MS);
    assert.equal(words.runs[0], 1, `${name}, call ${call}: the thief's child ran once`);
    const counted = outcome.status === "fulfilled" || Atomics.load(signals, SPAWN_COUNTED) === 1;
    assert.equal(
      words.runs[1],
      counted ? 1 : 0,
      `${name}, call ${call}: the pushed child's runs (counted: ${counted})`,
    );
    if (Atomics.load(signals, PUSHED_INSTEAD) === 1) pushedInstead++;
  }, 2);
  assert.ok(deaths > 0, `${name}: no call ended the thread`);
  assert.ok(pushedInstead > 0, `${name}: no spawn found the thief's mark`);
});

// A worker ends while it settles a job whose handle was detached: before each `Atomics` call in
// turn from the job's return until its settlement dropped the last reference to the record (the
// arguments' block freed, the result's allocated and written, the state published, the record's
// payload and the record given back). Before, a death between a block's release and the
// record's word that named it had the runtime free it a second time (two later allocations then
// shared it), one between the result block's allocation and its naming, or in the record's
// release, lost the block and the record. One window is left (a known limit): the drop of the
// reference itself (`Atomics.sub`), after the job's settlement stopped naming the record and
// before the drop, if it was the last, names it in the thread's hands: the record and its result
// stay allocated (named twice there, the record could be freed by its handle while the runtime
// frees it).
const RESULT_BLOCK = 256; // the result's encoding: 203 bytes, in a 256-byte block
test("a worker that ends while it writes a job's result and releases its record gives every block back", async () => {
  let inUseBefore = -1;
  let leaks = 0;
  const deaths = await everyCall("result", 1, async (runtime, words, call) => {
    if (inUseBefore < 0) inUseBefore = heapInUse(runtime, 1);
    const { signals } = words;
    runtime.spawn("exitInResult", call, "x".repeat(200)).detach(); // the worker's reference is the last
    await until(() => Atomics.load(signals, 0) === 1, `result, call ${call}: the job runs`, SETTLE_MS);
    Atomics.store(signals, 1, 1);
    Atomics.notify(signals, 1);
    await until(() => runtime.liveJobs === 0, `result, call ${call}: the job settled`, SETTLE_MS);
    // The drop was the last (the handle was detached): HELD follows RELEASING unless the thread
    // ended between the two.
    if (Atomics.load(signals, RELEASING) === 1 && Atomics.load(signals, HELD) === 0) {
      leaks++; // see above: the record and its result, from now on
      inUseBefore += BLOCK_BYTES + RESULT_BLOCK;
    }
    // A death after the job's count (in its release) is handled once the next job runs.
    const next = await settleWithin(runtime.spawn("nudge"), `result, call ${call}: the next job`, SETTLE_MS);
    assert.equal(next.status, "fulfilled", `result, call ${call}: the next job`);
    await expectInUse(runtime, inUseBefore, `result, call ${call}`);
  });
  assert.ok(deaths > 0, "result: no call ended the thread");
  assert.ok(leaks <= 1, `result: ${leaks} deaths in the reference's drop, one call`);
});

test("a worker that ends on its way through a batch from the injector leaves each job to run once", async () => {
  const children = 3;
  const deaths = await everyCall("injector", children, async (runtime, words, call) => {
    const waiter = runtime.spawn("waitThenExit", call, children);
    await until(() => Atomics.load(words.signals, 0) === 1, `injector, call ${call}: the waiter runs`, SETTLE_MS);
    const handles = Array.from({ length: children }, (_, i) => runtime.spawn("child", i));
    Atomics.store(words.signals, 1, 1);
    Atomics.notify(words.signals, 1);
    assertOnce(
      await settleWithin(waiter, "injector: the waiter", SETTLE_MS),
      call,
      `injector, call ${call}: the waiter`,
    );
    for (const [i, handle] of handles.entries()) {
      assertOnce(
        await settleWithin(handle, `injector: child ${i}`, SETTLE_MS),
        i,
        `injector, call ${call}: child ${i}`,
      );
    }
  });
  assert.ok(deaths > 0, "injector: no call ended the thread");
});

// A thief (the other of two workers) ends on its way to what it takes from a worker stuck in a
// long job: the job in its slot (the stuck worker's one child), or half of its deque (3 of 4
// children there, the 4th in the slot). The thread ends before each `Atomics` call in turn from
// the take's start (a few calls: takeSlotOf's or stealHalfInto's, then the naming), as armed in
// the job module; the stuck parent waits for every child, so a lost one fails the round.
const thiefCases = [["slot", 1, false], ["deque", 4, false], ["deque", 4, true]] as const;
for (const [take, children, victimToo] of thiefCases) {
  const also = victimToo ? ", its victim ending just before it," : "";
  test(`a thief that ends on its way to the jobs it takes from a stuck worker's ${take}${also} leaves each to run once`, async () => {
    const name = `thief's ${take}${victimToo ? " with its victim" : ""}`;
    const deaths = await everyCall(name, children, async (runtime, words, call) => {
      Atomics.store(words.signals, VICTIM_TOO, victimToo ? 1 : 0);
      Atomics.store(words.signals, THIEF_AT, thiefTake(take));
      Atomics.store(words.signals, THIEF_CALL, call);
      const parent = runtime.spawn("stuckParent", children);
      await until(() => Atomics.load(words.signals, 0) === 1, `${name}, call ${call}: the parent runs`, SETTLE_MS);
      // Each nudge wakes the other worker (or its replacement), whose search then steals.
      const nudges = [];
      const allStarted = () => words.runs.every((runs) => runs > 0);
      for (const since = Date.now(); !allStarted() && Date.now() - since < SETTLE_MS;) {
        nudges.push(runtime.spawn("nudge"));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(allStarted(), `${name}, call ${call}: every child started (runs ${words.runs.join(", ")})`);
      assertOnce(
        await settleWithin(parent, `${name}: the parent`, SETTLE_MS),
        children,
        `${name}, call ${call}: the parent`,
      );
      for (const nudge of nudges) {
        assertOnce(await settleWithin(nudge, `${name}: a nudge`, SETTLE_MS), 0, `${name}: a nudge`);
      }
    }, 2);
    assert.ok(deaths > 0, `${name}: no call ended the thread`);
  });
}

// A worker whose deque is full (256 jobs: the runtime's capacity) moves its oldest half to the
// injector (`WorkDeque.takeOldest`, `Injector.pushChain`) and ends on the way. The thread ends
// before each `Atomics` call in turn from just before the move's take (the 130th call from the
// move's start: its lock, its load of top and 127 links come before, and a death among them leaves
// the deque as a death before the take does) until the move returns.
const DEQUE_CAPACITY = 256;
const LINKS = DEQUE_CAPACITY / 2 - 1;
test("a worker that ends while it moves half of its full deque to the injector leaves each job to run once", async () => {
  const children = DEQUE_CAPACITY + 2; // the last spawn finds the deque full
  const deaths = await everyCall(
    "overflow",
    children,
    async (runtime, words, call) => {
      Atomics.store(words.signals, THIEF_AT, thiefTake("overflow"));
      Atomics.store(words.signals, THIEF_CALL, call);
      const parent = await settleWithin(runtime.spawn("spawnMany", children), "overflow: the parent", SETTLE_MS);
      assertOnce(parent, children, `overflow, call ${call}: the parent`);
    },
    1,
    LINKS + 2,
  );
  assert.ok(deaths > 0, "overflow: no call ended the thread");
});
