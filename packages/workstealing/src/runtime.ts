import { KEY } from "./construct-key.ts";
import { availableParallelism } from "node:os";
import { isAbsolute } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import {
  checkOptions,
  checkSignal,
  describe,
  HOST_RUNTIME,
  isInstance,
  noPublicConstructor,
  permissionDenied,
  readIterable,
  recoverDeadThread,
  SpindleError,
  unreadableError,
  WakeTable,
} from "@spindle/core";
import type { Timer } from "@spindle/timer";
import {
  JobAbortedError,
  JobTimeoutError,
  QueueFullError,
  RuntimeShutdownError,
  shutdownCancellation,
  UnknownJobError,
} from "./errors.ts";
import { HeartbeatWatch } from "./heartbeat-watch.ts";
import { SilentDeathWatch, watchesSilentDeaths } from "./silent-death-watch.ts";
import { encodeOutcome } from "./encode-outcome.ts";
import { abortJobHandle, createJobHandle, isJobHandleDone, type JobHandle, takeDetachedError } from "./job-handle.ts";
import { isImportingJobModule } from "./job-context.ts";
import { isJobModuleProblem, jobModuleError, type JobModuleProblem } from "./job-module.ts";
import { ABORT, JOB, MAP_CHUNK, RUNTIME_CANCELLED, SPAWNED_AT, WORKER } from "./job-record.ts";
import { mapInChunks, type MapOptions } from "./job-map.ts";
import type { JobOutput, Jobs, JobSet } from "./job-set.ts";
import type {
  // deno-lint-ignore no-unused-vars -- for the {@linkcode} in RuntimeOptions' maxExtraMachines
  EXTRA_MACHINE_IDLE_MS,
  // deno-lint-ignore no-unused-vars -- for the {@linkcode} in #checkStops
  Processor,
  ProcessorStats,
} from "./processor.ts";
import {
  CANCELLING,
  CLOSE_FORCE,
  OPEN,
  RUNTIME_THREAD,
  SharedState,
  type SharedStateSetup,
  SHUTDOWN_CANCEL,
  SHUTDOWN_TIMEOUT,
  SHUTTING_DOWN,
  STOPPING,
} from "./shared-state.ts";
import { outputWordsBuffer, PendingOutput } from "./output-flush.ts";
import { ProcessRef } from "./process-ref.ts";
import {
  type QueueReading,
  type RuntimeEventMap,
  RuntimeEvents,
  type RuntimeListenerOptions,
} from "./runtime-events.ts";
import { epochMs, metricsBuffer, MetricsReader, type RuntimeMetrics, type WorkerMetrics } from "./metrics.ts";
import { MAX_SHARED_BUFFER_BYTES, reclaimBuffersOf, SharedBuffer } from "@spindle/codec";
import { checkResourceLimits, type ResourceLimits } from "./resource-limits.ts";
import { checkWorkerThreadOptions, type WorkerThreadOptions } from "./worker-thread-options.ts";
import { MAX_HEAP_BYTES, SharedHeap } from "@spindle/codec";
import { ValueEncoder } from "@spindle/codec";
import { EMPTY, RETRY } from "./work-deque.ts";

/** Options of {@linkcode Runtime.start}. */
export interface RuntimeOptions {
  /** Worker threads (machines), at most. Default: the available parallelism. */
  readonly workers?: number;
  /**
   * Workers that always run (piscina's `minThreads`); the runtime starts these, and starts the
   * others, up to `workers`, when work is queued and no machine is free to take it. A worker
   * beyond `minWorkers` that finds no work for `idleTimeout` ms exits. Default: `workers` (a
   * fixed pool); from 1 to `workers`.
   */
  readonly minWorkers?: number;
  /**
   * How long, in ms, a worker beyond `minWorkers` may go without work before its thread exits
   * (piscina's `idleTimeout`). Default {@linkcode DEFAULT_IDLE_TIMEOUT_MS}; from 0 to 2^31 - 1.
   */
  readonly idleTimeout?: number;
  /**
   * `true`: an idle runtime (no live job) does not keep the process alive, as an idle piscina
   * pool does not; while any job is live it does. Default `false`: the runtime keeps the process
   * alive until {@linkcode Runtime.shutdown}, like an open server. See {@linkcode Runtime.unref}.
   */
  readonly unref?: boolean;
  /**
   * Limits of each worker thread's JS engine, as `node:worker_threads` takes them
   * (`maxOldGenerationSizeMb`, `maxYoungGenerationSizeMb`, `codeRangeSizeMb`, `stackSizeMb`). A
   * worker that reaches one dies as any worker does: its running jobs fail with
   * {@linkcode WorkerLostError} (`cause`: the out-of-memory error), its queued jobs run elsewhere,
   * and it is replaced. Node applies every field; Deno only `maxOldGenerationSizeMb`; Bun none:
   * there `Runtime.start` throws {@linkcode UnsupportedOptionError} (code `UNSUPPORTED`).
   */
  readonly resourceLimits?: ResourceLimits;
  /**
   * The worker threads' `process.env` (piscina's and Node's `env`): an object of strings, instead
   * of a copy of the process's environment at the thread's start. All four runtimes apply it.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Strings appended to the worker threads' `process.argv` (piscina's `argv`). All four runtimes apply it. */
  readonly argv?: readonly string[];
  /**
   * The worker threads' runtime flags (piscina's `execArgv`), instead of the process's: Node's
   * per-thread flags only (others fail the start with `ERR_WORKER_INVALID_EXEC_ARGV`), so include
   * what the workers need (a `--conditions` flag, say). Node only: Bun and Deno do not apply it,
   * and `Runtime.start` throws {@linkcode UnsupportedOptionError} there.
   */
  readonly execArgv?: readonly string[];
  /**
   * Replace a worker's thread by a fresh one after it has taken this many jobs from the queues
   * (children joined in place do not count), between jobs: it takes nothing new, finishes the jobs
   * it runs, and its queued jobs move to the other workers. Every job runs once. Default: never.
   * From 1 to 2^31 - 1.
   */
  readonly maxJobsPerWorker?: number;
  /**
   * Replace a worker's thread, between jobs as with `maxJobsPerWorker`, once its JS heap in use
   * exceeds this many bytes (tinypool's `maxMemoryLimitBeforeRecycle`; checked when a job
   * starts, at most once per ms). Default: never. A positive number.
   */
  readonly maxMemoryBeforeRecycle?: number;
  /**
   * `true`: keep per-job-name run-time and wait-time histograms and each worker's busy time,
   * read with {@linkcode Runtime.metrics}. They cost two clock reads and a few shared-memory
   * writes per job (see the package README for the measured cost), hence off by default; the
   * counters of `metrics()` (steals, parks, injector depth, extra machines) are always kept.
   */
  readonly metrics?: boolean;
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
   * `limit`: an integer from 1 to 2^31 - 1, or `"auto"`: `workers` squared (piscina's `maxQueue:
   * "auto"`, which is `maxThreads` squared); `INVALID_ARGUMENT` otherwise. Default: unbounded.
   */
  readonly queue?: { readonly limit: number | "auto"; readonly whenFull?: "wait" | "reject" };
  /**
   * Data every worker receives once, structured-cloned (a `SharedArrayBuffer` in it is shared,
   * not copied); jobs reach it as `jobs.workerData`. Job arguments cannot carry shared memory;
   * this can.
   */
  readonly workerData?: unknown;
  /** A timer (from `@spindle/timer`'s `TimerReactor`) that jobs reach as `jobs.timer`. */
  readonly timer?: Timer;
  /**
   * The most memory the jobs' shared heap may use, in bytes: an integer from 1 to 2^31 - 1 (a heap
   * takes at least 1 MiB; one buffer, argument or result takes at most 1 GiB of it). Default
   * 1 GiB (reserved, not committed).
   */
  readonly maxHeapBytes?: number;
  /**
   * How long, in milliseconds, a running job may take to stop after it was aborted (`abort()`,
   * its `timeout`, its `signal`, `shutdown({ mode: "cancel" })`) — reach a suspension point and
   * finish its `finally` blocks — before its worker is terminated and replaced. The job's handle
   * then fails as an abort does, a `CancelledError` whose `cause` says that the worker was
   * terminated (for a cancelling shutdown: the shutdown's reason, caused by the termination); the
   * other jobs that were running on that worker fail with {@linkcode WorkerLostError}, the same
   * cause; queued jobs still run. Default
   * {@linkcode DEFAULT_ABORT_GRACE_MS} (1 s); from 0 to 2^31 - 1.
   */
  readonly abortGraceMs?: number;
  /**
   * Called on the runtime's thread with the error of a job whose handle was detached
   * (`handle.detach()`, `using`) and that then failed: the error as its handle would have thrown
   * it (cause kept), and which job it was. Without it, that error becomes an unhandled rejection
   * on the runtime's thread, which Node, Deno and Bun report as they report any unawaited failing
   * promise (by default they end the process), as core's `LocalExecutor` does for a detached task.
   * Cancellations (`abort()`, a cancelling shutdown) and jobs lost with their worker are not
   * reported. Called from the runtime's monitor, shortly after the failure, and at the latest
   * when `shutdown()` settles.
   */
  readonly onUnhandledError?: (error: unknown, info: UnhandledJobInfo) => void;
}

/** Which detached job failed, for {@linkcode RuntimeOptions.onUnhandledError}. */
export interface UnhandledJobInfo {
  /** The job's name. */
  readonly job: string;
  /** The job's id: unique among the runtime's live jobs (an id is reused once its job is gone). */
  readonly id: number;
}

/** The default of {@linkcode RuntimeOptions.idleTimeout}. */
export const DEFAULT_IDLE_TIMEOUT_MS = 1_000;

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

/** Options of {@linkcode Runtime.close}, as piscina's `close()` takes them. */
export interface CloseOptions {
  /**
   * `true`: cancel what has not finished (`shutdown({ mode: "cancel" })`): queued jobs at once,
   * running ones at their next suspension point. Default `false`: let every job finish (`shutdown()`).
   */
  readonly force?: boolean;
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
/** The largest `queue.limit` (2^31 - 1). */
const MAX_QUEUE_LIMIT = 2 ** 31 - 1;

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

/** How long the runtime's thread waits for a dead machine's deque's steal lock (see its drain). */
const DRAIN_PATIENCE_MS = 1_000;

/** The shared state of `runtime`, as its own thread sees it: for tests only (the heap it uses), not exported by the package. */
export let sharedStateOf: (runtime: Runtime) => SharedState;

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
 * was running with {@linkcode WorkerLostError} (the error that killed it as `cause`: an uncaught
 * error, `ERR_WORKER_OUT_OF_MEMORY`, or, for a thread that exited without one, as a job's
 * `process.exit()` makes it, an error naming its exit code), is replaced,
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
  static {
    sharedStateOf = (runtime) => runtime.#shared;
  }

  readonly #shared: SharedState;
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
  /**
   * Jobs waiting on this thread for room in the bounded queue, in spawn order (a `Set` keeps
   * insertion order): one aborted meanwhile leaves it at once (`#dequeueWaiting`).
   */
  readonly #waitingForRoom = new Set<number>();
  /** Takes out a job that was cancelled while it waited for room (the handle's `dequeue`). */
  readonly #dequeueWaiting = (id: number): void => {
    // The queue's reference: nobody will take the job from a queue now. A job already admitted
    // into the injector is not here: the injector gave its place back (Injector.takeOut).
    if (this.#waitingForRoom.delete(id)) this.#shared.records.release(id);
  };
  #admitting = false;
  /** Workers beyond `minWorkers` whose thread is not running (retired, or not started yet). */
  #retiredWorkers = 0;
  #monitor: ReturnType<typeof setInterval> | null = null;
  /**
   * The last machine that did not start after `Runtime.start` (a dead worker's replacement, a
   * worker started on demand): which processor, its thread's exit code, and why, as
   * `Runtime.start` would have rejected. While no machine runs, queued jobs fail with it
   * ({@linkcode Runtime.#failQueuedIfNoMachine}).
   */
  #startFailure: { worker: number; code: number; failure: unknown } | null = null;
  /** The machines' heartbeats, to tell when all are blocked. */
  readonly #heartbeats: HeartbeatWatch;
  #shutdown: Promise<void> | null = null;
  #cancelling = false;
  readonly #onUnhandledError: ((error: unknown, info: UnhandledJobInfo) => void) | null;
  readonly #graceMs: number;
  /**
   * The watchdog's view of each processor's stop requests (see {@linkcode Runtime.#checkStops}):
   * the request count that must be handled, and since when (NaN: none pending).
   */
  readonly #stopTarget: Int32Array;
  readonly #stopSince: Float64Array;
  /** Processors whose thread this runtime terminated (a job would not stop, or it died silently). */
  readonly #terminated: boolean[];
  /** With a heap limit: the watch for machines dead of it without an event. */
  readonly #silentDeaths: SilentDeathWatch | null;
  /** Why the runtime took processor `p`'s machine for dead and terminated it, when it did. */
  readonly #takenForDead: (string | undefined)[] = [];
  readonly #watched = new Map<JobHandle<unknown>, Watch>();
  readonly #signals = new Map<AbortSignal, SignalWatch>();
  readonly #minWorkers: number;
  readonly #metricsReader: MetricsReader | null;
  /** The records' spawn times, over the heap (with metrics). */
  readonly #spawnTimes: Float64Array | null;
  #extraMachinesStarted = 0;
  readonly #processRef: ProcessRef;
  /** The runtime's "drain" and "needsDrain" events (its monitor looks once a listener was added). */
  readonly #events = new RuntimeEvents();
  /** The machine threads' `env`, `argv` and `execArgv`, as given. */
  readonly #threadOptions: WorkerThreadOptions;
  /** Whether output a machine wrote before a settlement is on its way to this thread. */
  readonly #output: PendingOutput;

  private constructor(
    key: typeof KEY,
    shared: SharedState,
    workers: number,
    maxExtra: number,
    options: RuntimeOptions,
  ) {
    if (key !== KEY) throw noPublicConstructor("Runtime", "use Runtime.start()", key);
    this.#shared = shared;
    this.#workers = workers;
    this.#maxExtra = maxExtra;
    // A number: start() resolved "auto".
    this.#limit = (options.queue?.limit as number | undefined) ?? Infinity;
    this.#reject = options.queue?.whenFull === "reject";
    this.#workerData = options.workerData;
    this.#threadOptions = { env: options.env, argv: options.argv, execArgv: options.execArgv };
    this.#threads = new Array<Worker | null>(workers + maxExtra).fill(null);
    this.#heartbeats = new HeartbeatWatch(shared.processors);
    this.#graceMs = options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
    this.#onUnhandledError = options.onUnhandledError ?? null;
    this.#stopTarget = new Int32Array(workers + maxExtra);
    this.#stopSince = new Float64Array(workers + maxExtra).fill(NaN);
    this.#terminated = new Array<boolean>(workers + maxExtra).fill(false);
    const heapLimitMib = options.resourceLimits?.maxOldGenerationSizeMb;
    // On Deno alone: elsewhere the watch could only add its one wrong call (a still worker taken
    // for dead while the process grows).
    this.#silentDeaths = watchesSilentDeaths(heapLimitMib)
      ? new SilentDeathWatch(shared.processors, this.#heartbeats, heapLimitMib, (p) => shared.holdsLock(p))
      : null;
    this.#encoder.useHeap(shared.setup.heap);
    const metrics = shared.setup.metrics;
    this.#metricsReader = metrics === null ? null : new MetricsReader(metrics, shared.setup.processors);
    this.#spawnTimes = metrics === null ? null : new Float64Array(shared.setup.heap);
    this.#minWorkers = shared.setup.minWorkers;
    this.#retiredWorkers = workers - this.#minWorkers;
    this.#output = new PendingOutput(shared.setup.output);
    this.#processRef = new ProcessRef(this.#threads, this.#output);
    if (options.unref === true) {
      this.#processRef.unref();
      // Until the monitor runs: unref'd workers alone would not keep a process awaiting the start.
      this.#processRef.hold();
    }
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
    options?: RuntimeOptions,
  ): Promise<Runtime<S>> {
    // Each option read once, here: a getter or a revoked Proxy is INVALID_ARGUMENT, not a TypeError later.
    options = checkOptions(options, "Runtime.start()", RUNTIME_OPTION_NAMES);
    const url = jobModuleUrl(jobModule);
    if (isImportingJobModule()) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `Runtime.start(${
          JSON.stringify(url)
        }) was called by a worker importing the job module: a job module that starts a runtime at its top level must do so only on the main thread (if (isMainThread) { ... })`,
      );
    }
    const workers = options.workers === undefined ? availableParallelism() : options.workers;
    checkCount("workers", workers, 1);
    const maxExtra = options.maxExtraMachines === undefined ? workers : options.maxExtraMachines;
    checkCount("maxExtraMachines", maxExtra, 0);
    let queue = checkOptions(options.queue, "Runtime.start()'s queue option", ["limit", "whenFull"]);
    const limit = queue.limit;
    if (limit === "auto") {
      queue = { ...queue, limit: Math.min(workers * workers, MAX_QUEUE_LIMIT) };
    } else if (limit !== undefined) {
      // A queue bound, not a thread count: as large as piscina's maxQueue may be.
      checkCount("queue.limit", limit, 1, MAX_QUEUE_LIMIT, ' or "auto"');
    }
    if (options.queue !== undefined) options = { ...options, queue }; // the runtime keeps what was checked
    const whenFull: unknown = queue.whenFull;
    if (whenFull !== undefined && whenFull !== "wait" && whenFull !== "reject") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `queue.whenFull must be "wait" or "reject", got ${describe(whenFull)}`,
      );
    }
    const grace: unknown = options.abortGraceMs;
    if (grace !== undefined) checkMs("abortGraceMs", grace);
    const minWorkers = options.minWorkers === undefined ? workers : options.minWorkers;
    checkCount("minWorkers", minWorkers, 1);
    if (minWorkers > workers) {
      throw new SpindleError("INVALID_ARGUMENT", `minWorkers must be at most workers (${workers}), got ${minWorkers}`);
    }
    const idleTimeout: unknown = options.idleTimeout;
    if (idleTimeout !== undefined) checkMs("idleTimeout", idleTimeout);
    const resourceLimits = options.resourceLimits === undefined ? null : checkResourceLimits(options.resourceLimits);
    options = { ...options, ...checkWorkerThreadOptions(options) }; // the runtime keeps what was checked
    const maxJobs: unknown = options.maxJobsPerWorker;
    if (
      maxJobs !== undefined &&
      (typeof maxJobs !== "number" || !Number.isInteger(maxJobs) || maxJobs < 1 || maxJobs > MAX_TIMER_MS)
    ) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `maxJobsPerWorker must be an integer from 1 to ${MAX_TIMER_MS}, got ${describe(maxJobs)}`,
      );
    }
    const maxMemory: unknown = options.maxMemoryBeforeRecycle;
    if (maxMemory !== undefined && (typeof maxMemory !== "number" || !(maxMemory > 0) || !Number.isFinite(maxMemory))) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `maxMemoryBeforeRecycle must be a positive number of bytes, got ${describe(maxMemory)}`,
      );
    }
    for (const flag of ["unref", "metrics"] as const) {
      const value: unknown = options[flag];
      if (value !== undefined && typeof value !== "boolean") {
        throw new SpindleError("INVALID_ARGUMENT", `${flag} must be a boolean, got ${describe(value)}`);
      }
    }
    const maxHeapBytes: unknown = options.maxHeapBytes;
    if (
      maxHeapBytes !== undefined &&
      (typeof maxHeapBytes !== "number" || !Number.isInteger(maxHeapBytes) || maxHeapBytes < 1 ||
        maxHeapBytes > MAX_HEAP_BYTES)
    ) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `maxHeapBytes must be an integer from 1 to ${MAX_HEAP_BYTES}, got ${describe(maxHeapBytes)}`,
      );
    }
    const timer: unknown = options.timer;
    if (timer !== undefined && typeof shareOf(timer) !== "function") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `timer must be a timer reactor's timer (reactor.timer), got ${describe(timer)}`,
      );
    }
    checkWorkerData(options.workerData);
    const onUnhandledError: unknown = options.onUnhandledError;
    if (onUnhandledError !== undefined && typeof onUnhandledError !== "function") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `onUnhandledError must be a function, got ${describe(onUnhandledError)}`,
      );
    }
    const processors = workers + maxExtra;
    const setup: SharedStateSetup = {
      control: SharedState.controlBuffer(processors, DEQUE_CAPACITY),
      heap: SharedHeap.create(options.maxHeapBytes ?? DEFAULT_MAX_HEAP_BYTES).buffer,
      tables: [WakeTable.forThisThread().buffer, ...Array.from({ length: processors }, () => WakeTable.createBuffer())],
      processors,
      workers,
      minWorkers,
      idleTimeoutMs: options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS,
      recycle: { maxJobs: options.maxJobsPerWorker ?? 0, maxMemory: options.maxMemoryBeforeRecycle ?? 0 },
      resourceLimits,
      metrics: options.metrics === true ? metricsBuffer(processors) : null,
      output: outputWordsBuffer(processors),
      dequeCapacity: DEQUE_CAPACITY,
      jobModule: url,
      timer: options.timer?.share() ?? null,
      abortGraceMs: options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS,
    };
    // A wait of this thread for a lock a machine holds asks the runtime about that machine (see
    // #checkLockHolder); the runtime comes after its shared state, hence the late binding.
    let runtime: Runtime<S> | null = null;
    const shared = new SharedState(setup, RUNTIME_THREAD, (p) => {
      if (runtime !== null) runtime.#checkLockHolder(p);
    });
    runtime = new Runtime<S>(KEY, shared, workers, maxExtra, options);
    try {
      // The workers import the job module (this thread does not: it may be the entry script,
      // still evaluating its top-level await of this call) and report its job names.
      const [names] = await Promise.all(Array.from({ length: minWorkers }, (_, p) => runtime.#startMachine(p)));
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
    return this.#shared.idle.active;
  }

  /**
   * What each processor's machine did so far (index: processor; the workers first, then extra
   * machines): jobs run, steals and the jobs they took, jobs taken from the injector, parks.
   */
  stats(): ProcessorStats[] {
    return Array.from({ length: this.#threads.length }, (_, p) => this.#shared.processor(p).stats());
  }

  /**
   * From now on, while it has no live job, the runtime does not keep the process alive (its
   * worker threads are unref'd): a program whose only remaining work is an idle runtime exits,
   * as one with an idle piscina pool does, without calling {@linkcode Runtime.shutdown}. While a
   * job is live (spawned and not settled, awaited or not) the process stays alive. The
   * `unref: true` option does this from the start.
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 1 });
   * runtime.unref();
   * console.log(await runtime.spawn("add", 1, 2)); // 3
   * // no shutdown(): the process may exit here
   * ```
   */
  unref(): void {
    this.#processRef.unref();
  }

  /** Undoes {@linkcode Runtime.unref}: the runtime keeps the process alive until it is shut down. */
  ref(): void {
    this.#processRef.ref();
  }

  /**
   * A zeroed {@linkcode SharedBuffer} of `byteLength` bytes in the runtime's shared heap, which
   * jobs receive by reference (as an argument or a result) and read and write in place: nothing
   * is copied. Release it once (`buffer.release()`) when no job uses it any more; any use after
   * that throws {@linkcode BufferReleasedError}. Counts against `maxHeapBytes` (in power-of-two
   * blocks), plus a 128-byte header kept until the runtime ends.
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 1 });
   * const buffer = runtime.alloc(16);
   * buffer.array(Float64Array).set([1.5, 2.5]);
   * console.log(await runtime.spawn("sumShared", buffer, 0, 2)); // 4
   * buffer.release();
   * await runtime.shutdown();
   * ```
   */
  alloc(byteLength: number): SharedBuffer {
    if (
      typeof byteLength !== "number" || !Number.isInteger(byteLength) || byteLength < 0 ||
      byteLength > MAX_SHARED_BUFFER_BYTES
    ) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `alloc() needs a byte length from 0 to ${MAX_SHARED_BUFFER_BYTES}, got ${describe(byteLength)}`,
      );
    }
    if (this.#shared.state !== OPEN) throw new RuntimeShutdownError("alloc", "alloc() a SharedBuffer");
    return SharedBuffer.allocate(this.#shared.setup.heap, byteLength);
  }

  /**
   * The runtime's metrics, as tokio's `RuntimeMetrics`: steals, parks, the injector's depth, extra
   * machines started, and each worker's counters; with the `metrics: true` option also, per job
   * name, run-time and wait-time histograms (count, p50, p90, p99 in ms; percentiles are bucket
   * bounds, at most 19 % above the true value; mean, min, max and standard deviation exact), each
   * worker's busy ratio (time not parked while its thread ran ÷ time since the start) and the
   * pool's `utilization` (the workers' mean busy ratio, piscina's `utilization`). A map chunk
   * counts as one job of its name. Without the option, `jobs` is empty and busy ratios and
   * `utilization` are `NaN`.
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 2, metrics: true });
   * await Promise.all([1, 2, 3].map((n) => runtime.spawn("add", n, 1)));
   * const metrics = runtime.metrics();
   * console.log(metrics.jobs.add?.run.count, metrics.workers.length); // 3 4
   * console.log(metrics.jobs.add!.run.min <= metrics.jobs.add!.run.mean, metrics.utilization <= 1); // true true
   * await runtime.shutdown();
   * ```
   */
  metrics(): RuntimeMetrics {
    const shared = this.#shared;
    const reader = this.#metricsReader;
    const workers: WorkerMetrics[] = [];
    let steals = 0;
    let parks = 0;
    let busy = 0;
    for (let p = 0; p < this.#threads.length; p++) {
      const stats = shared.processor(p).stats();
      steals += stats.steals;
      parks += stats.parks;
      const busyRatio = reader === null ? NaN : reader.busyRatio(p);
      if (p < this.#workers) busy += busyRatio;
      workers.push({ ...stats, busyRatio });
    }
    return {
      jobs: reader === null ? {} : reader.jobs(this.#names),
      workers,
      steals,
      parks,
      injectorDepth: shared.injector.length,
      extraMachinesStarted: this.#extraMachinesStarted,
      elapsedMs: reader?.elapsedMs ?? NaN,
      // Each busy ratio is its worker's busy time ÷ the time since the start: their mean is the
      // busy time of all ÷ the time they had.
      utilization: busy / this.#workers,
    };
  }

  /** Jobs spawned (here or inside jobs) that have not settled. */
  get liveJobs(): number {
    return this.#shared.live;
  }

  /**
   * Jobs settled since the start (piscina's `completed`): returned, failed, aborted or lost,
   * spawned here or inside jobs (each child and each chunk of a `map` counts once). A job counts
   * once its worker has finished settling it, which may be just after its handle resolved; after
   * a `shutdown()` every job has counted.
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 1 });
   * await Promise.all([runtime.spawn("add", 1, 2), runtime.spawn("square", 3)]);
   * await runtime.shutdown();
   * console.log(runtime.completed); // 2
   * ```
   */
  get completed(): number {
    return this.#shared.records.settled;
  }

  /**
   * Jobs spawned from this thread that no worker has taken yet (piscina's `queueSize`): those in
   * the injector, plus those waiting for room in a full bounded queue (`queue: { limit }`). A job
   * a worker has taken into its own queues no longer counts, nor does one aborted while queued
   * (from the abort on: its place is free at once, see {@linkcode Runtime.needsDrain}).
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 1 });
   * const handles = [runtime.spawn("fib", 25), runtime.spawn("add", 1, 2)];
   * console.log(runtime.queueSize <= 2); // true: the worker may have taken them already
   * await Promise.all(handles);
   * console.log(runtime.queueSize); // 0
   * await runtime.shutdown();
   * ```
   */
  get queueSize(): number {
    return this.#shared.injector.length + this.#waitingForRoom.size;
  }

  /**
   * Whether the bounded queue (`queue: { limit }`) is full (piscina's `needsDrain`): a `spawn`
   * now would wait on this thread (`whenFull: "wait"`) or throw {@linkcode QueueFullError}
   * (`"reject"`). Always `false` for an unbounded queue. A producer that checks it before each
   * spawn, and waits for some handle when it is `true`, keeps at most `limit` jobs queued. A job
   * aborted while queued (`abort()`, its signal or deadline) frees its place at once, as piscina
   * removes an aborted task from its queue.
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), {
   *   workers: 1,
   *   queue: { limit: 4, whenFull: "reject" },
   * });
   * const pending = new Set<PromiseLike<unknown>>();
   * for (let n = 0; n < 20; n++) {
   *   while (runtime.needsDrain) await Promise.race(pending); // room frees as jobs are taken
   *   const handle = runtime.spawn("square", n);
   *   const settled = Promise.resolve(handle).finally(() => pending.delete(settled));
   *   pending.add(settled);
   * }
   * await Promise.all(pending);
   * await runtime.shutdown();
   * console.log(runtime.completed); // 20
   * ```
   */
  get needsDrain(): boolean {
    return this.#waitingForRoom.size > 0 || this.#shared.injector.length >= this.#limit;
  }

  /**
   * The bounded queue's limit (`queue: { limit }`, `"auto"` resolved to `workers` squared, as
   * piscina's `options.maxQueue` reads back), or `Infinity` for an unbounded queue.
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), {
   *   workers: 2,
   *   queue: { limit: "auto" },
   * });
   * console.log(runtime.queueLimit); // 4
   * await runtime.shutdown();
   * ```
   */
  get queueLimit(): number {
    return this.#limit;
  }

  /**
   * Calls `listener` on the runtime's `type` events (piscina's `pool.on(type, ...)`): `"drain"`
   * when the queue is found empty after jobs were spawned since the last look, `"needsDrain"`
   * when the bounded queue is found full after a look that found it not. The runtime's monitor
   * looks every 10 ms once a listener was added (workers take jobs in shared memory, unseen by this
   * thread), so an event comes up to 10 ms late, and a queue that fills and empties between two
   * looks gives a `"drain"` but no `"needsDrain"`. Another `type`, or a listener that is not a
   * function, throws `INVALID_ARGUMENT`.
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 2 });
   * const drained = new Promise<void>((resolve) => runtime.addEventListener("drain", () => resolve(), { once: true }));
   * for (let n = 0; n < 100; n++) runtime.spawn("square", n).detach();
   * await drained; // every job was taken by a worker
   * console.log(runtime.queueSize); // 0
   * await runtime.shutdown();
   * ```
   */
  addEventListener<K extends keyof RuntimeEventMap>(
    type: K,
    listener: (event: RuntimeEventMap[K]) => void,
    options?: RuntimeListenerOptions,
  ): void {
    this.#events.add(type, listener, options, this.#queueReading());
  }

  /** Removes a listener that {@linkcode Runtime.addEventListener} added. */
  removeEventListener<K extends keyof RuntimeEventMap>(type: K, listener: (event: RuntimeEventMap[K]) => void): void {
    this.#events.remove(type, listener);
  }

  #queueReading(): QueueReading {
    return { size: this.queueSize, full: this.needsDrain, spawned: this.#shared.live + this.completed };
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
    return this.#spawn(name, args, checkSpawnOptions(options, "spawnWith()")) as JobHandle<JobResult<S, K>>;
  }

  /**
   * Calls job `name` on each of `items` (a data-parallel map, as rayon's `par_iter().map()`)
   * and resolves with the results in the items' order. The items are cut into chunks of
   * `chunkSize`; each chunk is one job (one record, one copy of its items into the shared heap),
   * which a worker runs by calling the job on its items in order, so that tiny items do not each
   * pay for a job. The job takes one argument (the item) and returns a value, a future or a
   * coroutine.
   *
   * Errors and aborts as for single jobs: an item that throws fails its chunk, and the map rejects
   * with that error (name, message, stack, `cause` as thrown), once the other chunks have
   * settled: those still queued never run, those running finish and are dropped. `signal` and
   * `timeout` abort every chunk as {@linkcode Runtime.spawnWith} aborts a job; the map rejects
   * with {@linkcode JobAbortedError} / {@linkcode JobTimeoutError}. Throws what `spawn` throws
   * (`UnknownJobError`, `UncloneableValueError`, ...) as a rejection, and `INVALID_ARGUMENT` for
   * bad options and for items that are not an array or an iterable (an array-like object such as
   * `{ length: 2 }` is refused: pass `Array.from(it)`).
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 2 });
   * console.log(await runtime.map("square", [1, 2, 3, 4, 5], { chunkSize: 2 })); // [ 1, 4, 9, 16, 25 ]
   * await runtime.shutdown();
   * ```
   */
  map<K extends JobName<S>>(
    name: K,
    items: Iterable<JobArgs<S, K>[0]>,
    options: MapOptions = {},
  ): Promise<JobResult<S, K>[]> {
    try {
      if (typeof options !== "object" || options === null) {
        throw new SpindleError("INVALID_ARGUMENT", `map() options must be an object, got ${describe(options)}`);
      }
      // An array or an iterable only, as rayon and tokio take collections: an array-like object
      // ({ length: 2 }) is refused rather than read as holes.
      const list: readonly unknown[] = readIterable(items, "map() items must be an array or an iterable");
      const { chunkSize: givenChunkSize } = checkOptions(options, "map()", ["chunkSize"]);
      const spawnOptions = checkSpawnOptions(options, "map()");
      if (!this.#indexes.has(name)) throw new UnknownJobError(name, this.#names);
      const chunkSize: unknown = givenChunkSize === undefined
        ? Math.max(1, Math.ceil(list.length / (4 * this.#workers)))
        : givenChunkSize;
      if (typeof chunkSize !== "number" || !Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 2 ** 31 - 1) {
        throw new SpindleError(
          "INVALID_ARGUMENT",
          `chunkSize must be an integer from 1 to ${2 ** 31 - 1}, got ${describe(chunkSize)}`,
        );
      }
      // A chunk's payload is its items themselves, not an argument list: a chunk of numbers (a
      // Float64Array) is then the whole message, which its worker reads in place (harness.ts).
      return mapInChunks(
        list,
        chunkSize,
        (start, end) => this.#spawnNumbers(name, list, start, end, spawnOptions),
        (chunk, start) => this.#spawn(name, chunk, spawnOptions, start),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Spawns job `name` with `args`, its argument list, or with a map chunk's items (an array) as
   * its payload when `chunkStart` (the chunk's first item's index) is given.
   */
  #spawn(
    name: string,
    args: unknown[],
    options: SpawnOptions | null,
    chunkStart = -1,
  ): JobHandle<unknown> {
    const shared = this.#shared;
    const job = this.#jobIndex(name);
    const length = this.#encoder.encode(args, name, "args");
    let id: number;
    let full: boolean;
    try {
      // A getter of `args` may have shut the runtime down while they were encoded.
      if (shared.state !== OPEN) throw new RuntimeShutdownError(name);
      full = this.#queueFull(name, options);
      id = shared.records.create(job, this.#encoder, length);
    } catch (error) {
      // The arguments will never be read: buffers `move` put in the heap for them go back.
      this.#encoder.discard();
      throw error;
    }
    return this.#enqueue(id, job, name, options, full, chunkStart);
  }

  /**
   * Spawns the map chunk `items[start, end)` of job `name` as one Float64Array written straight
   * into the heap (`JobRecords.createNumbers`), or returns null when one of the items is not a
   * number (the caller then spawns the chunk as an array).
   */
  #spawnNumbers(
    name: string,
    items: readonly unknown[],
    start: number,
    end: number,
    options: SpawnOptions | null,
  ): JobHandle<unknown> | null {
    const job = this.#jobIndex(name);
    const full = this.#queueFull(name, options);
    const id = this.#shared.records.createNumbers(job, items, start, end);
    return id === 0 ? null : this.#enqueue(id, job, name, options, full, start);
  }

  /** Job `name`'s index in the job set; throws when the runtime is shutting down or has no such job. */
  #jobIndex(name: string): number {
    if (this.#shared.state !== OPEN) throw new RuntimeShutdownError(name);
    const job = this.#indexes.get(name) ?? -1;
    if (job < 0) throw new UnknownJobError(name, this.#names);
    return job;
  }

  /**
   * Whether the bounded queue is full, so that a new job waits for room; throws `QueueFullError`
   * instead with `whenFull: "reject"` (unless the job's signal already fired: it fails at once).
   */
  #queueFull(name: string, options: SpawnOptions | null): boolean {
    const full = this.needsDrain;
    if (full && this.#reject && options?.signal?.aborted !== true) throw new QueueFullError(name, this.#limit);
    return full;
  }

  /**
   * Queues job `id` (a new record of job set index `job` holding its payload) and returns its handle: into the injector,
   * waking workers as it needs, or behind the jobs waiting for room when the queue is `full`; or
   * fails it at once when its signal already fired. `chunkStart` as for `#spawn`.
   */
  #enqueue(
    id: number,
    job: number,
    name: string,
    options: SpawnOptions | null,
    full: boolean,
    chunkStart: number,
  ): JobHandle<unknown> {
    const shared = this.#shared;
    const signal = options?.signal;
    if (signal?.aborted === true) {
      // Fails at once without running: a record that never enters a queue, cancelled here.
      const handle = createJobHandle<unknown>(shared, id, name, RUNTIME_THREAD);
      abortJobHandle(handle, new JobAbortedError(name, signal.reason));
      shared.records.release(id); // the execution's reference: nobody will take it from a queue
      return handle;
    }
    // Plain writes, published with the id by the injector push (as createRecord's writes).
    if (chunkStart >= 0) shared.records.words[id + MAP_CHUNK] = chunkStart + 1;
    if (this.#spawnTimes !== null) this.#spawnTimes[(id + SPAWNED_AT) >> 1] = epochMs();
    let dequeue: ((id: number) => void) | undefined;
    if (full) {
      this.#waitingForRoom.add(id);
      dequeue = this.#dequeueWaiting;
      void this.#admit();
    } else {
      shared.injector.push(id);
      shared.idle.notifyWork(shared.searchersFor(job));
      if (this.#retiredWorkers > 0) this.#startRetiredOnDemand();
    }
    this.#processRef.hold();
    const handle = createJobHandle<unknown>(shared, id, name, RUNTIME_THREAD, dequeue);
    if (options !== null && (options.timeout !== undefined || signal !== undefined)) this.#watch(handle, name, options);
    // No machine left to run it (one did not start, see #startFailed): it fails now, not never.
    if (this.#startFailure !== null) this.#failQueuedIfNoMachine();
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
   * jobs and aborts running ones (their handles fail as {@linkcode Runtime.close} says),
   * terminating the worker of any that does not stop within `abortGraceMs`, so that it resolves
   * in bounded time. Calling it again with `"cancel"` while a drain is under way cancels.
   * Resolves when every worker has exited.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    options = checkOptions(options, "shutdown()", ["mode", "timeout"]);
    const mode: unknown = options.mode === undefined ? "drain" : options.mode;
    if (mode !== "drain" && mode !== "cancel") {
      throw new SpindleError("INVALID_ARGUMENT", `shutdown mode must be "drain" or "cancel", got ${describe(mode)}`);
    }
    const timeout: unknown = options.timeout;
    if (timeout !== undefined) checkMs("timeout", timeout);
    if (mode === "cancel") this.#cancel(SHUTDOWN_CANCEL);
    if (this.#shutdown === null) {
      const deadline = typeof timeout === "number" && mode === "drain"
        ? setTimeout(() => this.#cancel(SHUTDOWN_TIMEOUT), timeout)
        : null;
      this.#shutdown = this.#stop().finally(() => deadline !== null && clearTimeout(deadline));
    }
    return this.#shutdown;
  }

  /**
   * Closes the runtime as piscina's `close()` closes a pool: `spawn` throws
   * {@linkcode RuntimeShutdownError} from now on, and the promise resolves once every worker has
   * stopped. `close()` lets every job finish (it is `shutdown()`). `close({ force: true })` is
   * `shutdown({ mode: "cancel" })`: every job that has not started is cancelled at once (it never
   * runs; its place in a bounded queue is given back) and every running one is aborted at its next
   * suspension point, its `finally` blocks running; a job still running `abortGraceMs` later (an
   * endless loop) has its worker terminated, so the promise resolves in bounded time. Children
   * that jobs spawned (`jobs.spawn`, `scope`, `join`) and `map` chunks are cancelled or aborted
   * alike. Their handles fail with a `CancelledError` (code `CANCELLED`) whose `cause`, a
   * {@linkcode RuntimeShutdownError}-named error, names `close({ force: true })`; a running job's
   * own code sees the same cause on the `CancelledError` thrown into it. The cause of one whose
   * worker had to be terminated has the termination as its own `cause`. Where piscina lets running
   * tasks finish (for up to its `closeTimeout`), this aborts them. A bad option rejects with
   * `INVALID_ARGUMENT` naming it.
   *
   * @example
   * ```ts
   * import { Runtime } from "@spindle/workstealing";
   * import type jobs from "./examples/jobs.ts";
   *
   * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 1 });
   * const running = runtime.spawn("fib", 32);
   * const queued = runtime.spawn("add", 1, 2);
   * await runtime.close({ force: true });
   * await queued.then(undefined, (error: unknown) => console.log((error as Error).name, ((error as Error).cause as Error).message));
   * // CancelledError cannot run job "add": the runtime was shut down by close({ force: true })
   * await running.then(undefined, () => {}); // cancelled too, unless it finished first
   * console.log(runtime.machines); // 0
   * ```
   */
  close(options?: CloseOptions): Promise<void> {
    try {
      const { force } = checkOptions(options, "close()", ["force"]);
      if (force !== undefined && typeof force !== "boolean") {
        throw new SpindleError("INVALID_ARGUMENT", `close()'s force option must be a boolean, got ${describe(force)}`);
      }
      if (force === true) this.#cancel(CLOSE_FORCE);
      return this.shutdown();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Turns the shutdown into a cancelling one (once); `call` (in CANCEL_CALLS) names why. */
  #cancel(call: number): void {
    if (this.#cancelling) return;
    this.#cancelling = true;
    this.#shared.close(CANCELLING, call);
    const waiting = [...this.#waitingForRoom];
    this.#waitingForRoom.clear();
    for (const id of waiting) this.#cancelNeverQueued(id);
  }

  async #stop(): Promise<void> {
    const shared = this.#shared;
    if (shared.state === OPEN) shared.close(SHUTTING_DOWN);
    // Polled: the live count is a sum of per-thread counters, which nobody could notify on cheaply.
    // Meanwhile the monitor goes on terminating machines whose jobs will not stop.
    while (shared.live !== 0) {
      if (this.#cancelling) this.#cancelInjected();
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    if (this.#monitor !== null) clearInterval(this.#monitor);
    this.#processRef.close();
    for (const handle of [...this.#watched.keys()]) this.#unwatch(handle);
    shared.close(STOPPING);
    const exits = this.#threads.map((thread, p) => thread === null ? null : this.#exit(p, thread));
    await Promise.all(exits);
    this.#reportUnobserved(); // every machine has exited: nothing is listed after this
  }

  /**
   * Reports the errors of the failed detached jobs listed since the last call
   * (`JobRecords.takeUnobserved`), in the order they were listed: to `onUnhandledError`, or as
   * unhandled rejections. A callback that throws makes an unhandled rejection of what it threw.
   */
  #reportUnobserved(): void {
    const shared = this.#shared;
    for (const id of shared.records.takeUnobserved()) {
      // JOB was written before the id was published and never changes; the record is ours.
      const job = this.#names[shared.records.words[id + JOB] as number] as string;
      const error = takeDetachedError(shared, id, job);
      const report = this.#onUnhandledError;
      try {
        if (report === null) throw error;
        report(error, { job, id });
      } catch (unhandled) {
        void Promise.reject(unhandled);
      }
    }
  }

  /** Cancels every job in the injector (a cancelling shutdown: nothing waits for a machine). */
  #cancelInjected(): void {
    const batch: number[] = [];
    while (this.#shared.injector.popBatch(batch, DEQUE_CAPACITY) > 0) {
      for (const id of batch) this.#cancelTaken(id);
      batch.length = 0;
    }
  }

  /** Cancels a job this thread took from a queue (it drops the queue's reference, as a machine would). */
  #cancelTaken(id: number): void {
    const shared = this.#shared;
    const name = this.#names[Atomics.load(shared.records.words, id + JOB)] as string;
    const length = this.#encoder.encode(shutdownCancellation(name, false, shared.cancelledBy), name, "error");
    // false: aborted while queued, settled already
    shared.records.cancelQueued(id, this.#encoder, length, RUNTIME_CANCELLED);
    shared.records.release(id);
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
    const shared = this.#shared;
    shared.processor(p).setRetired(false);
    this.#silentDeaths?.forget(p);
    const workerData = { setup: shared.setup, processor: p, data: this.#workerData };
    let thread: Worker;
    try {
      thread = spawnMachineThread(workerData, p, shared.setup.resourceLimits, this.#threadOptions);
    } catch (error) {
      // No thread, so no exit to handle: it fails as a thread that exits before it is ready
      // (exit code 1: none ran).
      if (shared.state !== CANCELLING) this.#startFailed(p, 1, error);
      return Promise.reject(error);
    }
    this.#threads[p] = thread;
    if (p >= this.#minWorkers && p < this.#workers) this.#retiredWorkers--;
    if (p >= this.#workers) this.#extraMachinesStarted++;
    this.#processRef.adopt(thread);
    let error: unknown = null;
    // Until the thread is ready: null; then its job names, or why it did not start (the promise's
    // rejection, as Runtime.start rejects with it).
    let started: { names: readonly string[] } | { failure: unknown } | null = null;
    // Read now: Node sets it to -1 once the thread exits.
    const threadId = thread.threadId;
    return new Promise<readonly string[]>((resolve, reject) => {
      thread.once("message", (ready: { names: readonly string[] } | JobModuleProblem) => {
        started = isJobModuleProblem(ready) ? { failure: jobModuleError(shared.setup.jobModule, ready) } : ready;
        if ("names" in started) resolve(started.names);
        else reject(started.failure);
      });
      thread.on("error", (e) => (error = e));
      thread.once("exit", (code) => {
        started ??= { failure: error ?? new Error(`worker ${p} exited (code ${code}) before it was ready`) };
        const startFailure = "failure" in started ? started : null;
        if (startFailure !== null) reject(startFailure.failure);
        // Read before #onExit clears it. Deno 2.9's terminate() does not stop a thread in a busy
        // loop (or one blocked in Atomics.wait, once woken): it runs on after its exit event.
        const mayRunOn = HOST_RUNTIME === "Deno" && this.#terminated[p] === true;
        this.#onExit(p, code, error, mayRunOn, startFailure);
        this.#output.exited(p);
        // Permits, channel ends and half-done slots of shared primitives (`@spindle/sync`) that
        // this thread knows and the dead thread held: given back, their waiters woken.
        try {
          recoverDeadThread(threadId);
        } catch (failure) {
          process.emitWarning(`recovering what worker ${p} held in shared primitives failed: ${String(failure)}`);
        }
        // The SharedBuffers the thread still owned (allocated or received in its jobs, and not
        // handed on with a result): nothing can release them now. After #onExit, which took the
        // heap's lock back should the thread have died holding it. Not for a thread that may run
        // on: its job could still write to them, into memory the heap would have reused.
        if (!mayRunOn) reclaimBuffersOf(this.#shared.setup.heap, threadId);
      });
    });
  }

  /**
   * A machine's thread exited: expected (stopping, retiring), or a death to recover from.
   * `mayRunOn`: a thread that may run on after its exit (Deno's `terminate()`, see the exit handler).
   * `startFailure`: why it exited before it was ready (null: it had started).
   */
  #onExit(
    p: number,
    code: number,
    error: unknown,
    mayRunOn: boolean,
    startFailure: { failure: unknown } | null,
  ): void {
    const shared = this.#shared;
    const processor = shared.processor(p);
    this.#threads[p] = null;
    if (p >= this.#minWorkers && p < this.#workers) this.#retiredWorkers++;
    this.#metricsReader?.exited(p);
    // First of all, before anything here needs a lock: a thread that ended inside a critical
    // section (terminated, out of memory) left its lock held, which would block every thread.
    const recovered = shared.recoverLocksOf(p);
    // Then what it held of the heap's records (its cache, a spawn's allocation): before heldJobs
    // reads and clears its spawn's trace, and before its next machine starts over these words.
    try {
      shared.reclaimRecordsOf(p, mayRunOn);
    } catch (failure) {
      // Its frees wait for the heap's lock, which another worker that died at the same moment may
      // hold until its own exit is handled (DEADLOCK after 5 s): the records stay allocated, and
      // the rest of the recovery goes on.
      process.emitWarning(`giving back what worker ${p} held of the shared heap failed: ${String(failure)}`);
    }
    shared.idle.depart(p);
    // The next machine of `p` must not inherit a park its predecessor left half done: a thread
    // that died parked leaves the parker word PARKED, and the next park would then spin instead
    // of sleeping (an async park for good, starving its event loop: issue 17, item 1).
    processor.unpark();
    const reported = processor.takeCrash();
    const terminated = this.#terminated[p] === true;
    this.#terminated[p] = false;
    const takenForDead = this.#takenForDead[p];
    this.#takenForDead[p] = undefined;
    this.#stopSince[p] = NaN;
    this.#stopTarget[p] = processor.stopRequests();
    const exited = this.#exited[p];
    if (exited !== undefined) {
      delete this.#exited[p];
      exited(code);
    }
    // Its steals now: the locks it held on other deques go back at once (another machine that died
    // at the same moment may be waiting for one, below).
    const stolen = shared.recoverStealsOf(p);
    this.#afterPopOf(p, recovered.includes("injector push"), (popped) => {
      const held = [...stolen, ...popped];
      this.#requeueHeld(p, code, error, held, recovered, reported, terminated, takenForDead, startFailure === null);
      // After the requeue: the jobs it moved to the injector fail too when no machine is left,
      // also when the last one to go is one that retired or died after a start failure.
      if (shared.state === CANCELLING) return;
      if (startFailure !== null) this.#startFailed(p, code, startFailure.failure);
      else this.#failQueuedIfNoMachine();
    });
  }

  /**
   * Calls `then` with the job processor `p`'s dead machine popped (`SharedState.recoverPopOf`) as
   * soon as its deque's lock is free of other threads: at once, unless a thief holds it (a live one
   * for a few stores; one that died at the same moment until its own exit is handled here, which
   * gives the lock back). Asked again every millisecond meanwhile, so that this thread's event loop
   * runs that exit's handler.
   */
  #afterPopOf(p: number, movedByRecovery: boolean, then: (popped: number[]) => void): void {
    const popped = this.#shared.recoverPopOf(p, movedByRecovery);
    if (popped !== null) then(popped);
    else setTimeout(() => this.#afterPopOf(p, movedByRecovery, then), 1);
  }

  /**
   * The rest of {@linkcode Runtime.#onExit}, once every job the dead machine of processor `p` took
   * from a deque is known (`fromDeques`): settles what it held, queues again what it had not
   * started, and replaces it (when `replace`: it had started).
   */
  #requeueHeld(
    p: number,
    code: number,
    error: unknown,
    fromDeques: number[],
    recovered: string[],
    reported: unknown,
    terminated: boolean,
    takenForDead: string | undefined,
    replace: boolean,
  ): void {
    const shared = this.#shared;
    const processor = shared.processor(p);
    const { started: running, unstarted, published, unreleased, spawn } = processor.heldJobs(
      fromDeques,
      recovered.includes("injector pop"),
    );
    // A job it was spawning is counted before anything below can settle it (unstarted holds it
    // when it showed in no queue); nobody holds its handle.
    if (spawn !== null) shared.records.finishSpawn(spawn.id, p + 1, spawn.spawnedBefore);
    // Whatever the reason for the exit: a job whose outcome it had published when it ended keeps
    // that outcome, and its waiter is woken (V8 ends a thread over its resourceLimits between any
    // two calls: measured on Deno 2.9.6, between the state's store and the wake, 3 runs in 20); a
    // job cancelled while queued that it had taken gives back the queue's reference.
    for (const id of published) shared.records.finishPublished(id, p + 1);
    for (const id of unreleased) shared.records.release(id);
    if (shared.state === STOPPING || processor.isRetired()) return;
    // Died: its running jobs are lost (aborted ones end as cancelled: that is what was asked), its
    // queued ones move to the injector (or are cancelled, when the runtime cancels), and it is
    // replaced.
    const cancelling = shared.state === CANCELLING;
    const records = shared.records.words;
    // An abort() on another thread may set ABORT after this read: the job then settles as lost,
    // once, which its handle reports as it would any loss.
    const isAborted = (id: number): boolean => cancelling || Atomics.load(records, id + ABORT) !== 0;
    let cause: unknown = reported ?? error ?? undefined;
    if (cause === undefined && takenForDead !== undefined) cause = new Error(takenForDead);
    if (cause === undefined && !terminated && code === 0 && running.length > 0 && this.#silentDeaths !== null) {
      cause = this.#silentDeaths.quietExitCause(p);
    }
    if (cause === undefined && terminated) {
      const stuck = running.filter(isAborted).map((id) => JSON.stringify(this.#names[Atomics.load(records, id + JOB)]));
      cause = new Error(
        `worker ${p} was terminated: ${
          stuck.length > 0 ? `job ${stuck.join(", ")}` : "a job"
        } did not stop within ${this.#graceMs} ms of being aborted`,
      );
    }
    // Else it exited with no error of its own (a job's `process.exit()`, the host ending the
    // thread): its exit code is why, so that no handle of a job it ran fails without a cause.
    if (cause === undefined && running.length > 0) {
      cause = new Error(
        `worker ${p} exited with code ${code} and no error while running a job ` +
          `(a job that calls process.exit() ends its worker so)`,
      );
    }
    const lostCode = (error !== null || reported !== undefined) && code === 0 ? 1 : code;
    for (const id of running) {
      // Encoded for each job: an aborted one's reason names it. Deaths are rare.
      if (isAborted(id)) {
        const why = this.#abortedJobEndedBy(id, cause);
        shared.records.settleTerminated(id, this.#encoder, this.#encodeCause(why));
      } else {
        const length = cause === undefined ? 0 : this.#encodeCause(cause);
        shared.records.settleLost(id, lostCode, this.#encoder, length, cause);
      }
    }
    let moved = 0;
    const queued = (id: number): void => {
      if (cancelling) {
        this.#cancelTaken(id);
      } else {
        shared.injector.push(id);
        moved++;
      }
    };
    // Jobs it had taken from a queue and not yet started (between its pop and its claim) go
    // back as its queued ones do: they run once elsewhere.
    for (const id of unstarted) queued(id);
    const slot = processor.takeSlot();
    if (slot !== 0) queued(slot);
    // RETRY: a thief holds the deque's steal lock for a few stores. A thread that died holding it
    // (its exit not handled yet: this thread handles one at a time) would hold it until then, so
    // the wait is bounded: past it, what is left stays in the deque for the next machine of `p`.
    const drainSince = performance.now();
    for (;;) {
      const id = processor.deque.steal();
      if (id === RETRY && performance.now() - drainSince < DRAIN_PATIENCE_MS) continue;
      if (id === EMPTY || id === RETRY) break;
      queued(id);
    }
    // Not when it never started: its replacement would fail as it did, again and again (see #startFailed).
    if (p < this.#workers && !cancelling && replace) void this.#startMachine(p).catch(() => {});
    if (moved > 0) shared.idle.notifyWork();
    if (running.length === 0 && cause !== undefined && !terminated && replace) {
      // Nobody's handle carries it: a host callback of a job that had finished, say.
      process.emitWarning(`spindle: worker ${p} died (exit code ${lostCode}) while running no job`, {
        detail: String((cause as Error)?.stack ?? cause),
      });
    }
  }

  /**
   * The machine of processor `p` did not start after `Runtime.start` (its thread exited, code
   * `code`, before it was ready: `failure` is why, the error `Runtime.start` rejects with). It is
   * not started again (a job module that no longer loads, `resourceLimits` too small: it would
   * fail the same way, again and again), nor is any other machine after it: retired workers and
   * extra machines stay unstarted; the running machines go on. With none left, the queued jobs
   * fail now, and later spawns at once, rather than wait forever: as piscina rejects its tasks when
   * a worker does not start.
   */
  #startFailed(p: number, code: number, failure: unknown): void {
    // Before Runtime.start resolved: it rejects with the failure and shuts the runtime down.
    if (this.#monitor === null) return;
    // As Runtime.start rejects: Deno's refusal to create a thread as a PermissionDeniedError.
    failure = permissionDenied(failure, "starting the runtime's worker threads") ?? failure;
    this.#startFailure = { worker: p, code, failure };
    process.emitWarning(`spindle: worker ${p} did not start (exit code ${code}), and is not replaced`, {
      detail: String((failure as Error)?.stack ?? failure),
    });
    this.#failQueuedIfNoMachine();
  }

  /**
   * When no machine runs (one did not start, {@linkcode Runtime.#startFailed}), fails every queued
   * job with {@linkcode WorkerLostError} caused by that start failure: the injector's, those waiting
   * for room, and any left in a dead machine's deque or slot.
   */
  #failQueuedIfNoMachine(): void {
    const failed = this.#startFailure;
    if (failed === null || this.#threads.some((thread) => thread !== null)) return;
    const shared = this.#shared;
    const batch: number[] = [];
    while (shared.injector.popBatch(batch, DEQUE_CAPACITY) > 0) {
      for (const id of batch) this.#failTaken(id, failed);
      batch.length = 0;
    }
    for (const id of this.#waitingForRoom) {
      this.#waitingForRoom.delete(id);
      this.#failTaken(id, failed);
    }
    for (let p = 0; p < this.#threads.length; p++) {
      const processor = shared.processor(p);
      const slot = processor.takeSlot();
      if (slot !== 0) this.#failTaken(slot, failed);
      // No thread of it runs: nobody holds its steal lock (RETRY ends the loop all the same).
      for (let id = processor.deque.steal(); id !== EMPTY && id !== RETRY; id = processor.deque.steal()) {
        this.#failTaken(id, failed);
      }
    }
  }

  /**
   * Fails job `id`, which this thread took from a queue (holding the queue's reference), as lost
   * with the machine that did not start: as that machine would have taken it and died.
   */
  #failTaken(id: number, failed: { worker: number; code: number; failure: unknown }): void {
    const records = this.#shared.records;
    // SC, before the claim, as Processor.hold's: an abort() that sees RUNNING reads the processor.
    Atomics.store(records.words, id + WORKER, failed.worker);
    // Cancelled while queued: only the queue's reference is left to drop.
    if (!records.claim(id)) return records.release(id);
    records.settleLost(id, failed.code, this.#encoder, this.#encodeCause(failed.failure), failed.failure);
  }

  /**
   * Why aborted job `id`, which its worker's death (`cause`) ended before it stopped, is
   * cancelled: the reason of the cancelling shutdown that aborted it, caused by that death; or,
   * after its own `abort()`, the death itself. Either becomes the cause of its handle's
   * `CancelledError` (state RUNTIME_CANCELLED).
   */
  #abortedJobEndedBy(id: number, cause: unknown): unknown {
    const shared = this.#shared;
    const records = shared.records.words;
    // The state's SC load pairs with SharedState.close, as in the harness's cancelReason. ABORT:
    // an abort() on another thread may set it after this read; the job then ends with the
    // shutdown's reason, which cancelled it too.
    if (shared.state !== CANCELLING || Atomics.load(records, id + ABORT) !== 0) return cause;
    const name = this.#names[Atomics.load(records, id + JOB)] as string;
    return shutdownCancellation(name, true, shared.cancelledBy, { cause });
  }

  /** Encodes the error that killed a worker, for its lost jobs' payload; returns its length. */
  #encodeCause(cause: unknown): number {
    encodeOutcome(this.#encoder, cause, "worker", "error", "worker");
    return this.#encoder.bytes.length;
  }

  /** Every {@linkcode BLOCKED_CHECK_MS}: the stop watchdog, deadlines' clean-up, blocked machines. */
  #tick(): void {
    this.#reportUnobserved();
    this.#processRef.check(this.#shared.live);
    if (this.#retiredWorkers > 0) this.#startRetiredOnDemand();
    this.#checkStops();
    if (this.#silentDeaths !== null) this.#checkSilentDeaths(this.#silentDeaths);
    for (const handle of this.#watched.keys()) {
      if (isJobHandleDone(handle)) this.#unwatch(handle);
    }
    if (this.#maxExtra > 0) this.#checkBlocked();
    if (this.#events.listened) this.#events.look(this.#queueReading());
  }

  /**
   * The watchdog: a machine asked to stop a job ({@linkcode Processor.requestStop}) that has not
   * got to the request within `abortGraceMs`, while it runs jobs, is stuck in one (an endless
   * loop, or a long synchronous stretch): its thread is terminated, and {@linkcode Runtime.#onExit}
   * settles its jobs and replaces it. A machine that got to the request but whose aborted job
   * takes too long to unwind ends its own thread (see the machine's `#checkAborting`).
   */
  #checkStops(): void {
    const shared = this.#shared;
    const now = performance.now();
    for (let p = 0; p < this.#threads.length; p++) {
      const thread = this.#threads[p];
      if (thread === null || thread === undefined || this.#terminated[p] === true) continue;
      const processor = shared.processor(p);
      const handled = processor.stopsHandled();
      if (!Number.isNaN(this.#stopSince[p] as number) && ((handled - (this.#stopTarget[p] as number)) | 0) >= 0) {
        this.#stopSince[p] = NaN; // it got to every request pending when the watch began
      }
      const requests = processor.stopRequests();
      if (Number.isNaN(this.#stopSince[p] as number)) {
        if (((handled - requests) | 0) >= 0) continue;
        this.#stopTarget[p] = requests;
        this.#stopSince[p] = now;
        continue;
      }
      if (now - (this.#stopSince[p] as number) >= this.#graceMs && processor.hasRunningJobs()) {
        this.#terminated[p] = true;
        processor.abandon(); // should the thread outlive terminate(), its machine stops there
        void thread.terminate();
      }
    }
  }

  /**
   * With a heap limit: a machine dead of it without an `exit` or `error` event (see
   * {@linkcode SilentDeathWatch}) has its thread terminated, which brings the `exit`, and
   * {@linkcode Runtime.#onExit} fails its jobs with the watch's finding as their cause.
   */
  #checkSilentDeaths(watch: SilentDeathWatch): void {
    const now = performance.now();
    for (let p = 0; p < this.#threads.length; p++) {
      const thread = this.#threads[p];
      if (thread === null || thread === undefined || this.#terminated[p] === true) continue;
      const finding = watch.check(p, now);
      if (finding !== null) this.#takeForDead(p, thread, finding);
    }
  }

  /**
   * Terminates processor `p`'s machine, taken for dead for `finding` (the cause its jobs fail
   * with), from a microtask: Deno 2.9 emits the thread's `exit` inside `terminate()` (measured),
   * and its handling (#onExit: it encodes with this thread's encoder, settles jobs, starts a
   * machine) must not run inside what this thread is doing, such as a spawn waiting for a lock
   * halfway through writing its arguments (#checkLockHolder), whose bytes it replaced.
   */
  #takeForDead(p: number, thread: Worker, finding: string): void {
    this.#takenForDead[p] = finding;
    this.#terminated[p] = true;
    this.#shared.processor(p).abandon(); // as in #checkStops
    queueMicrotask(() => void thread.terminate());
  }

  /**
   * This thread waits for a lock of shared memory that processor `p`'s machine holds (a spawn's,
   * or any other wait: see `SharedState`). It cannot learn of a death from the exit event while it
   * waits, and its ticks do not run: a machine the silent-death watch takes for dead now (looked
   * at as a tick would), or took for dead at a tick whose exit event has not come, has its locks
   * recovered here, so that the wait ends instead of giving up with `DEADLOCK` after
   * `LOCK_PATIENCE_MS` (the first spawn after such a death failed so). Its exit event, when it
   * comes, settles its jobs as for any death (its locks are free by then). A machine terminated for
   * another reason (a job that would not stop) may still run, inside its critical section: its
   * lock waits for the exit. Without a heap limit, or off Deno, there is no watch: nothing to do.
   */
  #checkLockHolder(p: number): void {
    const watch = this.#silentDeaths;
    const thread = this.#threads[p];
    if (watch === null || thread === null || thread === undefined) return;
    if (this.#takenForDead[p] === undefined) {
      if (this.#terminated[p] === true) return;
      const finding = watch.check(p, performance.now());
      if (finding === null) return;
      this.#takeForDead(p, thread, finding);
    }
    this.#shared.recoverLocksOf(p);
  }

  /**
   * Every {@linkcode BLOCKED_CHECK_MS}: when work is queued and no machine has moved for
   * {@linkcode BLOCKED_AFTER_MS} (all stuck in long jobs), starts an extra machine, up to
   * `maxExtraMachines`.
   */
  #checkBlocked(): void {
    const shared = this.#shared;
    const now = performance.now();
    let allStuck = true;
    let queued = shared.injector.length > 0;
    for (let p = 0; p < this.#threads.length; p++) {
      if (this.#threads[p] === null) continue;
      if (this.#heartbeats.stillFor(p, now) < BLOCKED_AFTER_MS) allStuck = false;
      const processor = shared.processor(p);
      if (!processor.deque.isEmpty || processor.hasSlot()) queued = true;
    }
    // After a start failure no machine is started again (see #startFailed).
    if (!allStuck || !queued || shared.state === STOPPING || this.#startFailure !== null) return;
    for (let p = this.#workers; p < this.#workers + this.#maxExtra; p++) {
      if (this.#threads[p] === null) {
        void this.#startMachine(p).catch(() => {});
        return;
      }
    }
  }

  /**
   * Starts a worker beyond `minWorkers` whose thread is not running (it retired after
   * `idleTimeout`, or was never started) when work is queued and no machine is free to take it
   * (parked or searching), as piscina starts a thread for a task that finds every thread busy.
   * Called on each spawn from this thread and on each tick (which catches jobs spawned inside
   * jobs). One at a time: the next call starts another if the new one is not enough.
   */
  #startRetiredOnDemand(): void {
    const shared = this.#shared;
    if (shared.state === STOPPING || this.#startFailure !== null || shared.idle.free > 0 || !this.#workQueued()) return;
    for (let p = this.#minWorkers; p < this.#workers; p++) {
      if (this.#threads[p] === null) {
        void this.#startMachine(p).catch(() => {});
        return;
      }
    }
  }

  /** Whether any job waits in a queue: the injector, a deque or a slot. */
  #workQueued(): boolean {
    const shared = this.#shared;
    if (shared.injector.length > 0) return true;
    for (let p = 0; p < this.#threads.length; p++) {
      if (!shared.processor(p).deque.isEmpty || shared.processor(p).hasSlot()) return true;
    }
    return false;
  }

  /**
   * Moves jobs waiting for room into the injector as room frees (a worker takes jobs, a queued
   * job is cancelled: `Injector.watchRoom`), in spawn order.
   */
  async #admit(): Promise<void> {
    if (this.#admitting) return;
    this.#admitting = true;
    const injector = this.#shared.injector;
    const waiting = this.#waitingForRoom;
    try {
      while (waiting.size > 0) {
        const room = injector.watchRoom();
        let admitted = 0;
        // Deleting the entry being visited is allowed while iterating a Set. A job cancelled while
        // it waited has left the set (#dequeueWaiting): every job pushed here is QUEUED.
        for (const id of waiting) {
          if (injector.length >= this.#limit) break;
          waiting.delete(id);
          injector.push(id);
          admitted++;
        }
        if (admitted > 0) this.#shared.idle.notifyWork();
        if (waiting.size === 0) break;
        const wait = injector.waitForRoom(room, BLOCKED_CHECK_MS);
        if (wait !== null) await wait;
      }
    } finally {
      injector.stopWatchingRoom();
      this.#admitting = false;
    }
  }

  /** Settles a job that never entered the queue, for a cancelling shutdown. */
  #cancelNeverQueued(id: number): void {
    const shared = this.#shared;
    const name = this.#names[Atomics.load(shared.records.words, id + JOB)] as string;
    const length = this.#encoder.encode(shutdownCancellation(name, false, shared.cancelledBy), name, "error");
    // True: a job aborted while it waited left the set at its abort (#dequeueWaiting).
    shared.records.cancelQueued(id, this.#encoder, length, RUNTIME_CANCELLED);
    shared.records.release(id); // nobody will take it from a queue
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

/** Checks a count option: an integer from `min` to `max` (256 for thread counts), or what `orElse` names. */
function checkCount(name: string, value: unknown, min: number, max = 256, orElse = ""): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${name} must be an integer from ${min} to ${max}${orElse}, got ${describe(value)}`,
    );
  }
}

/** Every option of {@linkcode RuntimeOptions}, for {@linkcode checkOptions} to read once. */
const RUNTIME_OPTION_NAMES: readonly (keyof RuntimeOptions)[] = [
  "workers",
  "minWorkers",
  "idleTimeout",
  "unref",
  "resourceLimits",
  "env",
  "argv",
  "execArgv",
  "maxJobsPerWorker",
  "maxMemoryBeforeRecycle",
  "metrics",
  "maxExtraMachines",
  "queue",
  "workerData",
  "timer",
  "maxHeapBytes",
  "abortGraceMs",
  "onUnhandledError",
];

/**
 * The `timeout` and `signal` of `spawnWith` or `map` options, each read once and checked (a
 * signal's own `aborted` read included) before any job is spawned; `null` when neither is set.
 */
function checkSpawnOptions(options: SpawnOptions, what: string): SpawnOptions | null {
  const { timeout, signal } = checkOptions(options, what, ["timeout", "signal"]);
  if (timeout !== undefined) checkMs("timeout", timeout);
  if (signal !== undefined) checkSignal(signal, `${what}'s signal option`);
  return timeout !== undefined || signal !== undefined ? { timeout, signal } : null;
}

/** The `share` method of a `timer` option, or what a read that throws says about it. */
function shareOf(timer: unknown): unknown {
  try {
    return (timer as { share?: unknown } | null)?.share;
  } catch (cause) {
    throw unreadableError(timer, "Runtime.start()'s timer option needs a timer reactor's timer", cause);
  }
}

/**
 * The job module as an absolute URL string: a `URL`, an absolute path, or an absolute URL string.
 * A relative string is refused: `import()` here would resolve it against this package's folder.
 */
function jobModuleUrl(jobModule: unknown): string {
  if (isInstance(jobModule, URL, "Runtime.start() needs a job module")) return jobModule.href;
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
 * Throws `INVALID_ARGUMENT` naming `workerData` (the engine's `DataCloneError` as cause) unless it
 * can be structured-cloned as a worker receives it: checked once at start, where a worker's start
 * would throw the engine's error with no word of which option it was about.
 */
function checkWorkerData(workerData: unknown): void {
  if (workerData === undefined) return;
  try {
    structuredClone(workerData);
  } catch (cause) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `workerData must be a value workers can receive (structured-cloneable), got ${describe(workerData)}`,
      { cause },
    );
  }
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
function spawnMachineThread(
  workerData: unknown,
  p: number,
  resourceLimits: ResourceLimits | null,
  thread: WorkerThreadOptions,
): Worker {
  const options = {
    workerData,
    name: `spindle-machine-${p}`,
    ...(resourceLimits === null ? {} : { resourceLimits }),
    ...(thread.env === undefined ? {} : { env: thread.env }),
    ...(thread.argv === undefined ? {} : { argv: [...thread.argv] }),
    ...(thread.execArgv === undefined ? {} : { execArgv: [...thread.execArgv] }),
  };
  if (import.meta.url.startsWith("file:")) return new Worker(new URL("./worker-main.js", import.meta.url), options);
  // webpackIgnore: this URL is only imported by the data: module, not a file to copy into a bundle.
  const entry = new URL(/* webpackIgnore: true */ "./worker-main.js", import.meta.url).href;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(`import ${JSON.stringify(entry)};`)}`), options);
}
