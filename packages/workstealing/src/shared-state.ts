import { Unparker } from "@spindle/core";
import type { SharedTimer } from "@spindle/timer";
import { Idle, idleWords } from "./idle.ts";
import { Injector, INJECTOR_WORDS } from "./injector.ts";
import { COUNTER_LINE, JobRecords, RUN_NEXT, RUN_PREV, RUNNING, STATE } from "./job-record.ts";
import { SharedHeap } from "./shared-heap.ts";
import { decodeValue } from "./value-decoder.ts";
import type { ValueEncoder } from "./value-encoder.ts";
import { WorkDeque } from "./work-deque.ts";

/** What every thread of a runtime needs to build its {@linkcode SharedState}: plain data for `workerData`. */
export interface SharedStateSetup {
  readonly control: SharedArrayBuffer;
  readonly heap: SharedArrayBuffer;
  /** Wake tables: the runtime's thread first, then one per processor. */
  readonly tables: readonly SharedArrayBuffer[];
  /** Processors: the workers, then room for extra machines. */
  readonly processors: number;
  /** The first `workers` processors are the permanent workers. */
  readonly workers: number;
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

/** How long an extra machine waits for work before it retires. */
export const EXTRA_MACHINE_IDLE_MS = 100;

/** What one processor's machine did since the runtime started (across replacements). */
export interface ProcessorStats {
  /** Jobs it started, including children joined in place. */
  readonly jobsRun: number;
  /** Successful steals: batches taken from other processors. */
  readonly steals: number;
  /** Jobs those steals took. */
  readonly jobsStolen: number;
  /** Jobs it took from the injector. */
  readonly fromInjector: number;
  /** Times it parked for want of work. */
  readonly parks: number;
}

/** The participant number of the runtime's own thread; processor `i` is participant `i + 1`. */
export const RUNTIME_THREAD = 0;

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
/** Bumped whenever the injector shrinks while a spawner waits for room. */
export const ROOM = 1;
/** 1 while a spawner waits for room. */
const ROOM_WANTED = 2;
const INJECTOR_AT = LINE;
const IDLE_AT = INJECTOR_AT + align(INJECTOR_WORDS);

/** Statistic fields of a processor, for {@linkcode SharedState.count}. */
export const STAT = { JOBS_RUN: 7, STEALS: 8, JOBS_STOLEN: 9, FROM_INJECTOR: 10, PARKS: 11 } as const;

// A processor's block.
/** Its machine's parker word. */
const PARK = 0;
/** Bumped by its machine on every turn, so others can tell a machine stuck in a long job. */
export const HEARTBEAT = 1;
/** The first record of its list of running jobs. */
const RUN_HEAD = 2;
/** Set when a job of it was aborted or the runtime is cancelling: its machine looks at its jobs. */
const ABORT_PENDING = 3;
/** The next-task slot: a job id or 0. */
const SLOT = 4;
/** 1 once its (extra) machine retired on purpose. */
const RETIRED = 5;
/** The job its machine is calling right now (a plain job, or a job's first call), or 0. */
const CURRENT = 6;
// Words 7–11: statistics (STAT), written by the processor's machine only, read with Atomics.
const { JOBS_RUN, STEALS, JOBS_STOLEN, FROM_INJECTOR, PARKS } = STAT;
/**
 * The error its machine reported just before its thread ended (an uncaught error, a rejection
 * nobody handled, an aborted job that would not stop): the heap offset of the encoded error, or 0,
 * and its length. Written by the dying machine (length, then offset), read and cleared by the
 * runtime once the thread has exited.
 */
const CRASH_AT = 12;
const CRASH_LENGTH = 13;
/**
 * Bumped whenever someone asks this processor's machine to stop a running job (`abort()`, a
 * deadline, a signal, a cancelling shutdown). The runtime compares it with the machine's
 * heartbeat to tell a machine that cannot get to the request (stuck in a job) from one that did.
 */
const STOP_REQUESTS = 14;
/**
 * The stop-request count its machine had read before it last took its abort check: every
 * request counted up to here has been taken (see {@linkcode SharedState.requestStop}).
 */
const STOPS_HANDLED = 15;
/**
 * Bumped by the runtime when it gives up on the processor's thread (terminates it): a machine
 * that finds it changed since its start is a thread that outlived its termination (Deno 2.9's
 * `terminate()` does not stop a thread in a busy loop, measured) and must not touch shared state.
 */
const GENERATION = LINE;
const DEQUE = 2 * LINE;

/**
 * The shared state of one runtime as seen from one thread: the control block (injector, idle
 * state, processors' slots and deques), the job heap and the wake tables, with the operations on
 * job records that the runtime's thread and the workers share.
 */
export class SharedState {
  readonly setup: SharedStateSetup;
  readonly control: Int32Array;
  readonly heap: SharedHeap;
  readonly records: JobRecords;
  readonly injector: Injector;
  readonly idle: Idle;
  readonly #deques: WorkDeque[] = [];
  readonly #unparkers: Unparker[] = [];
  readonly #processorAt: number;
  readonly #processorWords: number;

  /** The shared state over `setup`'s memory, for `participant` (the runtime's thread, or processor p + 1). */
  constructor(setup: SharedStateSetup, participant: number) {
    this.setup = setup;
    this.control = new Int32Array(setup.control);
    this.heap = new SharedHeap(setup.heap);
    this.injector = new Injector(this.control, INJECTOR_AT, this.heap.words);
    this.idle = new Idle(this.control, IDLE_AT, setup.processors, (p) => this.unpark(p));
    const countersAt = align(IDLE_AT + idleWords(setup.processors));
    this.records = new JobRecords(this.heap, setup.tables, this.control, countersAt, participant);
    this.#processorAt = countersAt + (setup.processors + 1) * COUNTER_LINE;
    this.#processorWords = align(DEQUE + WorkDeque.words(setup.dequeCapacity));
    for (let p = 0; p < setup.processors; p++) {
      const at = this.#processorAt + p * this.#processorWords;
      this.#deques.push(new WorkDeque(this.control, at + DEQUE, setup.dequeCapacity));
      this.#unparkers.push(new Unparker({ buffer: setup.control, index: at + PARK }));
    }
  }

  /** Memory for a new runtime's control block. */
  static controlBuffer(processors: number, dequeCapacity: number): SharedArrayBuffer {
    const counters = align(IDLE_AT + idleWords(processors)) + (processors + 1) * COUNTER_LINE;
    return new SharedArrayBuffer((counters + processors * align(DEQUE + WorkDeque.words(dequeCapacity))) * 4);
  }

  /** The index of processor `p`'s word `field` in the control block. */
  processorWord(p: number, field: number): number {
    return this.#processorAt + p * this.#processorWords + field;
  }

  /** Processor `p`'s parker word (for its machine's `Parker`). */
  parkWord(p: number): number {
    return this.processorWord(p, PARK);
  }

  /** Processor `p`'s deque. */
  deque(p: number): WorkDeque {
    return this.#deques[p] as WorkDeque;
  }

  /** Wakes processor `p`'s machine if it is parked (or makes its next park return at once). */
  unpark(p: number): void {
    this.#unparkers[p]?.unpark();
  }

  /** The runtime's state: OPEN, SHUTTING_DOWN, CANCELLING or STOPPING. */
  get state(): number {
    return Atomics.load(this.control, RUNTIME_STATE);
  }

  /** Jobs spawned and not settled (see {@linkcode JobRecords.live}). */
  get live(): number {
    return this.records.live;
  }

  /** Adds `n` to word `field` of processor `p` (a statistic, the heartbeat; its own machine only). */
  count(p: number, field: number, n = 1): void {
    this.control[this.processorWord(p, field)]! += n;
  }

  /** Processor `p`'s statistics. */
  stats(p: number): ProcessorStats {
    const word = (field: number): number => Atomics.load(this.control, this.processorWord(p, field));
    return {
      jobsRun: word(JOBS_RUN),
      steals: word(STEALS),
      jobsStolen: word(JOBS_STOLEN),
      fromInjector: word(FROM_INJECTOR),
      parks: word(PARKS),
    };
  }

  /** Records that processor `p`'s machine is calling job `id` (0: none), for its death. */
  setCurrent(p: number, id: number): void {
    Atomics.store(this.control, this.processorWord(p, CURRENT), id);
  }

  /** Starts watching for room in the injector; returns the counter to wait on. */
  watchRoom(): number {
    Atomics.store(this.control, ROOM_WANTED, 1);
    return Atomics.load(this.control, ROOM);
  }

  /** Stops watching for room. */
  stopWatchingRoom(): void {
    Atomics.store(this.control, ROOM_WANTED, 0);
  }

  /** A worker took jobs from the injector: tells a spawner waiting for room. */
  roomFreed(): void {
    if (Atomics.load(this.control, ROOM_WANTED) === 0) return;
    Atomics.add(this.control, ROOM, 1);
    Atomics.notify(this.control, ROOM);
  }

  /** Marks processor `p`'s machine as retired on purpose (or not), before its thread exits. */
  setRetired(p: number, retired: boolean): void {
    Atomics.store(this.control, this.processorWord(p, RETIRED), retired ? 1 : 0);
  }

  /** Whether processor `p`'s machine retired on purpose. */
  isRetired(p: number): boolean {
    return Atomics.load(this.control, this.processorWord(p, RETIRED)) === 1;
  }

  // ---- slots ------------------------------------------------------------------------------

  /** Puts `id` in processor `p`'s slot; returns the job it held before (0 if none). Owner only. */
  swapSlot(p: number, id: number): number {
    return Atomics.exchange(this.control, this.processorWord(p, SLOT), id);
  }

  /** Takes job `id` out of processor `p`'s slot if it is there; returns whether it was. */
  takeSlotIf(p: number, id: number): boolean {
    return Atomics.compareExchange(this.control, this.processorWord(p, SLOT), id, 0) === id;
  }

  /**
   * Takes the job in processor `p`'s slot, or 0. The owner takes it for locality; a thief takes
   * it only from a machine stuck in a long job (see the machine's steal). An exchange, so exactly
   * one of them gets it.
   */
  takeSlot(p: number): number {
    const at = this.processorWord(p, SLOT);
    return Atomics.load(this.control, at) === 0 ? 0 : Atomics.exchange(this.control, at, 0);
  }

  /**
   * Stores the error that is about to end processor `p`'s thread (the encoder's last `length`
   * bytes) for the runtime, which attaches it to the jobs it loses. Its machine only.
   */
  reportCrash(p: number, encoder: ValueEncoder, length: number): void {
    const at = this.heap.alloc(Math.max(1, length));
    const bytes = encoder.bytes;
    this.heap.bytes.set(bytes.length === length ? bytes : bytes.subarray(0, length), at);
    // The bytes (plain writes) are ordered before these stores; the runtime reads the offset
    // first, once the thread has exited, and only then the length and the bytes.
    Atomics.store(this.control, this.processorWord(p, CRASH_LENGTH), length);
    Atomics.store(this.control, this.processorWord(p, CRASH_AT), at);
  }

  /** The error processor `p`'s last thread reported before it ended, or `undefined`; clears it. */
  takeCrash(p: number): unknown {
    const at = Atomics.exchange(this.control, this.processorWord(p, CRASH_AT), 0);
    if (at === 0) return undefined;
    const length = Atomics.load(this.control, this.processorWord(p, CRASH_LENGTH));
    try {
      return decodeValue(this.heap.bytes.subarray(at, at + length));
    } finally {
      this.heap.free(at, Math.max(1, length));
    }
  }

  // ---- running lists (one per processor, owned by its machine; read by the runtime after it died)

  /** Links `id` into processor `p`'s running list. Owner only. */
  linkRunning(p: number, id: number): void {
    const control = this.control;
    const records = this.records.words;
    const head = this.processorWord(p, RUN_HEAD);
    const first = Atomics.load(control, head);
    Atomics.store(records, id + RUN_PREV, 0);
    Atomics.store(records, id + RUN_NEXT, first);
    if (first !== 0) Atomics.store(records, first + RUN_PREV, id);
    Atomics.store(control, head, id);
  }

  /** Unlinks `id` from processor `p`'s running list. Owner only. */
  unlinkRunning(p: number, id: number): void {
    const records = this.records.words;
    const prev = Atomics.load(records, id + RUN_PREV);
    const next = Atomics.load(records, id + RUN_NEXT);
    if (prev === 0) Atomics.store(this.control, this.processorWord(p, RUN_HEAD), next);
    else Atomics.store(records, prev + RUN_NEXT, next);
    if (next !== 0) Atomics.store(records, next + RUN_PREV, prev);
  }

  /**
   * The jobs processor `p` was running: its current call and its running list (for the runtime,
   * once `p`'s machine is dead).
   */
  runningJobs(p: number): number[] {
    const jobs: number[] = [];
    const current = Atomics.exchange(this.control, this.processorWord(p, CURRENT), 0);
    if (current !== 0 && Atomics.load(this.records.words, current + STATE) === RUNNING) jobs.push(current);
    for (
      let id = Atomics.load(this.control, this.processorWord(p, RUN_HEAD));
      id !== 0;
      id = Atomics.load(this.records.words, id + RUN_NEXT)
    ) {
      jobs.push(id);
    }
    Atomics.store(this.control, this.processorWord(p, RUN_HEAD), 0);
    return jobs;
  }

  /** Asks processor `p`'s machine to look at its jobs' abort flags (and the runtime's state). */
  requestAbortCheck(p: number): void {
    Atomics.store(this.control, this.processorWord(p, ABORT_PENDING), 1);
    this.unpark(p);
  }

  /**
   * Asks processor `p`'s machine to stop a running job (whose abort flag the caller set) and
   * counts the request, so that the runtime can tell whether the machine got to it.
   */
  requestStop(p: number): void {
    // The check is requested before the request is counted, and the machine reads the count
    // before it takes the check (all sequentially consistent): a machine that publishes, as
    // handled, a count that includes this request has taken this request's check too.
    this.requestAbortCheck(p);
    Atomics.add(this.control, this.processorWord(p, STOP_REQUESTS), 1);
  }

  /** How many stop requests processor `p` has received (see {@linkcode SharedState.requestStop}). */
  stopRequests(p: number): number {
    return Atomics.load(this.control, this.processorWord(p, STOP_REQUESTS));
  }

  /** The stop-request count processor `p`'s machine has handled. */
  stopsHandled(p: number): number {
    return Atomics.load(this.control, this.processorWord(p, STOPS_HANDLED));
  }

  /** Publishes that processor `p`'s machine took every stop request up to `count`. Its machine only. */
  markStopsHandled(p: number, count: number): void {
    Atomics.store(this.control, this.processorWord(p, STOPS_HANDLED), count);
  }

  /** Processor `p`'s generation (see {@linkcode GENERATION}): read by a machine when it starts. */
  generation(p: number): number {
    return Atomics.load(this.control, this.processorWord(p, GENERATION));
  }

  /** Gives up on processor `p`'s thread: a machine of an older generation stops where it is. */
  abandon(p: number): void {
    Atomics.add(this.control, this.processorWord(p, GENERATION), 1);
  }

  /** Processor `p`'s heartbeat: bumped by its machine on every turn and every job start. */
  heartbeat(p: number): number {
    return Atomics.load(this.control, this.processorWord(p, HEARTBEAT));
  }

  /** Whether processor `p` has running jobs (a current call or a non-empty running list). */
  hasRunningJobs(p: number): boolean {
    return Atomics.load(this.control, this.processorWord(p, CURRENT)) !== 0 ||
      Atomics.load(this.control, this.processorWord(p, RUN_HEAD)) !== 0;
  }

  /** Whether an abort check is pending for `p` (without clearing it). */
  hasAbortCheck(p: number): boolean {
    return Atomics.load(this.control, this.processorWord(p, ABORT_PENDING)) !== 0;
  }

  /** Whether processor `p`'s slot holds a job. */
  hasSlot(p: number): boolean {
    return Atomics.load(this.control, this.processorWord(p, SLOT)) !== 0;
  }

  /** Whether an abort check was requested for `p` (clears the request). */
  takeAbortCheck(p: number): boolean {
    const at = this.processorWord(p, ABORT_PENDING);
    return Atomics.load(this.control, at) !== 0 && Atomics.exchange(this.control, at, 0) !== 0;
  }

  /** Sets the runtime's state (see {@linkcode SharedState.state}) and wakes every machine to see it. */
  close(state: number): void {
    Atomics.store(this.control, RUNTIME_STATE, state);
    for (let p = 0; p < this.setup.processors; p++) {
      if (state === CANCELLING) this.requestStop(p);
      else this.requestAbortCheck(p);
    }
  }
}
