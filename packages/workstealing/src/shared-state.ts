// A runtime's shared memory as one thread sees it, and the plain data (SharedStateSetup) that
// every thread builds it from: see SharedState below.
import type { SharedTimer } from "@spindle/timer";
import { Idle, idleWords } from "./idle.ts";
import { Injector, INJECTOR_WORDS } from "./injector.ts";
import { COUNTER_LINE, JobRecords, RECORD_CACHE } from "./job-record.ts";
import { Processor } from "./processor.ts";
import { type HolderCheck, RECORD_CACHE_WORDS, SharedHeap } from "@spindle/codec";
import type { ResourceLimits } from "./resource-limits.ts";
import type { RecycleLimits } from "./recycling.ts";

/** What every thread of a runtime needs to build its {@linkcode SharedState}: plain data for `workerData`. */
export interface SharedStateSetup {
  readonly control: SharedArrayBuffer;
  readonly heap: SharedArrayBuffer;
  /** Wake tables: the runtime's thread first, then one per processor. */
  readonly tables: readonly SharedArrayBuffer[];
  /** Processors: the workers, then room for extra machines. */
  readonly processors: number;
  /** The first `workers` processors are the workers (the rest: room for extra machines). */
  readonly workers: number;
  /** The first `minWorkers` workers never retire; the others retire after `idleTimeoutMs` idle. */
  readonly minWorkers: number;
  /** How long a worker beyond `minWorkers` may go without work before it retires (the runtime's `idleTimeout`). */
  readonly idleTimeoutMs: number;
  /** When a machine's thread is replaced by a fresh one, between jobs. */
  readonly recycle: RecycleLimits;
  /** The metrics' shared memory (the runtime's `metrics: true`), or null. */
  readonly metrics: SharedArrayBuffer | null;
  /** One word per processor: output its machine wrote before a settlement is on its way (`output-flush.ts`). */
  readonly output: SharedArrayBuffer;
  /** The engine limits of every machine thread (the runtime's `resourceLimits`), or null. */
  readonly resourceLimits: ResourceLimits | null;
  readonly dequeCapacity: number;
  /** The job module's URL (every worker imports it and numbers its jobs in key order). */
  readonly jobModule: string;
  /** The timer shared with jobs, if the runtime was given one. */
  readonly timer: SharedTimer | null;
  /**
   * How long an aborted job may take to stop (reach a suspension point and run its `finally`
   * blocks) before its worker is terminated: the runtime's `abortGraceMs` option.
   */
  readonly abortGraceMs: number;
}

/** The participant number of the runtime's own thread; processor `i` is participant `i + 1`. */
export const RUNTIME_THREAD = 0;
/**
 * The lock owner number participant `participant` takes the shared words' locks as (1 up: 0 is an
 * unlocked word), so that the runtime's thread can recover a dead machine's locks by its number.
 */
function lockOwnerOf(participant: number): number {
  return participant + 1;
}
/**
 * How long the runtime's thread waits for a lock of shared memory before it throws a
 * `SpindleError` of code `DEADLOCK` (its holder died, and the exit event that would let this
 * thread recover the lock cannot run while it waits). A live holder keeps a lock for microseconds.
 */
const LOCK_PATIENCE_MS = 5_000;

// The control block, in 64-byte cache lines so that words written by different threads at a high
// rate do not share one: runtime-wide words; the injector; the idle state; one line of counters
// per participant (each thread counts its own spawns and settlements); one block per processor
// (its words, then its deque).
const LINE = 16;
const align = (words: number): number => Math.ceil(words / LINE) * LINE;
/**
 * The runtime's state word: OPEN; SHUTTING_DOWN: no spawns from outside; CANCELLING: queued jobs
 * are dropped too; STOPPING: machines exit. It only moves forward.
 */
const RUNTIME_STATE = 0;
export const OPEN = 0;
export const SHUTTING_DOWN = 1;
export const CANCELLING = 2;
export const STOPPING = 3;
/**
 * With state CANCELLING: which call cancelled, an index into {@linkcode CANCEL_CALLS}; written by
 * the runtime's thread once, before the state (see {@linkcode SharedState.close}).
 */
const CANCEL_CALL = 1;
/** The calls that cancel a runtime's jobs, by index, as the reason of the jobs they stop names them. */
export const CANCEL_CALLS: readonly string[] = [
  'shutdown({ mode: "cancel" })',
  "close({ force: true })",
  "shutdown({ timeout })'s expiry",
];
export const SHUTDOWN_CANCEL = 0;
export const CLOSE_FORCE = 1;
export const SHUTDOWN_TIMEOUT = 2;
/**
 * Where the fork hints start: one bit per job (by index, modulo {@linkcode FORK_BITS}), set once
 * a job of that name was spawned from inside a job (see {@linkcode SharedState.forks}).
 */
const FORKS = 4;
const FORK_BITS = 4 * 32;
/** Heads the list of failed detached jobs for the runtime's thread (`JobRecords.takeUnobserved`); 0: empty. */
const UNOBSERVED = FORKS + FORK_BITS / 32;
const INJECTOR_AT = LINE;
const IDLE_AT = INJECTOR_AT + align(INJECTOR_WORDS);

/**
 * The shared state of one runtime as seen from one thread (tokio's `Shared`): the control block
 * and the job heap, and the parts built over them: the {@linkcode Injector}, the {@linkcode Idle}
 * state, the {@linkcode JobRecords} and the {@linkcode Processor}s. Itself it holds only the
 * runtime-wide words: the runtime's state and the fork hints. It makes no
 * scheduling decision: the machines (`machine.ts`) and the runtime's thread (`runtime.ts`) do.
 */
export class SharedState {
  readonly setup: SharedStateSetup;
  readonly control: Int32Array;
  readonly heap: SharedHeap;
  readonly records: JobRecords;
  readonly injector: Injector;
  readonly idle: Idle;
  /** The processors, by number. */
  readonly processors: readonly Processor[];
  /** Where participant 0's counter line starts in the control block. */
  readonly #countersAt: number;

  /**
   * The shared state over `setup`'s memory, for `participant` (the runtime's thread, or processor
   * p + 1). On the runtime's thread, `checkHolder(p)` is asked while this thread waits for a lock
   * that processor `p`'s machine holds (see {@linkcode SharedState.recoverLocksOf} for what it may do).
   */
  constructor(setup: SharedStateSetup, participant: number, checkHolder?: (p: number) => void) {
    this.setup = setup;
    this.control = new Int32Array(setup.control);
    // Each thread locks the shared words as owner `participant + 1`, so that the runtime's thread
    // can take back a lock from a machine that died holding it (recoverLocksOf). The runtime's
    // own thread cannot learn of that death from its exit event while it waits for the lock (the
    // event is its event loop's), so its waits are bounded: past LOCK_PATIENCE_MS it throws rather
    // than hang; and meanwhile it asks `checkHolder`, which may tell the holder dead by other means
    // (the silent-death watch) and recover the lock at once. A machine's thread waits until the
    // runtime's thread has recovered the lock.
    const owner = lockOwnerOf(participant);
    const patience = participant === RUNTIME_THREAD ? LOCK_PATIENCE_MS : Infinity;
    const holderCheck: HolderCheck | undefined = checkHolder === undefined ? undefined : (holder) => {
      const p = holder - lockOwnerOf(1); // processor p is participant p + 1
      if (p >= 0 && p < setup.processors) checkHolder(p);
    };
    this.heap = new SharedHeap(setup.heap, owner, patience, holderCheck);
    this.injector = new Injector(this.control, INJECTOR_AT, this.heap, owner, patience, holderCheck);
    const countersAt = align(IDLE_AT + idleWords(setup.processors));
    this.#countersAt = countersAt;
    // This thread's record cache in its counter line, so that the runtime's thread takes over what
    // a dead machine left there (reclaimRecordsOf). Zeros, or a dead predecessor's cache, which
    // that predecessor's exit handling took over before this machine started.
    this.heap.keepRecordsIn(...this.recordCacheOf(participant));
    this.records = new JobRecords(
      this.heap,
      setup.tables,
      this.control,
      countersAt,
      participant,
      this.injector,
      UNOBSERVED,
    );
    const processorAt = countersAt + (setup.processors + 1) * COUNTER_LINE;
    const words = Processor.words(setup.dequeCapacity);
    this.processors = Array.from(
      { length: setup.processors },
      (_, p) => new Processor(this.control, processorAt + p * words, p, setup.dequeCapacity, this.heap, owner),
    );
    this.idle = new Idle(
      this.control,
      IDLE_AT,
      setup.processors,
      (p) => this.processor(p).unpark(),
      owner,
      patience,
      holderCheck,
    );
  }

  /**
   * Takes back every lock of shared memory that processor `p`'s machine held when its thread
   * ended (the heap's, the injector's, the idle state's), repairing what each protects; returns
   * the names of those it held ("injector pop" too when it undid a pop of the thread's). By the runtime's thread, after the thread's exit and before
   * anything else that may need those locks; or, for a machine the silent-death watch took for
   * dead (no exit event to wait for: its thread stands still, asleep, near its heap limit), as soon
   * as a wait of the runtime's thread finds it holding one (`Runtime.#checkLockHolder`). The exit's
   * join then does not order the dead thread's writes before this; they were made over
   * `SILENT_AFTER_MS` (1 s) earlier, by a thread that has not run since.
   */
  recoverLocksOf(p: number): string[] {
    const owner = lockOwnerOf(p + 1);
    const recovered: string[] = [];
    // Under the recovered lock, before any other thread changes the heap: a block the machine had
    // named and not taken yet is still the heap's next one, which tells it apart (see
    // `SharedHeap`'s "Blocks in a thread's hands"); its name is forgotten.
    const forgetUntaken = (): void => {
      const [words, at] = this.recordCacheOf(p + 1);
      this.heap.forgetUntakenRecord(words, at);
      this.processor(p).forgetUntakenBlocks(this.records, this.heap.recordInHand(words, at));
    };
    if (this.heap.recoverLock(owner, forgetUntaken)) recovered.push("heap");
    // Asked before the recovery, which undoes the pop: the batch trace it left names jobs the
    // injector holds again (Processor.heldJobs).
    if (this.injector.popUndoneBy(owner)) recovered.push("injector pop");
    // Likewise: a push it had begun, which the recovery finishes (recoverPopOf's `moved`).
    if (this.injector.pushFinishedBy(owner)) recovered.push("injector push");
    if (this.injector.recover(owner)) recovered.push("injector");
    if (this.idle.recover(owner)) recovered.push("idle");
    return recovered;
  }

  /** Participant `participant`'s record cache: its words and where they start (`SharedHeap.keepRecordsIn`). */
  recordCacheOf(participant: number): readonly [Int32Array, number] {
    return [this.control, this.#countersAt + participant * COUNTER_LINE + RECORD_CACHE];
  }

  /**
   * Takes over what processor `p`'s ended machine held of the heap's records: its record cache
   * joins this thread's, and a record it had in hand (in a spawn's allocation, with its arguments'
   * block; or being released, with its payload) goes back to the heap (`Processor.allocationInHand`). With
   * `mayRunOn` (a thread that may run on after its exit, support note ³ of the README) its cache
   * is only forgotten: its records stay lost. By the runtime's thread, after the thread's exit,
   * after {@linkcode SharedState.recoverLocksOf} and before `Processor.heldJobs` (which clears the
   * spawn's trace) and before the next machine of `p` starts.
   */
  reclaimRecordsOf(p: number, mayRunOn: boolean): void {
    const [words, at] = this.recordCacheOf(p + 1);
    if (mayRunOn) {
      // `Atomics`, although plain would do: a thread that runs on may still write these.
      for (let i = 0; i < RECORD_CACHE_WORDS; i++) Atomics.store(words, at + i, 0);
      return;
    }
    const inHand = this.heap.adoptRecordsOf(words, at);
    const allocation = this.processor(p).allocationInHand(inHand);
    if (allocation !== null) this.records.freeInHand(allocation.record, allocation.payload);
  }

  /**
   * Whether processor `p`'s machine holds a lock of shared memory now (the heap's, the
   * injector's, the idle state's, a deque's steal lock): one that died there blocks every thread
   * until its death is handled ({@linkcode SharedState.recoverLocksOf}, `recoverStealsOf`).
   */
  holdsLock(p: number): boolean {
    const owner = lockOwnerOf(p + 1);
    if (this.heap.lockHolder() === owner || this.injector.lockHolder() === owner || this.idle.lockHolder() === owner) {
      return true;
    }
    for (let q = 0; q < this.processors.length; q++) {
      if (this.processor(q).deque.lockHolder() === owner) return true; // its deques' taker number is the same
    }
    return false;
  }

  /**
   * The jobs processor `p`'s machine had taken by a steal from another deque and not named when
   * its thread ended (`WorkDeque`'s traces), for `Processor.heldJobs`; takes back the steal locks it
   * held on other deques and leaves them whole. Waits for no lock, so that two machines that died
   * at once, each holding the other's deque lock, are both recovered. By the runtime's thread,
   * after the thread's exit, before {@linkcode SharedState.recoverPopOf}.
   */
  recoverStealsOf(p: number): number[] {
    const dead = lockOwnerOf(p + 1); // also its deques' taker number
    const own = this.processor(p).deque;
    const taken: number[] = [];
    // Its steal: a victim's lock it held says top's rise is what it took. Every other deque's lock
    // it held (taken, then dead before its trace, say) is only given back.
    const victimIndex = own.stealVictim;
    let victimHeld = false;
    for (let q = 0; q < this.processors.length; q++) {
      const deque = this.processor(q).deque;
      if (q === p || !deque.takeBackLock(dead)) continue;
      if (q === victimIndex) {
        victimHeld = true;
        const first = own.recoverDeadThief(deque);
        if (first >= 0) taken.push(first);
      }
      deque.unlock();
    }
    if (victimIndex >= 0 && !victimHeld) {
      const first = own.recoverDeadThief(null);
      if (first >= 0) taken.push(first);
    }
    return taken;
  }

  /**
   * The jobs processor `p`'s machine had taken from its own deque and not named or queued again
   * when its thread ended (a pop; the oldest half of a full deque on its way to the injector, whose
   * recovery finished that push when `movedByRecovery`: "injector push" in `recoverLocksOf`'s
   * answer), under its deque's lock; or null while another thread holds that lock: a live
   * thief for a few stores, or a thread that died holding it, whose own exit's
   * {@linkcode SharedState.recoverStealsOf} gives it back (ask again later). By the runtime's
   * thread, after `recoverStealsOf(p)`, before `heldJobs` and before anything takes from this deque.
   */
  recoverPopOf(p: number, movedByRecovery: boolean): number[] | null {
    const own = this.processor(p).deque;
    // Its pop: under its own deque's lock, which it held if it died taking its last job or moving
    // the oldest half of its full deque to the injector.
    if (!own.tryLockAfterDeath(lockOwnerOf(p + 1))) return null;
    try {
      const popped = own.recoverDeadOwnerPop();
      const unmoved = own.recoverDeadMove(movedByRecovery);
      return popped >= 0 ? [popped, ...unmoved] : unmoved;
    } finally {
      own.unlock();
    }
  }

  /** Memory for a new runtime's control block. */
  static controlBuffer(processors: number, dequeCapacity: number): SharedArrayBuffer {
    const counters = align(IDLE_AT + idleWords(processors)) + (processors + 1) * COUNTER_LINE;
    return new SharedArrayBuffer((counters + processors * Processor.words(dequeCapacity)) * 4);
  }

  /** Processor `p`. */
  processor(p: number): Processor {
    return this.processors[p] as Processor;
  }

  /** The runtime's state: OPEN, SHUTTING_DOWN, CANCELLING or STOPPING. */
  get state(): number {
    // SC load, paired with close's store: see there.
    return Atomics.load(this.control, RUNTIME_STATE);
  }

  /**
   * With state CANCELLING: the call that cancelled (one of {@linkcode CANCEL_CALLS}), for the
   * reason of the jobs it stops.
   */
  get cancelledBy(): string {
    // SC load after the SC load of the state that read CANCELLING: paired with close's stores.
    return CANCEL_CALLS[Atomics.load(this.control, CANCEL_CALL)] as string;
  }

  /**
   * Sets the runtime's state (see {@linkcode SharedState.state}) and wakes every machine to see it;
   * for CANCELLING, `cancelCall` is the index in {@linkcode CANCEL_CALLS} of the call that cancels.
   */
  close(state: number, cancelCall = 0): void {
    // The call's SC store comes before the state's: a thread whose SC load of the state reads
    // CANCELLING reads the call after it (`cancelledBy`). The runtime's thread alone closes, and
    // CANCELLING is set once, so the call never changes once it can be read.
    if (state === CANCELLING) Atomics.store(this.control, CANCEL_CALL, cancelCall);
    // The SC store comes before each processor's abort-check request (an SC store, then an
    // unpark): a machine that takes the request, or is woken by it, reads the new state after it.
    Atomics.store(this.control, RUNTIME_STATE, state);
    for (const processor of this.processors) {
      if (state === CANCELLING) processor.requestStop();
      else processor.requestAbortCheck();
    }
  }

  /** Jobs spawned and not settled (see {@linkcode JobRecords.live}). */
  get live(): number {
    return this.records.live;
  }

  /**
   * Whether jobs of number `job` fork: one was spawned from inside a job (a recursive
   * fork/join such as rayon's `join`). The runtime's thread wakes two workers for such a job
   * instead of one, so that the worker that steals its children is woken by an idle thread and
   * not by the first worker: this guest's kernel leaves a thread woken by a busy thread on the
   * waker's vCPU for milliseconds (docs/benchmarks.md, fork/join). A hint only: two jobs may
   * share a bit, and a wrong answer costs a wake or saves one, never a job.
   */
  forks(job: number): boolean {
    // A plain hint: an SC load of a bit that only ever goes from 0 to 1 (`markForking`); a late
    // view of it only delays the two-worker wake to a later spawn.
    return (Atomics.load(this.control, FORKS + ((job % FORK_BITS) >>> 5)) & (1 << (job & 31))) !== 0;
  }

  /**
   * How many workers should search once the runtime's thread has queued a job of number `job`:
   * one per job waiting in the injector, so that a batch (a `map`, jobs spawned in a loop) has
   * each of its first jobs' workers woken by the runtime's thread, which goes idle after
   * spawning, and not by the worker that took the job before (a chain of wake-ups from busy
   * workers, each of which this guest's kernel may leave queued on its waker's vCPU: see
   * {@linkcode SharedState.forks}); at least two for a job that forks. A lone job in flight
   * still wakes one worker. {@linkcode Idle.notifyWork} wakes no more than are parked.
   */
  searchersFor(job: number): number {
    // The injector's length is an SC load made after our push; a length that a worker lowered
    // meanwhile (it took a job) only means fewer wakes, and that worker wakes another for what it
    // left (the machine's `#fromInjector`).
    return Math.max(this.forks(job) ? 2 : 1, this.injector.length);
  }

  /** Records that a job of number `job` was spawned from inside a job (see {@linkcode SharedState.forks}). */
  markForking(job: number): void {
    // The load first, so that a job that forks often writes the shared line once, not per spawn;
    // `Atomics.or` so that two workers setting bits of one word at once lose neither.
    const word = FORKS + ((job % FORK_BITS) >>> 5);
    const bit = 1 << (job & 31);
    if ((Atomics.load(this.control, word) & bit) === 0) Atomics.or(this.control, word, bit);
  }
}
