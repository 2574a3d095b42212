import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { describe, SpindleError, WakeTable } from "@spindle/core";
import type { Timer } from "@spindle/timer";
import { QueueFullError, RuntimeShutdownError, UnknownJobError } from "./errors.ts";
import { createJobHandle, type JobHandle } from "./job-handle.ts";
import { JOB } from "./job-record.ts";
import { type JobOutput, JobSet, type Jobs } from "./job-set.ts";
import { CANCELLING, EXTRA_MACHINE_IDLE_MS, HEARTBEAT, OPEN, type ProcessorStats, ROOM, RUNTIME_THREAD, Scheduler, type SchedulerSetup, SHUTTING_DOWN, STOPPING } from "./scheduler.ts";
import { SharedHeap } from "./shared-heap.ts";
import { ValueEncoder } from "./value-encoder.ts";
import { EMPTY, RETRY } from "./work-deque.ts";

/** Options of {@linkcode Runtime.start}. */
export interface RuntimeOptions {
  /** Worker threads (machines). Default: the available parallelism. */
  readonly workers?: number;
  /**
   * Extra machines the runtime may start while every machine is stuck in a long synchronous job
   * and work is queued (async-std's blocking resilience); they retire after
   * {@linkcode EXTRA_MACHINE_IDLE_MS} without work. Default: `workers`. 0 disables them.
   */
  readonly maxExtraMachines?: number;
  /**
   * Bounds the injector (the queue of jobs spawned from this thread that no worker took yet):
   * at `limit` queued jobs, `spawn` either throws {@linkcode QueueFullError} (`whenFull:
   * "reject"`) or returns the handle of a job that waits on this thread and enters the queue, in
   * order, as room frees (`"wait"`, the default). Child jobs spawned inside jobs are not bounded.
   */
  readonly queue?: { readonly limit: number; readonly whenFull?: "wait" | "reject" };
  /**
   * Data every worker receives once, structured-cloned (a `SharedArrayBuffer` in it is shared,
   * not copied); jobs reach it as `jobs.workerData`. Job arguments cannot carry shared memory;
   * this can.
   */
  readonly workerData?: unknown;
  /** A timer (from `@spindle/timer`'s `TimerReactor`) that jobs reach as `jobs.timer`. */
  readonly timer?: Timer;
  /** The most memory the jobs' shared heap may use, in bytes. Default 1 GiB (reserved, not committed). */
  readonly maxHeapBytes?: number;
}

/** How a runtime shuts down: let every job finish, or cancel queued and running ones. */
export interface ShutdownOptions {
  /** `"drain"` (default): every spawned job settles first; `"cancel"`: queued and running jobs are cancelled. */
  readonly mode?: "drain" | "cancel";
}

/** The jobs of a job set (`typeof jobs` of a job module). */
export type JobsOf<S> = S extends JobSet<infer J> ? J : Jobs;
/** The job names of a job set. */
export type JobName<S> = keyof JobsOf<S> & string;
/** The arguments of job `K` of a job set. */
export type JobArgs<S, K extends JobName<S>> = Parameters<JobsOf<S>[K]>;
/** The result of job `K` of a job set. */
export type JobResult<S, K extends JobName<S>> = JobOutput<JobsOf<S>[K]>;

const BLOCKED_CHECK_MS = 10;
/** A machine whose heartbeat has not changed for this long is stuck in one job. */
const BLOCKED_AFTER_MS = 100;
const DEQUE_CAPACITY = 256;
const DEFAULT_MAX_HEAP_BYTES = 1 << 30;
const STOP_GRACE_MS = 2_000;
const DRAIN_POLL_MS = 1;

/**
 * A work-stealing runtime over worker threads (the async-std design): a global injector, one
 * processor per worker with a Chase–Lev deque and a next-task slot in shared memory, batch
 * stealing, futex parking, and fork/join jobs from a job module that every worker imports.
 *
 * `spawn` encodes the arguments into the shared heap and pushes the job onto the injector; a
 * worker takes it (or steals it from the worker that took it), runs it on its own executor, writes
 * the result into the heap and wakes the handle's thread. Nothing travels through `postMessage`.
 *
 * Faults: a job that throws fails its handle with its error; a worker that dies fails the jobs it
 * was running with {@linkcode WorkerLostError}, is replaced, and its queued jobs run elsewhere.
 * The runtime keeps the process alive until {@linkcode Runtime.shutdown}.
 *
 * @example
 * ```ts
 * import { Runtime } from "@spindle/workstealing";
 * import type jobs from "./test-support/example-jobs.ts";
 *
 * const runtime = await Runtime.start<typeof jobs>(new URL("./test-support/example-jobs.ts", import.meta.url), { workers: 2 });
 * const sums = [1, 2, 3].map((n) => runtime.spawn("add", n, 10));
 * console.log(await Promise.all(sums)); // [ 11, 12, 13 ]
 * console.log(await runtime.spawn("fib", 25)); // 75025
 * await runtime.shutdown();
 * ```
 */
export class Runtime<S extends JobSet = JobSet> {
  readonly #scheduler: Scheduler;
  readonly #set: JobSet;
  readonly #workers: number;
  readonly #maxExtra: number;
  readonly #limit: number;
  readonly #reject: boolean;
  readonly #encoder = new ValueEncoder();
  readonly #workerData: unknown;
  readonly #threads: (Worker | null)[];
  readonly #exited: ((code: number) => void)[] = [];
  readonly #waitingForRoom: number[] = [];
  #admitting = false;
  #monitor: ReturnType<typeof setInterval> | null = null;
  #heartbeats: Int32Array;
  /** When each machine's heartbeat last changed (as this thread saw it). */
  #movedAt: Float64Array;
  #shutdown: Promise<void> | null = null;

  private constructor(scheduler: Scheduler, set: JobSet, workers: number, maxExtra: number, options: RuntimeOptions) {
    this.#scheduler = scheduler;
    this.#set = set;
    this.#workers = workers;
    this.#maxExtra = maxExtra;
    this.#limit = options.queue?.limit ?? Infinity;
    this.#reject = options.queue?.whenFull === "reject";
    this.#workerData = options.workerData;
    this.#threads = new Array<Worker | null>(workers + maxExtra).fill(null);
    this.#heartbeats = new Int32Array(workers + maxExtra).fill(-1);
    this.#movedAt = new Float64Array(workers + maxExtra);
  }

  /**
   * Starts a runtime whose jobs are the default export (a {@linkcode defineJobs} set) of the
   * module at `jobModule`; resolves once every worker has imported it.
   */
  static async start<S extends JobSet = JobSet>(jobModule: URL | string, options: RuntimeOptions = {}): Promise<Runtime<S>> {
    const workers = options.workers ?? availableParallelism();
    checkCount("workers", workers, 1);
    const maxExtra = options.maxExtraMachines ?? workers;
    checkCount("maxExtraMachines", maxExtra, 0);
    const limit = options.queue?.limit;
    if (limit !== undefined) checkCount("queue.limit", limit, 1);
    const whenFull: unknown = options.queue?.whenFull;
    if (whenFull !== undefined && whenFull !== "wait" && whenFull !== "reject") {
      throw new SpindleError("INVALID_ARGUMENT", `queue.whenFull must be "wait" or "reject", got ${describe(whenFull)}`);
    }
    const url = jobModule instanceof URL ? jobModule.href : String(jobModule);
    const set = ((await import(url)) as { default?: unknown }).default;
    if (!(set instanceof JobSet)) {
      throw new TypeError(`the job module ${url} must export defineJobs({...}) as its default export, got ${describe(set)}`);
    }
    const processors = workers + maxExtra;
    const setup: SchedulerSetup = {
      control: Scheduler.controlBuffer(processors, DEQUE_CAPACITY),
      heap: SharedHeap.create(options.maxHeapBytes ?? DEFAULT_MAX_HEAP_BYTES).buffer,
      tables: [WakeTable.forThisThread().buffer, ...Array.from({ length: processors }, () => WakeTable.createBuffer())],
      processors,
      workers,
      dequeCapacity: DEQUE_CAPACITY,
      jobModule: url,
      names: set.names,
      timer: options.timer?.share() ?? null,
    };
    const runtime = new Runtime<S>(new Scheduler(setup, RUNTIME_THREAD), set, workers, maxExtra, options);
    try {
      await Promise.all(Array.from({ length: workers }, (_, p) => runtime.#startMachine(p)));
    } catch (error) {
      await runtime.shutdown({ mode: "cancel" });
      throw error;
    }
    if (maxExtra > 0) runtime.#monitor = setInterval(() => runtime.#checkBlocked(), BLOCKED_CHECK_MS);
    runtime.#monitor?.unref?.();
    return runtime;
  }

  /** Machines running now (started and serving): the workers plus any extra machines. */
  get machines(): number {
    return this.#scheduler.idle.active;
  }

  /**
   * What each processor's machine did so far (index: processor; the workers first, then extra
   * machines): jobs run, steals and the jobs they took, jobs taken from the injector, parks.
   */
  stats(): ProcessorStats[] {
    return Array.from({ length: this.#threads.length }, (_, p) => this.#scheduler.stats(p));
  }

  /** Jobs spawned (here or inside jobs) that have not settled. */
  get liveJobs(): number {
    return this.#scheduler.live;
  }

  /**
   * Spawns job `name` with `args` and returns its handle. Throws {@linkcode UnknownJobError},
   * {@linkcode UncloneableValueError} (naming the job and the value), {@linkcode QueueFullError}
   * (a full bounded queue with `whenFull: "reject"`) or {@linkcode RuntimeShutdownError}.
   */
  spawn<K extends JobName<S>>(name: K, ...args: JobArgs<S, K>): JobHandle<JobResult<S, K>> {
    const scheduler = this.#scheduler;
    if (scheduler.closed !== OPEN) throw new RuntimeShutdownError(name);
    const job = this.#set.indexOf(name);
    if (job < 0) throw new UnknownJobError(name, this.#set.names);
    const length = this.#encoder.encode(args, name, "args");
    const full = this.#waitingForRoom.length > 0 || scheduler.injector.length >= this.#limit;
    if (full && this.#reject) throw new QueueFullError(name, this.#limit);
    const id = scheduler.createRecord(job, this.#encoder, length);
    if (full) {
      this.#waitingForRoom.push(id);
      void this.#admit();
    } else {
      scheduler.injector.push(id);
      scheduler.idle.notifyWork();
    }
    return createJobHandle(scheduler, id, name, RUNTIME_THREAD);
  }

  /**
   * Shuts the runtime down: `spawn` throws from now on; `"drain"` (default) lets every spawned
   * job settle, `"cancel"` cancels queued jobs (their handles fail with
   * {@linkcode RuntimeShutdownError}) and aborts running ones at their next suspension point.
   * Resolves when every worker has exited.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const mode: unknown = options.mode ?? "drain";
    if (mode !== "drain" && mode !== "cancel") {
      throw new SpindleError("INVALID_ARGUMENT", `shutdown mode must be "drain" or "cancel", got ${describe(mode)}`);
    }
    this.#shutdown ??= this.#stop(mode === "cancel");
    return this.#shutdown;
  }

  async #stop(cancel: boolean): Promise<void> {
    const scheduler = this.#scheduler;
    scheduler.close(cancel ? CANCELLING : SHUTTING_DOWN);
    if (cancel) {
      for (const id of this.#waitingForRoom.splice(0)) this.#cancelNeverQueued(id);
    }
    // Polled: the live count is a sum of per-thread counters, which nobody could notify on cheaply.
    while (scheduler.live !== 0) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    if (this.#monitor !== null) clearInterval(this.#monitor);
    scheduler.close(STOPPING);
    const exits = this.#threads.map((thread, p) => thread === null ? null : this.#exit(p, thread));
    await Promise.all(exits);
  }

  /** Waits for machine `p`'s thread to exit, terminating it after a grace period. */
  async #exit(p: number, thread: Worker): Promise<void> {
    const exited = new Promise<number>((resolve) => (this.#exited[p] = resolve));
    const timer = setTimeout(() => void thread.terminate(), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Starts the machine of processor `p` on a new thread; resolves when it is ready. */
  #startMachine(p: number): Promise<void> {
    const scheduler = this.#scheduler;
    scheduler.setRetired(p, false);
    const workerData = { setup: scheduler.setup, processor: p, data: this.#workerData };
    const thread = new Worker(WORKER_URL, { workerData, name: `spindle-machine-${p}` });
    this.#threads[p] = thread;
    let error: unknown = null;
    return new Promise<void>((resolve, reject) => {
      thread.once("message", () => resolve());
      thread.on("error", (e) => (error = e));
      thread.once("exit", (code) => {
        reject(error ?? new Error(`worker ${p} exited (code ${code}) before it was ready`));
        this.#onExit(p, code, error);
      });
    });
  }

  /** A machine's thread exited: expected (stopping, retiring), or a death to recover from. */
  #onExit(p: number, code: number, error: unknown): void {
    const scheduler = this.#scheduler;
    this.#threads[p] = null;
    scheduler.idle.depart(p);
    const exited = this.#exited[p];
    if (exited !== undefined) {
      delete this.#exited[p];
      exited(code);
    }
    if (scheduler.closed === STOPPING || scheduler.isRetired(p)) return;
    // Died: its running jobs are lost, its queued ones move to the injector, and it is replaced.
    const lostCode = error !== null && code === 0 ? 1 : code;
    for (const id of scheduler.runningJobs(p)) scheduler.settleLost(id, lostCode);
    let moved = 0;
    const slot = scheduler.takeSlot(p);
    if (slot !== 0) {
      scheduler.injector.push(slot);
      moved++;
    }
    for (;;) {
      const id = scheduler.deque(p).steal();
      if (id === RETRY) continue;
      if (id === EMPTY) break;
      scheduler.injector.push(id);
      moved++;
    }
    scheduler.unpark(p);
    if (p < this.#workers) void this.#startMachine(p).catch(() => {});
    if (moved > 0) scheduler.idle.notifyWork();
  }

  /**
   * Every {@linkcode BLOCKED_CHECK_MS}: when work is queued and no machine has moved for
   * {@linkcode BLOCKED_AFTER_MS} (all stuck in long jobs), starts an extra machine, up to
   * `maxExtraMachines`.
   */
  #checkBlocked(): void {
    const scheduler = this.#scheduler;
    const now = performance.now();
    let allStuck = true;
    let queued = scheduler.injector.length > 0;
    for (let p = 0; p < this.#threads.length; p++) {
      if (this.#threads[p] === null) continue;
      const heartbeat = Atomics.load(scheduler.control, scheduler.processorWord(p, HEARTBEAT));
      if (heartbeat !== this.#heartbeats[p]) {
        this.#heartbeats[p] = heartbeat;
        this.#movedAt[p] = now;
      }
      if (now - (this.#movedAt[p] as number) < BLOCKED_AFTER_MS) allStuck = false;
      if (!scheduler.deque(p).isEmpty || scheduler.hasSlot(p)) queued = true;
    }
    if (!allStuck || !queued || scheduler.closed === STOPPING) return;
    for (let p = this.#workers; p < this.#workers + this.#maxExtra; p++) {
      if (this.#threads[p] === null) {
        void this.#startMachine(p).catch(() => {});
        return;
      }
    }
  }

  /** Moves jobs waiting for room into the injector as room frees, in spawn order. */
  async #admit(): Promise<void> {
    if (this.#admitting) return;
    this.#admitting = true;
    const scheduler = this.#scheduler;
    const waiting = this.#waitingForRoom;
    try {
      while (waiting.length > 0) {
        const room = scheduler.watchRoom();
        let admitted = 0;
        while (waiting.length > 0 && scheduler.injector.length < this.#limit) {
          scheduler.injector.push(waiting.shift() as number);
          admitted++;
        }
        if (admitted > 0) scheduler.idle.notifyWork();
        if (waiting.length === 0) break;
        const wait = Atomics.waitAsync(scheduler.control, ROOM, room, BLOCKED_CHECK_MS);
        if (wait.async) await wait.value;
      }
    } finally {
      scheduler.stopWatchingRoom();
      this.#admitting = false;
    }
  }

  /** Settles a job that never entered the queue, for a cancelling shutdown. */
  #cancelNeverQueued(id: number): void {
    const scheduler = this.#scheduler;
    const name = this.#set.names[Atomics.load(scheduler.records, id + JOB)] as string;
    const length = this.#encoder.encode(new RuntimeShutdownError(name), name, "error");
    if (scheduler.cancelQueued(id, this.#encoder, length)) scheduler.release(id); // nobody will take it from a queue
  }
}

function checkCount(name: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > 256) {
    throw new SpindleError("INVALID_ARGUMENT", `${name} must be an integer from ${min} to 256, got ${describe(value)}`);
  }
}

const WORKER_URL = new URL(import.meta.url.endsWith(".ts") ? "./worker-main.ts" : "./worker-main.js", import.meta.url);
