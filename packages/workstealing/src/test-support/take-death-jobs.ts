// The job module of take-death.test.ts: jobs after which their worker ends its thread at a chosen
// `Atomics` call on the way to the next jobs (taking them from the slot, the deque or the
// injector, naming them, claiming them), as V8 does to a thread over its resourceLimits (at any
// call). Shared words come through workerData: `{ runs, exits, signals }` (Int32Arrays, see TakeDeathWords).
import process from "node:process";
import { isMainThread } from "node:worker_threads";
import { defineJobs, type JobSet } from "../mod.ts";
import { Processor } from "../processor.ts";
import { WorkDeque } from "../work-deque.ts";
import { JobRecords } from "../job-record.ts";
import { emptyRecordCache } from "../../../codec/src/shared-heap.ts";
import { SharedHeap } from "@spindle/codec";

/** The jobs of the test. */
export type TakeDeathJobs = {
  spawnThenExit: (call: number, children: number) => number;
  exitInSpawn: (call: number, children: number, padding: string) => number;
  spawnPastThief: (call: number) => number;
  exitInResult: (call: number, padding: string) => string;
  waitThenExit: (call: number, children: number) => number;
  child: (index: number, padding?: string) => number;
  stuckParent: (children: number) => number;
  spawnMany: (children: number) => number;
  nudge: () => number;
};

/**
 * Where a thread is ended ({@linkcode THIEF_AT}): a thief's take of a stuck worker's slot, or of
 * half its deque; or an owner's move of the oldest half of its full deque to the injector.
 */
export type ThiefTake = "slot" | "deque" | "overflow";

/** The signal word naming the chosen call of a thief's take (0: none), and the one naming the take. */
export const THIEF_CALL = 2;
export const THIEF_AT = 3;
/**
 * The signal word of a victim that ends with its thief: the test sets 1, the thief at its chosen
 * call sets 2 (the victim's turn), the victim 3 just before it ends, and the thief ends after.
 */
export const VICTIM_TOO = 4;
/** The signal word set to 1 once exitInSpawn's last spawn counted its child (`JobRecords.create` returned). */
export const SPAWN_COUNTED = 5;
/**
 * The signal words of spawnPastThief: the test sets PAUSE_THIEF to 1; the next thief to take a
 * victim's slot (`Processor.takeSlotOf`) then sets THIEF_MARKED, with its mark in the slot, and
 * waits until the test sets THIEF_GO before it names the job. PUSHED_INSTEAD is set when a spawn
 * found a thief's mark in its slot and pushed its child onto the deque instead
 * (`Processor.pushedInstead`).
 */
export const PAUSE_THIEF = 6;
export const THIEF_MARKED = 7;
export const THIEF_GO = 8;
export const PUSHED_INSTEAD = 9;
/**
 * The signal words of exitInResult: RELEASING is set once its settlement began to drop the
 * worker's reference to the record (`JobRecords.release`), HELD once that drop was the last and
 * the record is named in the thread's hands (`SharedHeap.holdRecord`).
 */
export const RELEASING = 10;
export const HELD = 11;
/** How many signal words the module uses. */
export const SIGNAL_WORDS = 12;
const THIEF_TAKES: Record<ThiefTake, number> = { slot: 1, deque: 2, overflow: 3 };

/** The value of `signals[THIEF_AT]` for `take`. */
export function thiefTake(take: ThiefTake): number {
  return THIEF_TAKES[take];
}

/** The runtime's workerData for this module. */
export interface TakeDeathWords {
  /** Starts of each child, by index. */
  readonly runs: Int32Array;
  /** Word 0: how many threads ended at their chosen call. */
  readonly exits: Int32Array;
  /**
   * Word 0: set by waitThenExit and stuckParent once they run; word 1: set by the test when its
   * jobs are queued; words THIEF_CALL and THIEF_AT: a thief's take to end (see armThief).
   */
  readonly signals: Int32Array;
}

/** The exit code of a thread ended by {@linkcode exitAtCall}. */
export const TAKE_EXIT_CODE = 9;

const ATOMICS = ["load", "store", "exchange", "compareExchange", "add", "sub"] as const;
const real = Object.fromEntries(ATOMICS.map((name) => [name, Atomics[name]])) as unknown as Record<
  (typeof ATOMICS)[number],
  (...args: unknown[]) => number
>;
/** Children still to start before the thread stops counting calls. */
let childrenLeft = 0;
/** Whether this thread counts calls from a thief's take to its naming of the job (thiefTakes). */
let thiefCounting = false;
/** Whether this thread's next record tells the test it was counted (exitInSpawn). */
let spawnWatched = false;
/** Whether this thread stops counting calls at its next release of a record (exitInResult). */
let releaseWatched = false;
/**
 * This thread's heap of its runtime, whose record cache exitInSpawn empties before its watched
 * spawn: the spawn then takes the heap's lock to fill it again, in every round (with records left
 * there, how many the spawn's calls are would vary from round to round).
 */
let runtimeHeap: SharedHeap | null = null;

function words(): TakeDeathWords {
  return jobs.workerData as TakeDeathWords;
}

/**
 * Ends this thread (`process.exit`) just before its `call`-th `Atomics` call (1: the first) after
 * the settlement of the job that calls this (its last step: the reference's release, the first
 * `Atomics.sub` from now; deaths inside a settlement are settle-death.test.ts's), or from now
 * with `fromNow`, unless
 * `children` child jobs start first: replaces the thread's `Atomics` methods, which the runtime's
 * code calls through the global.
 */
function exitAtCall(call: number, children: number, fromNow = false): void {
  childrenLeft = children;
  let calls = 0;
  let settled = fromNow;
  for (const name of ATOMICS) {
    const method = real[name];
    (Atomics as unknown as Record<string, unknown>)[name] = (...args: unknown[]): number => {
      if (!settled) {
        settled = name === "sub";
        return method(...args);
      }
      if (++calls === call) {
        real.add(words().exits, 0, 1);
        if (fromNow) victimFirst();
        if (process.env.TAKE_DEATH_DEBUG) {
          process.stderr.write(`call ${call} ${name}(${String(args.slice(1))}) ${new Error().stack}\n`);
        }
        process.exit(TAKE_EXIT_CODE);
      }
      return method(...args);
    };
  }
}

/**
 * When the test asked for it (VICTIM_TOO), the thief's victim, stuck in its parent job, ends
 * first, and this thread a moment after: two deaths at once, the victim's exit first, while this
 * thread still holds what it holds (a steal lock of the victim's deque, say).
 */
function victimFirst(): void {
  const { signals } = words();
  if (real.compareExchange(signals, VICTIM_TOO, 1, 2) !== 1) return;
  Atomics.wait(signals, VICTIM_TOO, 2, STUCK_PARENT_MS);
  Atomics.wait(signals, VICTIM_TOO, 3, VICTIM_EXIT_MS); // its exit reaches the runtime's thread first
}

function stopCounting(): void {
  for (const name of ATOMICS) (Atomics as unknown as Record<string, unknown>)[name] = real[name];
}

/**
 * Ends this thread at a thief's take when the test armed one: `take` is the take
 * `signals[THIEF_AT]` names, its victim holds a job there, and `signals[THIEF_CALL]` holds a call
 * number (taken: once per arming). The thread then ends before that `Atomics` call from the take's
 * start on, unless it named the job it took first (`Processor.hold`).
 */
function thiefTakes(take: ThiefTake, victimHasJob: boolean): void {
  if (!victimHasJob || real.load(words().signals, THIEF_AT) !== THIEF_TAKES[take]) return;
  const call = real.exchange(words().signals, THIEF_CALL, 0);
  if (call > 0) {
    thiefCounting = true;
    exitAtCall(call, 1, true);
  }
}

// The runtime's code calls the takes through the prototypes, replaced here on every worker (not
// on a main thread that loads this module: Bun's test process runs work-deque.test.ts beside it).
const takeSlotOf = Processor.prototype.takeSlotOf;
if (!isMainThread) {
  Processor.prototype.takeSlotOf = function (this: Processor, victim: Processor): number {
    thiefTakes("slot", victim.hasSlot());
    const id = takeSlotOf.call(this, victim);
    const { signals } = words();
    if (id > 0 && real.compareExchange(signals, PAUSE_THIEF, 1, 0) === 1) {
      // Its mark is in the victim's slot until it names the job (hold): the victim spawns now.
      real.store(signals, THIEF_MARKED, 1);
      Atomics.wait(signals, THIEF_GO, 0, STUCK_PARENT_MS);
    }
    return id;
  };
  // A thief's window ends where it names what it took: later deaths are those of a worker running
  // a job (worker-death.test.ts and others).
  const hold = Processor.prototype.hold;
  Processor.prototype.hold = function (this: Processor, id: number): void {
    hold.call(this, id);
    if (thiefCounting) {
      thiefCounting = false;
      stopCounting();
    }
  };
  // An owner's move ends where takeOldest returns (the jobs are in the injector, or still in the deque).
  const takeOldest = WorkDeque.prototype.takeOldest;
  WorkDeque.prototype.takeOldest = function (this: WorkDeque, ...args: Parameters<WorkDeque["takeOldest"]>): number {
    thiefTakes("overflow", true);
    const n = takeOldest.apply(this, args);
    if (thiefCounting) {
      thiefCounting = false;
      stopCounting();
    }
    return n;
  };
  // The count is create's last step, after its last `Atomics` call: a thread that ends after
  // create returned ended with the child counted.
  const create = JobRecords.prototype.create;
  JobRecords.prototype.create = function (this: JobRecords, ...args: Parameters<JobRecords["create"]>): number {
    const id = create.apply(this, args);
    if (spawnWatched) real.store(words().signals, SPAWN_COUNTED, 1);
    return id;
  };
  const keepRecordsIn = SharedHeap.prototype.keepRecordsIn;
  SharedHeap.prototype.keepRecordsIn = function (this: SharedHeap, ...args: Parameters<SharedHeap["keepRecordsIn"]>) {
    runtimeHeap = this;
    keepRecordsIn.apply(this, args);
  };
  // exitInResult's window ends where its settlement has dropped the worker's reference.
  const release = JobRecords.prototype.release;
  JobRecords.prototype.release = function (this: JobRecords, id: number): void {
    if (releaseWatched) real.store(words().signals, RELEASING, 1);
    release.call(this, id);
    if (releaseWatched) {
      releaseWatched = false;
      stopCounting();
    }
  };
  const holdRecord = SharedHeap.prototype.holdRecord;
  SharedHeap.prototype.holdRecord = function (this: SharedHeap, id: number): void {
    if (releaseWatched) real.store(words().signals, HELD, 1);
    holdRecord.call(this, id);
  };
  const pushedInstead = Processor.prototype.pushedInstead;
  Processor.prototype.pushedInstead = function (this: Processor): void {
    real.store(words().signals, PUSHED_INSTEAD, 1);
    pushedInstead.call(this);
  };
  const stealHalfInto = WorkDeque.prototype.stealHalfInto;
  WorkDeque.prototype.stealHalfInto = function (this: WorkDeque, into: WorkDeque, limit: number): number {
    thiefTakes("deque", !this.isEmpty);
    return stealHalfInto.call(this, into, limit);
  };
}

/** How long a stuck parent waits for its children (a hang bound: they run on other workers). */
const STUCK_PARENT_MS = 30_000;
/** How long a thief waits after its victim's end, so that the runtime's thread sees that end first. */
const VICTIM_EXIT_MS = 100;

const jobs: JobSet<TakeDeathJobs> = defineJobs<TakeDeathJobs>({
  /** Spawns `children` children (the first into the deque, the last into the slot), then counts. */
  spawnThenExit(call, children) {
    for (let i = 0; i < children; i++) jobs.spawn("child", i);
    exitAtCall(call, children);
    return call;
  },
  /**
   * Spawns `children` children (`padding`: more arguments, enough for a block of the heap), its
   * thread ended before the `call`-th `Atomics` call of the last spawn (which then finds the slot
   * empty for one child, else holding the one before; its record cache empty), unless that spawn
   * makes fewer calls; `signals[SPAWN_COUNTED]` says whether the child was counted. The children's
   * handles are detached: every record goes back to the heap once its job ran.
   */
  exitInSpawn(call, children, padding) {
    for (let i = 0; i < children - 1; i++) jobs.spawn("child", i, padding).detach();
    spawnWatched = true;
    emptyRecordCache(runtimeHeap!);
    exitAtCall(call, 0, true);
    const handle = jobs.spawn("child", children - 1, padding);
    stopCounting();
    spawnWatched = false;
    handle.detach();
    return call;
  },
  /**
   * Spawns child 0 (into the slot), holds its worker without a heartbeat until a thief's mark is
   * in the slot (the thief paused there, see PAUSE_THIEF), then spawns child 1, its thread ended
   * before the `call`-th `Atomics` call of that spawn: the child goes onto the deque instead of
   * the slot (the spawn's PUSHING_NEW phase).
   */
  spawnPastThief(call) {
    jobs.spawn("child", 0).detach();
    const { signals } = words();
    real.store(signals, 0, 1);
    const until = performance.now() + STUCK_PARENT_MS;
    while (real.load(signals, THIEF_MARKED) === 0 && performance.now() < until);
    spawnWatched = true;
    exitAtCall(call, 0, true);
    const handle = jobs.spawn("child", 1);
    stopCounting();
    spawnWatched = false;
    handle.detach();
    return call;
  },
  /**
   * Waits until the test detached its handle (`signals[1]`), then returns a result that needs a
   * block of the heap (as its arguments, `padding`, do), its thread ended before the `call`-th
   * `Atomics` call from then on: in its settlement (the arguments' block freed, the result's
   * allocated and written, the state published) and the release of its record, whose last
   * reference the worker then holds; unless the settlement makes fewer calls.
   */
  exitInResult(call, padding) {
    const { signals } = words();
    real.store(signals, 0, 1);
    Atomics.wait(signals, 1, 0, STUCK_PARENT_MS);
    releaseWatched = true;
    exitAtCall(call, 0, true);
    return `${padding}!`;
  },
  /** Waits until the test queued its jobs in the injector (signals), then counts. */
  waitThenExit(call, children) {
    const { signals } = words();
    real.store(signals, 0, 1);
    Atomics.wait(signals, 1, 0, 30_000);
    exitAtCall(call, children);
    return call;
  },
  /**
   * Spawns `children` children (the first into the deque, the last into the slot), then holds its
   * worker without a heartbeat until they all started elsewhere: a stuck worker whose slot and
   * deque thieves take.
   */
  stuckParent(children) {
    for (let i = 0; i < children; i++) jobs.spawn("child", i);
    const { runs, signals } = words();
    real.store(signals, 0, 1);
    const until = performance.now() + STUCK_PARENT_MS;
    for (let i = 0; i < children && performance.now() < until; i += real.load(runs, i) > 0 ? 1 : 0) {
      if (real.load(signals, VICTIM_TOO) === 2) {
        real.store(signals, VICTIM_TOO, 3);
        Atomics.notify(signals, VICTIM_TOO);
        process.exit(TAKE_EXIT_CODE);
      }
    }
    return children;
  },
  /** Spawns `children` children, then returns: more than its deque holds makes it move half of them to the injector. */
  spawnMany(children) {
    for (let i = 0; i < children; i++) jobs.spawn("child", i);
    return children;
  },
  /** Nothing: wakes a parked worker, which then searches (and steals). */
  nudge() {
    return 0;
  },
  /** Counts its start; the last child to start stops the counting. */
  child(index) {
    real.add(words().runs, index, 1);
    if (childrenLeft > 0 && --childrenLeft === 0) stopCounting();
    return index;
  },
});
export default jobs;
