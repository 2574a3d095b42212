import { Unparker, wakeShared } from "@spindle/core";
import type { SharedTimer } from "@spindle/timer";
import { Idle, idleWords } from "./idle.ts";
import { Injector, INJECTOR_WORDS } from "./injector.ts";
import {
  ABORT,
  CANCELLED,
  EXIT_CODE,
  INLINE,
  INLINE_BYTES,
  JOB,
  LENGTH,
  LOST,
  PAYLOAD,
  QUEUED,
  REFS,
  RUN_NEXT,
  RUN_PREV,
  RUNNING,
  STATE,
  WAITER,
  WAITER_SLOT,
  WORKER,
} from "./job-record.ts";
import { SharedHeap } from "./shared-heap.ts";
import { decodeValue } from "@spindle/codec";
import type { ValueEncoder } from "@spindle/codec";
import { WorkDeque } from "./work-deque.ts";

/** What every thread of a runtime needs to build its {@linkcode Scheduler}: plain data for `workerData`. */
export interface SchedulerSetup {
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
/** 0 open; SHUTTING_DOWN: no spawns from outside; CANCELLING: queued jobs are dropped too; STOPPING: machines exit. */
export const CLOSED = 0;
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
// A participant's counter line: jobs it spawned, jobs it settled.
const SPAWNED = 0;
const SETTLED = 1;

/** Statistic fields of a processor, for {@linkcode Scheduler.count}. */
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
 * request counted up to here has been taken (see {@linkcode Scheduler.requestStop}).
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
export class Scheduler {
  readonly setup: SchedulerSetup;
  readonly control: Int32Array;
  readonly heap: SharedHeap;
  readonly records: Int32Array;
  readonly injector: Injector;
  readonly idle: Idle;
  readonly #deques: WorkDeque[] = [];
  readonly #unparkers: Unparker[] = [];
  readonly #countersAt: number;
  readonly #processorAt: number;
  readonly #processorWords: number;
  /** This thread's counter line. */
  readonly #counters: number;

  /** The scheduler over `setup`'s memory, for `participant` (the runtime's thread, or processor p + 1). */
  constructor(setup: SchedulerSetup, participant: number) {
    this.setup = setup;
    this.control = new Int32Array(setup.control);
    this.heap = new SharedHeap(setup.heap);
    this.records = this.heap.words;
    this.injector = new Injector(this.control, INJECTOR_AT, this.records);
    this.idle = new Idle(this.control, IDLE_AT, setup.processors, (p) => this.unpark(p));
    this.#countersAt = align(IDLE_AT + idleWords(setup.processors));
    this.#counters = this.#countersAt + participant * LINE;
    this.#processorAt = this.#countersAt + (setup.processors + 1) * LINE;
    this.#processorWords = align(DEQUE + WorkDeque.words(setup.dequeCapacity));
    for (let p = 0; p < setup.processors; p++) {
      const at = this.#processorAt + p * this.#processorWords;
      this.#deques.push(new WorkDeque(this.control, at + DEQUE, setup.dequeCapacity));
      this.#unparkers.push(new Unparker({ buffer: setup.control, index: at + PARK }));
    }
  }

  /** Memory for a new runtime's control block. */
  static controlBuffer(processors: number, dequeCapacity: number): SharedArrayBuffer {
    const counters = align(IDLE_AT + idleWords(processors)) + (processors + 1) * LINE;
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
  get closed(): number {
    return Atomics.load(this.control, CLOSED);
  }

  /**
   * Jobs spawned and not settled. Settlements are read before spawns: both only grow and a job
   * settles after it was spawned, so 0 means that at some moment between the reads no job was
   * live (and none can be spawned by a job after that).
   */
  get live(): number {
    const control = this.control;
    const participants = this.setup.processors + 1;
    let settled = 0;
    for (let q = 0; q < participants; q++) settled += Atomics.load(control, this.#countersAt + q * LINE + SETTLED);
    let spawned = 0;
    for (let q = 0; q < participants; q++) spawned += Atomics.load(control, this.#countersAt + q * LINE + SPAWNED);
    return spawned - settled;
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

  // ---- records ----------------------------------------------------------------------------

  /**
   * A new queued record of job `job` holding the `length` bytes the encoder wrote; the caller
   * holds both references until it publishes the id and hands one to its handle.
   */
  createRecord(job: number, encoder: ValueEncoder, length: number): number {
    // Plain writes: nobody else can see the record until the caller publishes its id with an
    // `Atomics` operation (a deque push or the injector's lock), which orders them before it.
    const id = this.heap.allocRecord();
    const records = this.records;
    this.#writePayload(id, encoder, length);
    records[id + JOB] = job;
    records[id + REFS] = 2;
    records[id + WORKER] = -1;
    records[id + ABORT] = 0;
    records[id + WAITER] = 0;
    records[id + STATE] = QUEUED;
    this.control[this.#counters + SPAWNED]!++; // only this thread writes its counter line
    return id;
  }

  /** Decodes the record's payload (arguments, result or error). */
  readPayload(id: number): unknown {
    // Plain reads: the caller read STATE (or took the job) with an `Atomics` operation after the
    // writer wrote the payload and then published it.
    const records = this.records;
    const length = records[id + LENGTH] as number;
    const offset = records[id + PAYLOAD] as number;
    const start = offset === 0 ? (id + INLINE) << 2 : offset;
    return decodeValue(this.heap.bytes.subarray(start, start + length));
  }

  /** Replaces the record's payload with the encoder's `length` bytes. */
  replacePayload(id: number, encoder: ValueEncoder, length: number): void {
    this.#freePayload(id);
    this.#writePayload(id, encoder, length);
  }

  /**
   * Ends job `id` in terminal `state` (its payload already written), wakes the thread whose
   * handle waits, and drops the execution's reference.
   */
  settle(id: number, state: number): void {
    Atomics.store(this.records, id + STATE, state);
    this.#announce(id);
    this.release(id);
  }

  /** Tells whoever waits that job `id` settled: its handle's thread, and a waiter for no live jobs. */
  #announce(id: number): void {
    const records = this.records;
    Atomics.add(this.control, this.#counters + SETTLED, 1);
    const waiter = Atomics.load(records, id + WAITER);
    if (waiter !== 0) this.#wake(waiter, Atomics.load(records, id + WAITER_SLOT));
  }

  /**
   * Cancels a job that is still queued: it will never run, and whoever takes it from its queue
   * only drops the execution's reference. Its handle fails with the error `reason` holds (the
   * encoder's last `length` bytes), or a `CancelledError`. Returns `false` when a worker took it
   * first.
   */
  cancelQueued(id: number, reason: ValueEncoder | null = null, length = 0): boolean {
    const records = this.records;
    if (Atomics.compareExchange(records, id + STATE, QUEUED, CANCELLED) !== QUEUED) return false;
    if (reason === null) {
      this.#freePayload(id);
      Atomics.store(records, id + LENGTH, 0);
    } else {
      this.replacePayload(id, reason, length);
    }
    this.#announce(id);
    return true;
  }

  /**
   * Ends a job whose worker died (the runtime's thread, after the exit): state LOST with the exit
   * code and, when the encoder holds one (`length` > 0), the error that killed the worker as its
   * payload; as {@linkcode Scheduler.settle}.
   */
  settleLost(id: number, exitCode: number, cause: ValueEncoder | null = null, length = 0): void {
    if (cause === null || length === 0) {
      this.#freePayload(id);
      Atomics.store(this.records, id + LENGTH, 0);
    } else {
      this.replacePayload(id, cause, length);
    }
    Atomics.store(this.records, id + EXIT_CODE, exitCode);
    this.settle(id, LOST);
  }

  /** Ends an aborted job whose worker was terminated (it would not stop): state CANCELLED. */
  settleTerminated(id: number): void {
    this.#freePayload(id);
    Atomics.store(this.records, id + LENGTH, 0);
    this.settle(id, CANCELLED);
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

  /** Drops one reference to the record; the last one frees it and its payload. */
  release(id: number): void {
    if (Atomics.sub(this.records, id + REFS, 1) !== 1) return;
    this.#freePayload(id);
    this.heap.freeRecord(id);
  }

  /** Wakes the thread waiting on a record: participant `waiter - 1`'s wake-table slot `slot`. */
  #wake(waiter: number, slot: number): void {
    const buffer = this.setup.tables[waiter - 1];
    if (buffer !== undefined) wakeShared({ buffer, slot });
  }

  // ---- running lists (one per processor, owned by its machine; read by the runtime after it died)

  /** Links `id` into processor `p`'s running list. Owner only. */
  linkRunning(p: number, id: number): void {
    const control = this.control;
    const records = this.records;
    const head = this.processorWord(p, RUN_HEAD);
    const first = Atomics.load(control, head);
    Atomics.store(records, id + RUN_PREV, 0);
    Atomics.store(records, id + RUN_NEXT, first);
    if (first !== 0) Atomics.store(records, first + RUN_PREV, id);
    Atomics.store(control, head, id);
  }

  /** Unlinks `id` from processor `p`'s running list. Owner only. */
  unlinkRunning(p: number, id: number): void {
    const records = this.records;
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
    if (current !== 0 && Atomics.load(this.records, current + STATE) === RUNNING) jobs.push(current);
    for (
      let id = Atomics.load(this.control, this.processorWord(p, RUN_HEAD));
      id !== 0;
      id = Atomics.load(this.records, id + RUN_NEXT)
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

  /** How many stop requests processor `p` has received (see {@linkcode Scheduler.requestStop}). */
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

  /** Sets the runtime's state (see {@linkcode CLOSED}) and wakes every machine to see it. */
  close(state: number): void {
    Atomics.store(this.control, CLOSED, state);
    for (let p = 0; p < this.setup.processors; p++) {
      if (state === CANCELLING) this.requestStop(p);
      else this.requestAbortCheck(p);
    }
  }

  #writePayload(id: number, encoder: ValueEncoder, length: number): void {
    const records = this.records;
    let start: number;
    if (length <= INLINE_BYTES) {
      records[id + PAYLOAD] = 0;
      start = (id + INLINE) << 2;
    } else {
      start = this.heap.alloc(length);
      records[id + PAYLOAD] = start;
    }
    const bytes = encoder.bytes;
    this.heap.bytes.set(bytes.length === length ? bytes : bytes.subarray(0, length), start);
    records[id + LENGTH] = length;
  }

  #freePayload(id: number): void {
    const offset = Atomics.load(this.records, id + PAYLOAD);
    if (offset === 0) return;
    this.heap.free(offset, Atomics.load(this.records, id + LENGTH));
    Atomics.store(this.records, id + PAYLOAD, 0);
  }
}
