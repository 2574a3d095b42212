import { availableParallelism } from "node:os";
import { isAbsolute } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, permissionDenied, SpindleError, WakeTable } from "@spindle/core";
import type { Timer } from "@spindle/timer";
import { JobAbortedError, JobTimeoutError, QueueFullError, RuntimeShutdownError, UnknownJobError } from "./errors.ts";
import { abortJobHandle, createJobHandle, isJobHandleDone, type JobHandle } from "./job-handle.ts";
import { isImportingJobModule } from "./job-context.ts";
import { ABORT, JOB } from "./job-record.ts";
import type { JobOutput, Jobs, JobSet } from "./job-set.ts";
import {
  CANCELLING,
  // deno-lint-ignore no-unused-vars -- for the {@linkcode} in RuntimeOptions' maxExtraMachines
  type EXTRA_MACHINE_IDLE_MS,
  HEARTBEAT,
  OPEN,
  type ProcessorStats,
  ROOM,
  RUNTIME_THREAD,
  Scheduler,
  type SchedulerSetup,
  SHUTTING_DOWN,
  STOPPING,
} from "./scheduler.ts";
import { SharedHeap } from "./shared-heap.ts";
import { ValueEncoder } from "@spindle/codec";
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
  /**
   * How long, in milliseconds, a running job may take to stop after it was aborted (`abort()`,
   * its `timeout`, its `signal`, `shutdown({ mode: "cancel" })`) — reach a suspension point and
   * finish its `finally` blocks — before its worker is terminated and replaced. The job's handle
   * then fails as an abort does; the other jobs that were running on that worker fail with
   * {@linkcode WorkerLostError}; queued jobs still run. Default
   * {@linkcode DEFAULT_ABORT_GRACE_MS} (1 s); from 0 to 2^31 - 1.
   */
  readonly abortGraceMs?: number;
}

/** The default of {@linkcode RuntimeOptions.abortGraceMs}. */
export const DEFAULT_ABORT_GRACE_MS = 1_000;

/** How a runtime shuts down: let every job finish, or cancel queued and running ones. */
export interface ShutdownOptions {
  /** `"drain"` (default): every spawned job settles first; `"cancel"`: queued and running jobs are cancelled. */
  readonly mode?: "drain" | "cancel";
  /**
   * With `"drain"`: after this many milliseconds the shutdown cancels what is left, as
   * `"cancel"` does. Default: no limit (a job that never ends keeps a draining shutdown waiting).
   */
  readonly timeout?: number;
}

/** Options of {@linkcode Runtime.spawnWith}. */
export interface SpawnOptions {
  /**
   * Aborts the job when the signal fires: a queued job never runs, a running one is stopped as by
   * `abort()`; its handle fails with {@linkcode JobAbortedError} (named `"AbortError"`, the signal's
   * reason as its `cause`). A signal that has already fired fails the handle at once.
   */
  readonly signal?: AbortSignal;
  /**
   * A deadline, in milliseconds from the spawn: a job that has not settled by then is aborted and
   * its handle fails with {@linkcode JobTimeoutError} (named `"TimeoutError"`). From 0 to 2^31 - 1.
   */
  readonly timeout?: number;
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
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What watches a job spawned with {@linkcode SpawnOptions}: its deadline and its signal. */
interface Watch {
  readonly timer: ReturnType<typeof setTimeout> | null;
  readonly signal: AbortSignal | null;
}

/** The jobs spawned with one signal, and the one listener the runtime added to it. */
interface SignalWatch {
  readonly handles: Set<JobHandle<unknown>>;
  readonly listener: () => void;
}

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
 * was running with {@linkcode WorkerLostError} (the error that killed it as `cause`), is replaced,
 * and its queued jobs run elsewhere. A job that does not stop within `abortGraceMs` of an abort
 * (an endless loop) has its worker terminated and replaced. The runtime keeps the process alive
 * until {@linkcode Runtime.shutdown}.
 *
 * @example
 * ```ts
 * import { Runtime } from "@spindle/workstealing";
 * import type jobs from "./examples/jobs.ts";
 *
 * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 2 });
 * const sums = [1, 2, 3].map((n) => runtime.spawn("add", n, 10));
 * console.log(await Promise.all(sums)); // [ 11, 12, 13 ]
 * console.log(await runtime.spawn("fib", 25)); // 75025
 * await runtime.shutdown();
 * ```
 */
export class Runtime<S extends JobSet = JobSet> {
  readonly #scheduler: Scheduler;
  /** The job names, in index order, as the first worker to import the job module reported them. */
  #names: readonly string[] = [];
  #indexes = new Map<string, number>();
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
  #cancelling = false;
  readonly #graceMs: number;
  /**
   * The watchdog's view of each processor's stop requests (see {@linkcode Runtime.#checkStops}):
   * the request count that must be handled, and since when (NaN: none pending).
   */
  readonly #stopTarget: Int32Array;
  readonly #stopSince: Float64Array;
  /** Processors whose thread this runtime terminated because a job would not stop. */
  readonly #terminated: boolean[];
  readonly #watched = new Map<JobHandle<unknown>, Watch>();
  readonly #signals = new Map<AbortSignal, SignalWatch>();

  private constructor(scheduler: Scheduler, workers: number, maxExtra: number, options: RuntimeOptions) {
    this.#scheduler = scheduler;
    this.#workers = workers;
    this.#maxExtra = maxExtra;
    this.#limit = options.queue?.limit ?? Infinity;
    this.#reject = options.queue?.whenFull === "reject";
    this.#workerData = options.workerData;
    this.#threads = new Array<Worker | null>(workers + maxExtra).fill(null);
    this.#heartbeats = new Int32Array(workers + maxExtra).fill(-1);
    this.#movedAt = new Float64Array(workers + maxExtra);
    this.#graceMs = options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
    this.#stopTarget = new Int32Array(workers + maxExtra);
    this.#stopSince = new Float64Array(workers + maxExtra).fill(NaN);
    this.#terminated = new Array<boolean>(workers + maxExtra).fill(false);
  }

  /**
   * Starts a runtime whose jobs are the default export (a {@linkcode defineJobs} set) of the
   * module at `jobModule`; resolves once every worker has imported it.
   *
   * `jobModule` is a `URL` (usually `new URL("./jobs.ts", import.meta.url)`), an absolute path,
   * or an absolute URL string of any scheme the runtime can import; a relative string throws
   * `INVALID_ARGUMENT` (it has no base this package could know). On Deno, a missing
   * `--allow-read` rejects with core's `PermissionDeniedError`.
   *
   * Only the workers import the module, so it may be the program's entry script
   * (`Runtime.start(import.meta.url)`, with top-level `await`), as long as it starts the runtime
   * only on the main thread (`if (isMainThread)`): a call made while a worker imports the module
   * throws `INVALID_ARGUMENT`.
   */
  static async start<S extends JobSet = JobSet>(
    jobModule: URL | string,
    options: RuntimeOptions = {},
  ): Promise<Runtime<S>> {
    const url = jobModuleUrl(jobModule);
    if (isImportingJobModule()) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `Runtime.start(${
          JSON.stringify(url)
        }) was called by a worker importing the job module: a job module that starts a runtime at its top level must do so only on the main thread (if (isMainThread) { ... })`,
      );
    }
    const workers = options.workers ?? availableParallelism();
    checkCount("workers", workers, 1);
    const maxExtra = options.maxExtraMachines ?? workers;
    checkCount("maxExtraMachines", maxExtra, 0);
    const limit = options.queue?.limit;
    if (limit !== undefined) checkCount("queue.limit", limit, 1);
    const whenFull: unknown = options.queue?.whenFull;
    if (whenFull !== undefined && whenFull !== "wait" && whenFull !== "reject") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `queue.whenFull must be "wait" or "reject", got ${describe(whenFull)}`,
      );
    }
    const grace: unknown = options.abortGraceMs;
    if (grace !== undefined) checkMs("abortGraceMs", grace);
    const processors = workers + maxExtra;
    const setup: SchedulerSetup = {
      control: Scheduler.controlBuffer(processors, DEQUE_CAPACITY),
      heap: SharedHeap.create(options.maxHeapBytes ?? DEFAULT_MAX_HEAP_BYTES).buffer,
      tables: [WakeTable.forThisThread().buffer, ...Array.from({ length: processors }, () => WakeTable.createBuffer())],
      processors,
      workers,
      dequeCapacity: DEQUE_CAPACITY,
      jobModule: url,
      timer: options.timer?.share() ?? null,
      abortGraceMs: options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS,
    };
    const runtime = new Runtime<S>(new Scheduler(setup, RUNTIME_THREAD), workers, maxExtra, options);
    try {
      // The workers import the job module (this thread does not: it may be the entry script,
      // still evaluating its top-level await of this call) and report its job names.
      const [names] = await Promise.all(Array.from({ length: workers }, (_, p) => runtime.#startMachine(p)));
      runtime.#names = names as readonly string[];
      runtime.#indexes = new Map(runtime.#names.map((name, index) => [name, index]));
    } catch (error) {
      await runtime.shutdown({ mode: "cancel" });
      throw permissionDenied(error, "starting the runtime's worker threads") ?? error;
    }
    runtime.#monitor = setInterval(() => runtime.#tick(), BLOCKED_CHECK_MS);
    runtime.#monitor.unref?.();
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
    return this.#spawn(name, args, null) as JobHandle<JobResult<S, K>>;
  }

  /**
   * {@linkcode Runtime.spawn} with options: a deadline (`timeout`, in ms) and an `AbortSignal`.
   * When either fires first, the job is aborted — removed if still queued, else stopped at its
   * next suspension point, and after `abortGraceMs` by terminating its worker — and its handle
   * fails with {@linkcode JobTimeoutError} or {@linkcode JobAbortedError} (its `cause`: the
   * signal's reason). Throws what `spawn` throws, and `INVALID_ARGUMENT` for bad options.
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 1 });
   * console.log(await runtime.spawnWith({ timeout: 10_000 }, "add", 1, 2)); // 3
   * const controller = new AbortController();
   * controller.abort(new Error("no longer needed"));
   * const handle = runtime.spawnWith({ signal: controller.signal }, "fib", 30);
   * await handle.then(undefined, (error: unknown) => console.log((error as Error).name, ((error as Error).cause as Error).message));
   * // AbortError no longer needed
   * await runtime.shutdown();
   * ```
   */
  spawnWith<K extends JobName<S>>(options: SpawnOptions, name: K, ...args: JobArgs<S, K>): JobHandle<JobResult<S, K>> {
    if (typeof options !== "object" || options === null) {
      throw new SpindleError("INVALID_ARGUMENT", `spawnWith() needs an options object first, got ${describe(options)}`);
    }
    const timeout: unknown = options.timeout;
    if (timeout !== undefined) checkMs("timeout", timeout);
    const signal: unknown = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new SpindleError("INVALID_ARGUMENT", `signal must be an AbortSignal, got ${describe(signal)}`);
    }
    return this.#spawn(name, args, options) as JobHandle<JobResult<S, K>>;
  }

  #spawn(name: string, args: unknown[], options: SpawnOptions | null): JobHandle<unknown> {
    const scheduler = this.#scheduler;
    if (scheduler.closed !== OPEN) throw new RuntimeShutdownError(name);
    const job = this.#indexes.get(name) ?? -1;
    if (job < 0) throw new UnknownJobError(name, this.#names);
    const length = this.#encoder.encode(args, name, "args");
    // A getter of `args` may have shut the runtime down while they were encoded.
    if (scheduler.closed !== OPEN) throw new RuntimeShutdownError(name);
    const signal = options?.signal;
    if (signal?.aborted === true) {
      // Fails at once without running: a record that never enters a queue, cancelled here.
      const id = scheduler.createRecord(job, this.#encoder, length);
      const handle = createJobHandle<unknown>(scheduler, id, name, RUNTIME_THREAD);
      abortJobHandle(handle, new JobAbortedError(name, signal.reason));
      scheduler.release(id); // the execution's reference: nobody will take it from a queue
      return handle;
    }
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
    const handle = createJobHandle<unknown>(scheduler, id, name, RUNTIME_THREAD);
    if (options !== null && (options.timeout !== undefined || signal !== undefined)) this.#watch(handle, name, options);
    return handle;
  }

  /** Arms a job's deadline and signal; {@linkcode Runtime.#unwatch} disarms them once it settled. */
  #watch(handle: JobHandle<unknown>, name: string, options: SpawnOptions): void {
    const timeout = options.timeout;
    let timer: ReturnType<typeof setTimeout> | null = null;
    if (timeout !== undefined) {
      timer = setTimeout(() => {
        abortJobHandle(handle, new JobTimeoutError(name, timeout));
        this.#unwatch(handle);
      }, timeout);
      timer.unref?.(); // the runtime keeps the process alive while it runs; this must not after
    }
    const signal = options.signal ?? null;
    if (signal !== null) {
      let watch = this.#signals.get(signal);
      if (watch === undefined) {
        // One listener per signal, however many jobs share it (Node warns past 10 listeners).
        const handles = new Set<JobHandle<unknown>>();
        const listener = (): void => {
          this.#signals.delete(signal);
          for (const h of handles) {
            abortJobHandle(h, new JobAbortedError(h.job, signal.reason));
            this.#unwatch(h);
          }
        };
        watch = { handles, listener };
        this.#signals.set(signal, watch);
        signal.addEventListener("abort", listener, { once: true });
      }
      watch.handles.add(handle);
    }
    this.#watched.set(handle, { timer, signal });
  }

  #unwatch(handle: JobHandle<unknown>): void {
    const watch = this.#watched.get(handle);
    if (watch === undefined) return;
    this.#watched.delete(handle);
    if (watch.timer !== null) clearTimeout(watch.timer);
    if (watch.signal !== null) {
      const signalWatch = this.#signals.get(watch.signal);
      if (signalWatch !== undefined && signalWatch.handles.delete(handle) && signalWatch.handles.size === 0) {
        this.#signals.delete(watch.signal);
        watch.signal.removeEventListener("abort", signalWatch.listener);
      }
    }
  }

  /**
   * Shuts the runtime down: `spawn` throws from now on; `"drain"` (default) lets every spawned
   * job settle (for at most `timeout` ms when given, then it cancels), `"cancel"` cancels queued
   * jobs (their handles fail with {@linkcode RuntimeShutdownError}) and aborts running ones,
   * terminating the worker of any that does not stop within `abortGraceMs`, so that it resolves
   * in bounded time. Calling it again with `"cancel"` while a drain is under way cancels.
   * Resolves when every worker has exited.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const mode: unknown = options.mode ?? "drain";
    if (mode !== "drain" && mode !== "cancel") {
      throw new SpindleError("INVALID_ARGUMENT", `shutdown mode must be "drain" or "cancel", got ${describe(mode)}`);
    }
    const timeout: unknown = options.timeout;
    if (timeout !== undefined) checkMs("timeout", timeout);
    if (mode === "cancel") this.#cancel();
    if (this.#shutdown === null) {
      const deadline = typeof timeout === "number" && mode === "drain"
        ? setTimeout(() => this.#cancel(), timeout)
        : null;
      this.#shutdown = this.#stop().finally(() => deadline !== null && clearTimeout(deadline));
    }
    return this.#shutdown;
  }

  /** Turns the shutdown into a cancelling one (once). */
  #cancel(): void {
    if (this.#cancelling) return;
    this.#cancelling = true;
    this.#scheduler.close(CANCELLING);
    for (const id of this.#waitingForRoom.splice(0)) this.#cancelNeverQueued(id);
  }

  async #stop(): Promise<void> {
    const scheduler = this.#scheduler;
    if (scheduler.closed === OPEN) scheduler.close(SHUTTING_DOWN);
    // Polled: the live count is a sum of per-thread counters, which nobody could notify on cheaply.
    // Meanwhile the monitor goes on terminating machines whose jobs will not stop.
    while (scheduler.live !== 0) {
      if (this.#cancelling) this.#cancelInjected();
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    if (this.#monitor !== null) clearInterval(this.#monitor);
    for (const handle of [...this.#watched.keys()]) this.#unwatch(handle);
    scheduler.close(STOPPING);
    const exits = this.#threads.map((thread, p) => thread === null ? null : this.#exit(p, thread));
    await Promise.all(exits);
  }

  /** Cancels every job in the injector (a cancelling shutdown: nothing waits for a machine). */
  #cancelInjected(): void {
    const batch: number[] = [];
    while (this.#scheduler.injector.popBatch(batch, DEQUE_CAPACITY) > 0) {
      for (const id of batch) this.#cancelTaken(id);
      batch.length = 0;
    }
  }

  /** Cancels a job this thread took from a queue (it drops the queue's reference, as a machine would). */
  #cancelTaken(id: number): void {
    const scheduler = this.#scheduler;
    const name = this.#names[Atomics.load(scheduler.records, id + JOB)] as string;
    const length = this.#encoder.encode(new RuntimeShutdownError(name), name, "error");
    scheduler.cancelQueued(id, this.#encoder, length); // false: aborted while queued, settled already
    scheduler.release(id);
  }

  /** Waits for machine `p`'s thread to exit, terminating it after a grace period. */
  async #exit(p: number, thread: Worker): Promise<void> {
    const exited = new Promise<number>((resolve) => (this.#exited[p] = resolve));
    const timer = setTimeout(() => void thread.terminate(), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Starts the machine of processor `p` on a new thread; resolves with the job names when it is ready. */
  #startMachine(p: number): Promise<readonly string[]> {
    const scheduler = this.#scheduler;
    scheduler.setRetired(p, false);
    const workerData = { setup: scheduler.setup, processor: p, data: this.#workerData };
    let thread: Worker;
    try {
      thread = spawnMachineThread(workerData, p);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#threads[p] = thread;
    let error: unknown = null;
    return new Promise<readonly string[]>((resolve, reject) => {
      thread.once("message", (ready: { names: readonly string[] }) => resolve(ready.names));
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
    // The next machine of `p` must not inherit a park its predecessor left half done: a thread
    // that died parked leaves the parker word PARKED, and the next park would then spin instead
    // of sleeping (an async park for good, starving its event loop: issue 17, item 1).
    scheduler.unpark(p);
    const reported = scheduler.takeCrash(p);
    const terminated = this.#terminated[p] === true;
    this.#terminated[p] = false;
    this.#stopSince[p] = NaN;
    this.#stopTarget[p] = scheduler.stopRequests(p);
    const exited = this.#exited[p];
    if (exited !== undefined) {
      delete this.#exited[p];
      exited(code);
    }
    if (scheduler.closed === STOPPING || scheduler.isRetired(p)) return;
    // Died: its running jobs are lost (aborted ones end as cancelled: that is what was asked), its
    // queued ones move to the injector (or are cancelled, when the runtime cancels), and it is
    // replaced.
    const cancelling = scheduler.closed === CANCELLING;
    const running = scheduler.runningJobs(p);
    const records = scheduler.records;
    const isAborted = (id: number): boolean => cancelling || Atomics.load(records, id + ABORT) !== 0;
    let cause: unknown = reported ?? error ?? undefined;
    if (cause === undefined && terminated) {
      const stuck = running.filter(isAborted).map((id) => JSON.stringify(this.#names[Atomics.load(records, id + JOB)]));
      cause = new Error(
        `worker ${p} was terminated: ${
          stuck.length > 0 ? `job ${stuck.join(", ")}` : "a job"
        } did not stop within ${this.#graceMs} ms of being aborted`,
      );
    }
    const lostCode = (error !== null || reported !== undefined) && code === 0 ? 1 : code;
    const causeLength = cause === undefined ? 0 : this.#encodeCause(cause);
    let lost = 0;
    for (const id of running) {
      if (isAborted(id)) {
        scheduler.settleTerminated(id);
      } else {
        scheduler.settleLost(id, lostCode, this.#encoder, causeLength);
        lost++;
      }
    }
    let moved = 0;
    const queued = (id: number): void => {
      if (cancelling) {
        this.#cancelTaken(id);
      } else {
        scheduler.injector.push(id);
        moved++;
      }
    };
    const slot = scheduler.takeSlot(p);
    if (slot !== 0) queued(slot);
    for (;;) {
      const id = scheduler.deque(p).steal();
      if (id === RETRY) continue;
      if (id === EMPTY) break;
      queued(id);
    }
    if (p < this.#workers && !cancelling) void this.#startMachine(p).catch(() => {});
    if (moved > 0) scheduler.idle.notifyWork();
    if (running.length === 0 && cause !== undefined && !terminated) {
      // Nobody's handle carries it: a host callback of a job that had finished, say.
      process.emitWarning(`spindle: worker ${p} died (exit code ${lostCode}) while running no job`, {
        detail: String((cause as Error)?.stack ?? cause),
      });
    }
  }

  /** Encodes the error that killed a worker, for its lost jobs' payload; returns its length. */
  #encodeCause(cause: unknown): number {
    try {
      return this.#encoder.encode(cause, "worker", "error");
    } catch {
      const plain = new Error(cause instanceof Error ? cause.message : String(cause));
      plain.name = cause instanceof Error ? cause.name : "Error";
      plain.stack = cause instanceof Error ? cause.stack ?? "" : "";
      return this.#encoder.encode(plain, "worker", "error");
    }
  }

  /** Every {@linkcode BLOCKED_CHECK_MS}: the stop watchdog, deadlines' clean-up, blocked machines. */
  #tick(): void {
    this.#checkStops();
    for (const handle of this.#watched.keys()) {
      if (isJobHandleDone(handle)) this.#unwatch(handle);
    }
    if (this.#maxExtra > 0) this.#checkBlocked();
  }

  /**
   * The watchdog: a machine asked to stop a job ({@linkcode Scheduler.requestStop}) that has not
   * got to the request within `abortGraceMs`, while it runs jobs, is stuck in one (an endless
   * loop, or a long synchronous stretch): its thread is terminated, and {@linkcode Runtime.#onExit}
   * settles its jobs and replaces it. A machine that got to the request but whose aborted job
   * takes too long to unwind ends its own thread (see the machine's `#checkAborting`).
   */
  #checkStops(): void {
    const scheduler = this.#scheduler;
    const now = performance.now();
    for (let p = 0; p < this.#threads.length; p++) {
      const thread = this.#threads[p];
      if (thread === null || thread === undefined || this.#terminated[p] === true) continue;
      const handled = scheduler.stopsHandled(p);
      if (!Number.isNaN(this.#stopSince[p] as number) && ((handled - (this.#stopTarget[p] as number)) | 0) >= 0) {
        this.#stopSince[p] = NaN; // it got to every request pending when the watch began
      }
      const requests = scheduler.stopRequests(p);
      if (Number.isNaN(this.#stopSince[p] as number)) {
        if (((handled - requests) | 0) >= 0) continue;
        this.#stopTarget[p] = requests;
        this.#stopSince[p] = now;
        continue;
      }
      if (now - (this.#stopSince[p] as number) >= this.#graceMs && scheduler.hasRunningJobs(p)) {
        this.#terminated[p] = true;
        scheduler.abandon(p); // should the thread outlive terminate(), its machine stops there
        void thread.terminate();
      }
    }
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
    const name = this.#names[Atomics.load(scheduler.records, id + JOB)] as string;
    const length = this.#encoder.encode(new RuntimeShutdownError(name), name, "error");
    scheduler.cancelQueued(id, this.#encoder, length); // false: aborted while waiting, settled already
    scheduler.release(id); // nobody will take it from a queue
  }
}

function checkMs(name: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${name} must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${describe(value)}`,
    );
  }
}

function checkCount(name: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > 256) {
    throw new SpindleError("INVALID_ARGUMENT", `${name} must be an integer from ${min} to 256, got ${describe(value)}`);
  }
}

/**
 * The job module as an absolute URL string: a `URL`, an absolute path, or an absolute URL string.
 * A relative string is refused: `import()` here would resolve it against this package's folder.
 */
function jobModuleUrl(jobModule: unknown): string {
  if (jobModule instanceof URL) return jobModule.href;
  if (typeof jobModule === "string") {
    // A Windows path (`C:\jobs.ts`) parses as a URL of scheme `c:`, so paths are tried first.
    if (isAbsolute(jobModule)) return pathToFileURL(jobModule).href;
    if (URL.canParse(jobModule)) return jobModule;
  }
  throw new SpindleError(
    "INVALID_ARGUMENT",
    `the job module must be a URL, an absolute path or an absolute URL string, got ${describe(jobModule)}; ` +
      `for a module beside yours pass new URL(${
        JSON.stringify(typeof jobModule === "string" ? jobModule : "./jobs.ts")
      }, import.meta.url)`,
  );
}

/**
 * Starts the thread of machine `p`. The entry is named by the literal
 * `new Worker(new URL("./worker-main.js", import.meta.url))`, the form bundlers follow, resolved
 * only here, never at module load. From source, `./worker-main.js` is a shim beside
 * `worker-main.ts` that imports it.
 *
 * Loaded over `http(s):` (as JSR serves Deno), the worker starts from a `data:` module that
 * imports the entry: Deno's `node:worker_threads` accepts only `file:` and `data:` URLs.
 */
function spawnMachineThread(workerData: unknown, p: number): Worker {
  const options = { workerData, name: `spindle-machine-${p}` };
  if (import.meta.url.startsWith("file:")) return new Worker(new URL("./worker-main.js", import.meta.url), options);
  // webpackIgnore: this URL is only imported by the data: module, not a file to copy into a bundle.
  const entry = new URL(/* webpackIgnore: true */ "./worker-main.js", import.meta.url).href;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(`import ${JSON.stringify(entry)};`)}`), options);
}
