import {
  CancelledError,
  caughtInstanceOf,
  checkIterable,
  checkTypeOf,
  describe,
  readErrorOptions,
  SpindleError,
  unreadableError,
} from "@spindle/core";

// The value codec's errors live in @spindle/codec; re-exported so this package's API is unchanged.
export { BufferReleasedError, CorruptValueError, UncloneableValueError } from "@spindle/codec";

/**
 * `spawn` of a name that the job module does not define.
 *
 * @example
 * ```ts
 * import { UnknownJobError } from "@spindle/workstealing";
 *
 * console.log(new UnknownJobError("fibb", ["fib", "sum"]).message);
 * // no job named "fibb" in the job module (it defines "fib", "sum")
 * ```
 */
export class UnknownJobError extends RangeError {
  /** The name that was asked for. */
  readonly job: string;

  /** Creates the error for `job`, listing the names that exist. */
  constructor(job: unknown, known: readonly string[]) {
    super(`no job named ${describe(job)} in the job module (it defines ${listNames(known) || "none"})`);
    this.name = "UnknownJobError";
    this.job = typeof job === "string" ? job : describe(job);
  }
}

/**
 * The error of a job whose worker thread died while running it (`process.exit`, an uncaught error
 * or unhandled rejection in a host callback, running out of memory, `terminate`, or the runtime
 * terminating the worker because another job on it would not stop after an abort). The worker is
 * replaced and every queued job still runs. `cause` is the error that killed the worker, when the
 * worker could report it (an uncaught error or rejection, with its name, message and stack; the
 * runtime's own error when it terminated the worker).
 *
 * @example
 * ```ts
 * import { WorkerLostError } from "@spindle/workstealing";
 *
 * console.log(new WorkerLostError("crash", 1, 7).message);
 * // job "crash" was lost: worker 1 exited (exit code 7) while running it
 * ```
 */
export class WorkerLostError extends Error {
  /** The job's name. */
  readonly job: string;
  /** The index of the worker that died. */
  readonly worker: number;
  /** Its exit code. */
  readonly exitCode: number;

  /** Creates the error of `job`, lost with `worker`. */
  constructor(job: string, worker: number, exitCode: number, options?: ErrorOptions) {
    checkTypeOf(job, "string", "new WorkerLostError(): job");
    checkTypeOf(worker, "number", "new WorkerLostError(): worker");
    checkTypeOf(exitCode, "number", "new WorkerLostError(): exitCode");
    super(
      `job ${JSON.stringify(job)} was lost: worker ${worker} exited (exit code ${exitCode}) while running it`,
      readErrorOptions(options, "new WorkerLostError()"),
    );
    this.name = "WorkerLostError";
    this.job = job;
    this.worker = worker;
    this.exitCode = exitCode;
  }
}

/**
 * The error of a job spawned with a `signal` (`runtime.spawnWith({ signal }, ...)`) that fired
 * before the job settled; named `"AbortError"` (as piscina's), with the signal's reason as `cause`.
 * A `CancelledError`, as every way of stopping a job is.
 *
 * @example
 * ```ts
 * import { JobAbortedError } from "@spindle/workstealing";
 *
 * const error = new JobAbortedError("fib", new Error("user left"));
 * console.log(error.name, error.message, (error.cause as Error).message);
 * // AbortError job "fib" was aborted by its signal user left
 * ```
 */
export class JobAbortedError extends CancelledError {
  /** The job's name. */
  readonly job: string;

  /** Creates the error of `job`, whose signal fired with `reason`. */
  constructor(job: string, reason: unknown) {
    super(`job ${JSON.stringify(checkTypeOf(job, "string", "new JobAbortedError(): job"))}`, { cause: reason });
    this.name = "AbortError";
    this.message = `job ${JSON.stringify(job)} was aborted by its signal`;
    this.job = job;
  }
}

/**
 * The error of a job spawned with a `timeout` (`runtime.spawnWith({ timeout }, ...)`) that had not
 * settled when it ran out; named `"TimeoutError"`. A `CancelledError`, as every way of stopping a
 * job is.
 *
 * @example
 * ```ts
 * import { JobTimeoutError } from "@spindle/workstealing";
 *
 * const error = new JobTimeoutError("fib", 500);
 * console.log(error.name, error.message); // TimeoutError job "fib" did not settle within 500 ms
 * ```
 */
export class JobTimeoutError extends CancelledError {
  /** The job's name. */
  readonly job: string;
  /** The deadline it was given, in milliseconds from its spawn. */
  readonly timeoutMs: number;

  /** Creates the error of `job`, which ran out of its `timeoutMs`. */
  constructor(job: string, timeoutMs: number) {
    checkTypeOf(job, "string", "new JobTimeoutError(): job");
    checkTypeOf(timeoutMs, "number", "new JobTimeoutError(): timeoutMs");
    super(`job ${JSON.stringify(job)}`);
    this.name = "TimeoutError";
    this.message = `job ${JSON.stringify(job)} did not settle within ${timeoutMs} ms`;
    this.job = job;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * `spawn` on a runtime whose bounded queue is full, with `whenFull: "reject"`.
 *
 * @example
 * ```ts
 * import { QueueFullError } from "@spindle/workstealing";
 *
 * console.log(new QueueFullError("fib", 1024).message);
 * // cannot spawn job "fib": the runtime's queue holds its limit of 1024 jobs
 * ```
 */
export class QueueFullError extends Error {
  /** The queue's limit. */
  readonly limit: number;

  /** Creates the error for a spawn of `job` into a queue holding `limit` jobs. */
  constructor(job: string, limit: number) {
    checkTypeOf(job, "string", "new QueueFullError(): job");
    checkTypeOf(limit, "number", "new QueueFullError(): limit");
    super(`cannot spawn job ${JSON.stringify(job)}: the runtime's queue holds its limit of ${limit} jobs`);
    this.name = "QueueFullError";
    this.limit = limit;
  }
}

/**
 * The error of a job whose outcome had no room in the runtime's shared heap (its `maxHeapBytes`):
 * a `SpindleError` with code `CAPACITY_EXCEEDED`, as a spawn whose arguments have no room throws.
 * `outcome` says what did not fit: the job's `"result"` or `"error"` (which is lost: only its size
 * is known), or the `"reason"` of a job that was cancelled or lost (that error then has this one as
 * its `cause`). The worker lives on, and every other job runs.
 *
 * @example
 * ```ts
 * import { HeapFullError } from "@spindle/workstealing";
 *
 * const error = new HeapFullError("render", "result", 3_000_000, 1_048_576);
 * console.log(error.code, error.message);
 * // CAPACITY_EXCEEDED job "render"'s result (3000000 bytes) had no room in the shared heap, whose limit is 1048576 bytes (raise the runtime's maxHeapBytes)
 * ```
 */
export class HeapFullError extends SpindleError {
  /** The job's name. */
  readonly job: string;
  /** What did not fit. */
  readonly outcome: "result" | "error" | "reason";
  /** Its encoded size in bytes. */
  readonly bytes: number;
  /** The heap's limit in bytes. */
  readonly limit: number;

  /** Creates the error of `job`, whose `outcome` of `bytes` bytes did not fit a heap of `limit` bytes. */
  constructor(job: string, outcome: "result" | "error" | "reason", bytes: number, limit: number) {
    checkTypeOf(job, "string", "new HeapFullError(): job");
    checkOutcome(outcome, "new HeapFullError(): outcome");
    checkTypeOf(bytes, "number", "new HeapFullError(): bytes");
    checkTypeOf(limit, "number", "new HeapFullError(): limit");
    super(
      "CAPACITY_EXCEEDED",
      `job ${
        JSON.stringify(job)
      }'s ${outcome} (${bytes} bytes) had no room in the shared heap, whose limit is ${limit} bytes (raise the runtime's maxHeapBytes)`,
    );
    this.name = "HeapFullError";
    this.job = job;
    this.outcome = outcome;
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * The error of a job whose outcome could not be written into the shared heap for another reason
 * than a full heap (that is {@linkcode HeapFullError}): the heap's lock given up, an encoding or a
 * write that threw. As tokio's `JoinError`, the job fails with the reason kept: `cause` is what
 * went wrong, as an `Error` with its name and the start of its message (a summary that needs no
 * heap, cut with "…"). `outcome` says what was lost: the job's `"result"` or `"error"`, or the
 * `"reason"` of a job that was cancelled or lost (that error then has this one as its `cause`).
 * The worker lives on.
 *
 * @example
 * ```ts
 * import { OutcomeWriteError } from "@spindle/workstealing";
 *
 * const error = new OutcomeWriteError("render", "result", { cause: new Error("the heap's lock was given up") });
 * console.log(error.message); // job "render"'s result could not be written: Error: the heap's lock was given up
 * ```
 */
export class OutcomeWriteError extends Error {
  /** The job's name. */
  readonly job: string;
  /** What could not be written. */
  readonly outcome: "result" | "error" | "reason";

  /** Creates the error of `job`, whose `outcome` could not be written; `options.cause` says why. */
  constructor(job: string, outcome: "result" | "error" | "reason", options?: ErrorOptions) {
    checkTypeOf(job, "string", "new OutcomeWriteError(): job");
    checkOutcome(outcome, "new OutcomeWriteError(): outcome");
    const read = readErrorOptions(options, "new OutcomeWriteError()");
    super(`job ${JSON.stringify(job)}'s ${outcome} could not be written${causeText(read?.cause)}`, read);
    this.name = "OutcomeWriteError";
    this.job = job;
    this.outcome = outcome;
  }
}

/**
 * `Runtime.start` with a job module the workers could not use: it has no default export, its
 * default export is not a `defineJobs({...})` job set, or it threw while loading (that error, as
 * thrown on the worker, is the `cause`). A `SpindleError` with code `INVALID_ARGUMENT`; `module`
 * is the module's URL.
 *
 * @example
 * ```ts
 * import { JobModuleError } from "@spindle/workstealing";
 *
 * const error = new JobModuleError("file:///app/jobs.ts", 'has no default export (it exports "jobs")');
 * console.log(error.code, error.message);
 * // INVALID_ARGUMENT the job module file:///app/jobs.ts has no default export (it exports "jobs")
 * ```
 */
export class JobModuleError extends SpindleError {
  /** The job module's URL. */
  readonly module: string;

  /** Creates the error of job module `module`, which `problem` describes. */
  constructor(module: string, problem: string, options?: ErrorOptions) {
    checkTypeOf(module, "string", "new JobModuleError(): module");
    checkTypeOf(problem, "string", "new JobModuleError(): problem");
    super("INVALID_ARGUMENT", `the job module ${module} ${problem}`, options);
    this.name = "JobModuleError";
    this.module = module;
  }
}

/**
 * `spawn` on a runtime after `shutdown()` or `close()`; and the `cause` of the `CancelledError`
 * that the jobs a cancelling shutdown (`close({ force: true })`, `shutdown({ mode: "cancel" })`)
 * stopped fail with, naming that call.
 *
 * @example
 * ```ts
 * import { RuntimeShutdownError } from "@spindle/workstealing";
 *
 * console.log(new RuntimeShutdownError("fib").message);
 * // cannot run job "fib": the runtime was shut down
 * console.log(new RuntimeShutdownError("fib", undefined, "close({ force: true })").message);
 * // cannot run job "fib": the runtime was shut down by close({ force: true })
 * ```
 */
export class RuntimeShutdownError extends Error {
  /**
   * Creates the error for `job`; `operation`, when given, names what was refused instead of a job
   * (`"alloc() a SharedBuffer"`); `by`, when given, the call that shut the runtime down; `options`'
   * `cause`, what else happened (the termination of a worker whose job would not stop).
   */
  constructor(job: string, operation?: string, by?: string, options?: ErrorOptions) {
    checkTypeOf(job, "string", "new RuntimeShutdownError(): job");
    if (operation !== undefined) checkTypeOf(operation, "string", "new RuntimeShutdownError(): operation");
    if (by !== undefined) checkTypeOf(by, "string", "new RuntimeShutdownError(): by");
    super(
      `cannot ${operation ?? `run job ${JSON.stringify(job)}`}: the runtime was shut down${
        by === undefined ? "" : ` by ${by}`
      }`,
      readErrorOptions(options, "new RuntimeShutdownError()"),
    );
    this.name = "RuntimeShutdownError";
  }
}

/**
 * Why a cancelling shutdown stopped a job (the runtime's thread and the workers encode it into
 * the job's record): a {@linkcode RuntimeShutdownError} naming the call `by` that cancelled, and
 * whether the job had `started` (it could not finish) or not (it never ran); `options`' `cause`,
 * the termination of its worker when the job would not stop in time. The job's handle
 * fails with a `CancelledError` made on its own thread, as for every way of stopping a job (so
 * `instanceof CancelledError` holds), with this reason as its `cause`.
 */
export function shutdownCancellation(
  job: string,
  started: boolean,
  by: string,
  options?: ErrorOptions,
): RuntimeShutdownError {
  return new RuntimeShutdownError(job, started ? `finish job ${JSON.stringify(job)}` : undefined, by, options);
}

/**
 * An option this runtime (Node, Deno or Bun) cannot honour, refused at `Runtime.start` rather
 * than silently ignored: `code` is `"UNSUPPORTED"`, `option` names it.
 *
 * @example
 * ```ts
 * import { UnsupportedOptionError } from "@spindle/workstealing";
 *
 * const error = new UnsupportedOptionError("resourceLimits", "Bun 1.4.5 ignores a worker's resourceLimits");
 * console.log(error.code, error.message); // UNSUPPORTED resourceLimits: Bun 1.4.5 ignores a worker's resourceLimits
 * ```
 */
export class UnsupportedOptionError extends TypeError {
  /** Always `"UNSUPPORTED"`. */
  readonly code = "UNSUPPORTED";
  /** The option refused. */
  readonly option: string;

  /** Creates the error for `option`, saying `why`. */
  constructor(option: string, why: string) {
    checkTypeOf(option, "string", "new UnsupportedOptionError(): option");
    checkTypeOf(why, "string", "new UnsupportedOptionError(): why");
    super(`${option}: ${why}`);
    this.name = "UnsupportedOptionError";
    this.option = option;
  }
}

/** The job names an {@linkcode UnknownJobError} lists, quoted: `known` must be an iterable of strings. */
function listNames(known: unknown): string {
  const what = "new UnknownJobError(): known";
  checkIterable(known, `${what} needs the job names`);
  try {
    return Array.from(
      known as Iterable<unknown>,
      (name) => JSON.stringify(checkTypeOf(name, "string", `${what}'s names`)),
    )
      .join(", ");
  } catch (cause) {
    throw caughtInstanceOf(cause, SpindleError)
      ? cause
      : unreadableError(known, `${what} needs job names it can read`, cause);
  }
}

/** Throws `INVALID_ARGUMENT` naming `outcome` unless it is what a job's record can fail to hold. */
function checkOutcome(outcome: unknown, name: string): void {
  if (outcome !== "result" && outcome !== "error" && outcome !== "reason") {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${name} must be "result", "error" or "reason", got ${describe(outcome)}`,
    );
  }
}

/** What an {@linkcode OutcomeWriteError}'s message says of its cause: an `Error`'s name and message, read safely. */
function causeText(cause: unknown): string {
  try {
    return cause instanceof Error ? `: ${String(cause.name)}: ${String(cause.message)}` : "";
  } catch {
    return ` (its cause, ${describe(cause)}, could not be read)`;
  }
}
