// The idle protocol on its own (tokio tests its idle state directly): who counts as searching and
// parked, that new work wakes one parked machine and none while one searches, that at most half
// search, that a machine departs exactly once, and, with machines on worker threads sleeping
// without a timeout, that no notification is lost.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Worker } from "node:worker_threads";
import { nextMessage, startWorker, until, within } from "@spindle/test-support";
import { Idle, idleWords } from "./idle.ts";
import type { MachineReport, MachineRun } from "./test-support/idle-machine.ts";

/** Where the idle words start in the control block: not 0, so offsets are exercised. */
const AT = 2;
const GUARD = 0x5a5a5a5a;

/** An idle state for `max` processors whose unpark calls are recorded, with `arrived` machines. */
function idle(max: number, arrived = max): { idle: Idle; woken: number[]; control: Int32Array } {
  const control = new Int32Array(new SharedArrayBuffer((AT + idleWords(max) + 2) * 4)).fill(GUARD);
  control.fill(0, AT, AT + idleWords(max));
  const woken: number[] = [];
  const state = new Idle(control, AT, max, (processor) => woken.push(processor));
  for (let p = 0; p < arrived; p++) state.arrive(p);
  return { idle: state, woken, control };
}

test("arriving machines count as active, and new work wakes nobody while none is parked", () => {
  const { idle: state, woken } = idle(4, 0);
  assert.equal(state.active, 0);
  for (let p = 0; p < 4; p++) state.arrive(p);
  assert.equal(state.active, 4);
  state.notifyWork();
  assert.deepEqual(woken, []);
});

test("new work wakes exactly one parked machine, which comes back as a searcher", () => {
  const { idle: state, woken } = idle(3);
  state.transitionToParked(1);
  state.transitionToParked(2);
  state.notifyWork();
  assert.equal(woken.length, 1);
  const [first] = woken as [number];
  assert.ok(first === 1 || first === 2);
  assert.equal(state.transitionFromParked(first), true, "notified");
  assert.equal(state.tryStartSearching(first), true, "already a searcher");
});

test("new work wakes no parked machine while one searches, and does once the last searcher has stopped", () => {
  const { idle: state, woken } = idle(3);
  state.transitionToParked(2);
  assert.equal(state.tryStartSearching(0), true);
  state.notifyWork();
  assert.deepEqual(woken, [], "a searcher will find the work");
  assert.equal(state.stopSearching(0), true, "the last searcher");
  assert.equal(state.stopSearching(0), false, "stopping twice counts once");
  state.notifyWork();
  assert.deepEqual(woken, [2]);
});

test("work for two searchers (a fork/join job) wakes parked machines until two search, and no more", () => {
  const { idle: state, woken } = idle(4);
  for (const p of [1, 2, 3]) state.transitionToParked(p);
  state.notifyWork(2);
  assert.equal(woken.length, 2, "two of the three sleepers");
  for (const p of woken) assert.equal(state.transitionFromParked(p), true, "notified, as a searcher");
  state.notifyWork(2);
  assert.equal(woken.length, 2, "two search already");
  const [first] = woken as [number];
  assert.equal(state.stopSearching(first), false, "one searcher left");
  state.notifyWork(2);
  assert.equal(woken.length, 3, "one more: the last sleeper");
  state.notifyWork(3);
  assert.equal(woken.length, 3, "nobody left to wake");
});

test("stopSearching is true only for the last of several searchers", () => {
  const { idle: state } = idle(4);
  assert.equal(state.tryStartSearching(0), true);
  assert.equal(state.tryStartSearching(1), true);
  assert.equal(state.stopSearching(1), false);
  assert.equal(state.stopSearching(3), false, "not a searcher");
  assert.equal(state.stopSearching(0), true);
});

test("at most half of the active machines search at once", () => {
  const { idle: state } = idle(4);
  assert.deepEqual([0, 1, 2, 3].map((p) => state.tryStartSearching(p)), [true, true, false, false]);
  assert.equal(state.stopSearching(0), false);
  assert.equal(state.tryStartSearching(2), true, "room again after one stopped");
  const odd = idle(3).idle;
  assert.deepEqual([0, 1, 2].map((p) => odd.tryStartSearching(p)), [true, true, false], "ceil(3 / 2) = 2");
});

test("a parked machine that wakes without a notification takes itself off the list", () => {
  const { idle: state, woken } = idle(2);
  state.transitionToParked(1);
  assert.equal(state.transitionFromParked(1), false, "not notified");
  state.notifyWork();
  assert.deepEqual(woken, [], "nobody is parked any more");
  state.transitionToParked(1);
  state.notifyWork();
  assert.deepEqual(woken, [1], "parked again, it is found again");
});

test("parking a searcher ends its search", () => {
  const { idle: state, woken } = idle(2);
  assert.equal(state.tryStartSearching(1), true);
  state.transitionToParked(1);
  state.notifyWork();
  assert.deepEqual(woken, [1], "no searcher left to skip the wake for");
});

test("every parked machine is woken once per notification, one at a time, none twice", () => {
  const { idle: state, woken } = idle(4);
  for (let p = 0; p < 4; p++) state.transitionToParked(p);
  for (let round = 0; round < 4; round++) {
    state.notifyWork();
    assert.equal(woken.length, round + 1, `round ${round}: one wake`);
    const p = woken.at(-1)!;
    assert.equal(state.transitionFromParked(p), true);
    state.notifyWork();
    assert.equal(woken.length, round + 1, `round ${round}: none while the woken machine searches`);
    assert.equal(state.stopSearching(p), true);
  }
  assert.deepEqual([...woken].sort(), [0, 1, 2, 3]);
  state.notifyWork();
  assert.equal(woken.length, 4, "nobody left to wake");
});

test("a machine departs exactly once, taking its parked or searching part out of the counts", () => {
  const { idle: state, woken } = idle(3);
  state.transitionToParked(1);
  state.depart(1);
  state.depart(1);
  assert.equal(state.active, 2, "counted out once");
  state.notifyWork();
  assert.deepEqual(woken, [], "a departed machine is not woken");
  assert.equal(state.tryStartSearching(0), true);
  state.transitionToParked(2);
  state.depart(0);
  state.notifyWork();
  assert.deepEqual(woken, [2], "the departed searcher no longer counts as searching");
  state.depart(0);
  assert.equal(state.active, 1);
});

test("a machine that never arrived departs without changing the counts", () => {
  const { idle: state } = idle(3, 2);
  state.depart(2);
  assert.equal(state.active, 2);
});

test("the idle state writes only its own words of the control block", () => {
  const { idle: state, control } = idle(4);
  state.transitionToParked(3);
  state.tryStartSearching(0);
  state.notifyWork();
  state.stopSearching(0);
  state.transitionFromParked(3);
  state.transitionToParked(2);
  state.transitionFromParked(2);
  for (let p = 0; p < 4; p++) state.depart(p);
  const outside = [...control.subarray(0, AT), ...control.subarray(AT + idleWords(4))];
  assert.ok(outside.every((word) => word === GUARD), `guard words changed: ${outside}`);
});

// Machines on worker threads that take jobs from a shared counter, search and park as the
// runtime's machines do, and sleep WITHOUT a timeout when parked: a lost notification leaves a
// job queued with every machine asleep, and the run does not finish. Started once for the file
// and one at a time (each start type-checks the module again under deno test).
const MACHINES = 2;
let threads: Worker[] | undefined;
after(() => Promise.all((threads ?? []).map((worker) => worker.terminate())));

async function machines(): Promise<Worker[]> {
  if (threads === undefined) {
    threads = [];
    for (let i = 0; i < MACHINES; i++) {
      const worker = startWorker(new URL("./test-support/idle-machine.ts", import.meta.url), null);
      threads.push(worker);
      assert.equal(await nextMessage(worker), "ready");
    }
  }
  return threads;
}

test("machines sleeping without a timeout take every job: no notification is lost", async () => {
  const pool = await machines();
  for (const [round, pauseEvery] of [[0, 1], [1, 7], [2, 64]] as const) {
    const jobs = 1_000;
    const control = new SharedArrayBuffer((AT + idleWords(MACHINES)) * 4);
    const words = new Int32Array(new SharedArrayBuffer(8 * 4));
    const [QUEUED, TAKEN, STOP] = [0, 1, 2];
    const PARK = 4; // one park word per machine from here
    const unpark = (p: number): void => {
      Atomics.store(words, PARK + p, 1);
      Atomics.notify(words, PARK + p);
    };
    const state = new Idle(new Int32Array(control), AT, MACHINES, unpark);
    const reports = pool.map((worker, processor) => {
      const run: MachineRun = { control, at: AT, max: MACHINES, words: words.buffer as SharedArrayBuffer, processor };
      const report = nextMessage<MachineReport>(worker);
      worker.postMessage(run);
      return report;
    });
    await until(() => state.active === MACHINES, "both machines to arrive");
    try {
      for (let i = 0; i < jobs; i++) {
        // Publish, then notify: the spawner's half of the protocol.
        Atomics.add(words, QUEUED, 1);
        state.notifyWork();
        // Pauses of a few event-loop turns let the machines run dry and park between jobs.
        if (i % pauseEvery === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      await until(() => Atomics.load(words, TAKEN) === jobs, `round ${round}: every job to be taken`, 20_000);
    } finally {
      Atomics.store(words, STOP, 1);
      for (let p = 0; p < MACHINES; p++) unpark(p);
    }
    const done = await within(Promise.all(reports), 10_000, `round ${round}: the machines to stop`);
    assert.equal(Atomics.load(words, QUEUED), 0, "no job left queued");
    assert.equal(done.reduce((n, r) => n + r.taken, 0), jobs, "each job taken exactly once");
    assert.ok(done.some((r) => r.parks > 0), `round ${round}: the machines parked (${JSON.stringify(done)})`);
    for (let p = 0; p < MACHINES; p++) state.depart(p);
    assert.equal(state.active, 0, "every machine counted out");
  }
});

test("a notifier that died holding the lock, having taken a sleeper off the list, leaves it parked on the list and everyone unparked", () => {
  const { control, woken } = idle(3);
  const survivor = new Idle(control, AT, 3, (processor) => woken.push(processor), 1);
  survivor.transitionToParked(1);
  survivor.transitionToParked(2);
  // The dead notifier (owner 9) took machine 2 off the list (COUNT 2 → 1) and stopped there: its
  // SLEEPING is still 1 and the lock names the dead owner. Offsets from idle.ts: LOCK 0, COUNT 4.
  control[AT] = 9;
  control[AT + 4] = 1;
  assert.equal(survivor.recover(9), true);
  assert.equal(control[AT], 0, "the lock is free again");
  assert.deepEqual(woken.toSorted(), [0, 1, 2], "every machine is unparked to look again");
  woken.length = 0;
  // Both sleepers are on the list again: two notifications wake both, once each.
  survivor.notifyWork();
  survivor.transitionFromParked(woken[0]!);
  survivor.stopSearching(woken[0]!);
  survivor.notifyWork();
  assert.deepEqual(woken.toSorted(), [1, 2]);
});
