import { describe, type Future, unreadableError } from "@spindle/core";
import type { Timer } from "@spindle/timer";
import type { SharedBuffer } from "@spindle/codec";
import type { JobHandle } from "./job-handle.ts";
import { currentJobContext, jobContext } from "./job-context.ts";

/**
 * A job: a function of plain-data arguments returning a value, a future, a coroutine or a promise
 * (an `async function`). (`never[]` accepts every parameter list: any function is assignable to it.)
 */
export type JobFunction = (...args: never[]) => unknown;

/** The jobs of a job module, by name. */
export type Jobs = Record<string, JobFunction>;

/** What a job produces: a coroutine's, future's or promise's output, else what the function returns. */
export type JobOutput<F extends JobFunction> = ReturnType<F> extends Generator<unknown, infer T, unknown> ? T
  : ReturnType<F> extends Future<infer T> ? T
  : ReturnType<F> extends PromiseLike<infer T> ? T
  : ReturnType<F>;

/**
 * The brand on every job set's prototype, the same symbol in every copy of this package: a bundle,
 * or a second install, may load two copies, and `instanceof` fails across them.
 */
const JOB_SET = Symbol.for("@spindle/workstealing.JobSet");

/**
 * The jobs of a job module: what {@linkcode defineJobs} returns and the module exports as its
 * default export. Every worker imports the module, so the jobs' code exists on every thread and
 * only their names and arguments travel. Inside a job, `jobs.spawn` forks a child job onto the
 * current worker (where idle workers can steal it) and `yield*` on its handle joins it.
 *
 * @example
 * ```ts
 * import { defineJobs, type Coroutine } from "@spindle/workstealing";
 *
 * function fibSequential(n: number): number {
 *   return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
 * }
 *
 * const jobs = defineJobs({
 *   add(a: number, b: number): number {
 *     return a + b;
 *   },
 *   *fib(n: number): Coroutine<number> {
 *     if (n < 20) return fibSequential(n);
 *     const left = jobs.spawn("fib", n - 1); // a child job, stealable by idle workers
 *     const right = fibSequential(n - 2);
 *     return (yield* left) + right;
 *   },
 * });
 * console.log(jobs.names); // [ "add", "fib" ]
 * // A job module ends with `export default jobs;` (Runtime.start imports its default export).
 * ```
 */
export class JobSet<J extends Jobs = Jobs> {
  /** The job functions, by name. */
  readonly jobs: J;
  /** The job names, in the order that numbers them. */
  readonly names: readonly string[];
  readonly #indexes: Map<string, number>;

  /** Use {@linkcode defineJobs}. Anything but an object of functions is a `TypeError` naming it. */
  constructor(jobs: J) {
    if (typeof jobs !== "object" || jobs === null) {
      throw new TypeError(`defineJobs() needs an object of job functions, got ${describe(jobs)}`);
    }
    let entries: [string, unknown][];
    try {
      entries = Object.entries(jobs);
    } catch (cause) {
      throw unreadableError(jobs, "defineJobs() needs an object of job functions", cause);
    }
    for (const [name, job] of entries) {
      if (typeof job !== "function") {
        throw new TypeError(`job ${JSON.stringify(name)} must be a function, got ${describe(job)}`);
      }
    }
    this.jobs = jobs;
    this.names = Object.keys(jobs);
    this.#indexes = new Map(this.names.map((name, index) => [name, index]));
  }

  static {
    Object.defineProperty(JobSet.prototype, JOB_SET, { value: true });
  }

  /** The number of job `name`, or -1. */
  indexOf(name: string): number {
    return this.#indexes.get(name) ?? -1;
  }

  /**
   * Inside a job: spawns child job `name` on this worker (its next-task slot, then its deque, where
   * idle workers steal it) and returns its handle; `yield* handle` joins it. Throws outside a job.
   */
  spawn<K extends keyof J & string>(name: K, ...args: Parameters<J[K]>): JobHandle<JobOutput<J[K]>> {
    // The label is built only for the error: a spawn inside a job pays for no string.
    const context = currentJobContext() ?? jobContext(`jobs.spawn(${JSON.stringify(name)})`);
    return context.spawn(this as JobSet, name, args) as JobHandle<JobOutput<J[K]>>;
  }

  /**
   * Inside a job: a zeroed {@linkcode SharedBuffer} of `byteLength` bytes in the runtime's shared
   * heap, as `runtime.alloc` makes on the runtime's thread. This worker's thread owns it: returning
   * it from the job hands it to whoever takes the result; otherwise the job releases it (or keeps
   * it for later jobs on this worker), and should the worker die first it goes back to the heap.
   *
   * @example
   * ```ts ignore
   * const jobs = defineJobs({
   *   squares(n: number): SharedBuffer {
   *     const buffer = jobs.alloc(8 * n);
   *     const values = buffer.array(Float64Array);
   *     for (let i = 0; i < n; i++) values[i] = i * i;
   *     return buffer; // the caller owns it now, and releases it
   *   },
   * });
   * ```
   */
  alloc(byteLength: number): SharedBuffer {
    return jobContext("jobs.alloc").alloc(byteLength);
  }

  /** Inside a job: the runtime's `workerData` option, as this worker received it. */
  get workerData(): unknown {
    return jobContext("jobs.workerData").workerData;
  }

  /** Inside a job: the timer the runtime was started with (its `timer` option), on this worker. */
  get timer(): Timer {
    return jobContext("jobs.timer").timer;
  }
}

/** Whether `value` is a job set made by {@linkcode defineJobs} of any copy of this package. */
export function isJobSet(value: unknown): value is JobSet {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[JOB_SET] === true;
}

/**
 * Defines the jobs of a job module; export the result as the module's default export and start a
 * runtime with the module's URL.
 *
 * @example
 * ```ts
 * import { defineJobs } from "@spindle/workstealing";
 *
 * export default defineJobs({
 *   square(n: number): number {
 *     return n * n;
 *   },
 * });
 * ```
 */
export function defineJobs<J extends Jobs>(jobs: J): JobSet<J> {
  return new JobSet(jobs);
}
