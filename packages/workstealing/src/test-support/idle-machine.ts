/**
 * Test worker for idle.test.ts: one machine of the idle protocol. It takes jobs from a shared
 * counter (`QUEUED`, decremented once per job taken; `TAKEN` counts them), searches and parks as
 * the runtime's machines do, and sleeps on its park word WITHOUT a timeout, so that a lost
 * notification shows as a job left queued. It stops when `STOP` is set and it is woken.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { Idle } from "../idle.ts";

/** What the test posts for one run. */
export interface MachineRun {
  readonly control: SharedArrayBuffer;
  readonly at: number;
  readonly max: number;
  /** [QUEUED, TAKEN, STOP, unused, PARK[0], PARK[1], ...]. */
  readonly words: SharedArrayBuffer;
  readonly processor: number;
}

/** What a machine posts when it stops. */
export interface MachineReport {
  readonly taken: number;
  readonly parks: number;
}

const QUEUED = 0;
const TAKEN = 1;
const STOP = 2;
const PARK = 4;
/** Looks at the queue a searcher makes before it parks. */
const SEARCH_LOOKS = 50;

function runOnce(run: MachineRun): MachineReport {
  const words = new Int32Array(run.words);
  const p = run.processor;
  const unpark = (processor: number): void => {
    Atomics.store(words, PARK + processor, 1);
    Atomics.notify(words, PARK + processor);
  };
  const idle = new Idle(new Int32Array(run.control), run.at, run.max, unpark);
  let taken = 0;
  let parks = 0;
  /** Takes one job if one is queued. */
  const take = (): boolean => {
    for (let queued = Atomics.load(words, QUEUED); queued > 0; queued = Atomics.load(words, QUEUED)) {
      if (Atomics.compareExchange(words, QUEUED, queued, queued - 1) === queued) return true;
    }
    return false;
  };
  /** Counts a job taken; the last searcher to find work wakes another if work is left. */
  const ran = (): void => {
    taken++;
    Atomics.add(words, TAKEN, 1);
    if (idle.stopSearching(p) && Atomics.load(words, QUEUED) > 0) idle.notifyWork();
  };
  idle.arrive(p);
  while (Atomics.load(words, STOP) === 0) {
    if (take()) {
      ran();
      continue;
    }
    if (idle.tryStartSearching(p)) {
      let found = false;
      for (let look = 0; look < SEARCH_LOOKS && !found; look++) found = take();
      if (found) {
        ran();
        continue;
      }
    }
    idle.transitionToParked(p);
    parks++;
    // The last look, after registering as parked: the partner of the spawner's publish-then-notify.
    if (Atomics.load(words, QUEUED) > 0 || Atomics.load(words, STOP) !== 0) {
      idle.transitionFromParked(p);
      continue;
    }
    Atomics.wait(words, PARK + p, 0); // no timeout: only a notification ends this sleep
    Atomics.store(words, PARK + p, 0);
    idle.transitionFromParked(p);
  }
  return { taken, parks };
}

if (!isMainThread) {
  parentPort!.on("message", (run: MachineRun) => parentPort!.postMessage(runOnce(run)));
  parentPort!.postMessage("ready");
}
