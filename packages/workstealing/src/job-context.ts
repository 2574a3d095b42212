import { type JoinHandle, SpindleError } from "@spindle/core";
import type { SharedBuffer } from "@spindle/codec";
import type { Timer } from "@spindle/timer";

/**
 * What a job can reach on its worker: spawning children, and the timer shared with the runtime.
 *
 * The worker's machine implements it. This module names neither `JobSet` nor `JobHandle`, which
 * both reach the context through it: it is the bottom of their imports, so they form no cycle.
 */
export interface JobContext {
  /**
   * Spawns child job `name` of job set `set` (the context refuses any set but its worker's job
   * module) with `args`; returns the child's `JobHandle`.
   */
  spawn(set: object, name: string, args: unknown[]): JoinHandle<unknown>;
  /**
   * Takes child job `id` back for its joiner to run in place, when it has not started and is
   * this worker's next job (its slot, or the bottom of its deque): marks it running and calls the
   * job's function. Returns what the function returned (a value, future or coroutine) or threw, or
   * `null` when the job is elsewhere.
   */
  takeBack(id: number): InlineStart | null;
  /** Ends a job joined in place: settles its record, which nobody else holds, and frees it. */
  settleInline(id: number, state: number): void;
  /** A zeroed buffer of `byteLength` bytes in the runtime's shared heap, owned by this thread. */
  alloc(byteLength: number): SharedBuffer;
  readonly timer: Timer;
  readonly workerData: unknown;
}

/** How a job taken back for its joiner started: with an output, or by throwing. */
export type InlineStart = { readonly ok: true; readonly output: unknown } | {
  readonly ok: false;
  readonly error: unknown;
};

let current: JobContext | null = null;
let importing = false;

/** Marks that this thread (a runtime's worker) is importing the job module, or no longer is. */
export function importingJobModule(now: boolean): void {
  importing = now;
}

/**
 * Whether this thread is a runtime's worker importing the job module: a job module that starts a
 * runtime at its top level without checking `isMainThread` would start one in every worker.
 */
export function isImportingJobModule(): boolean {
  return importing;
}

/**
 * The worker's context is also kept under this global key, for a second copy of this module in
 * the same thread: a job module bundled on its own carries its own copy of the package, whose
 * `jobs.spawn` must still find the machine that the worker's copy installed.
 */
const CONTEXT = Symbol.for("@spindle/workstealing.jobContext");

/** The context of this worker, or `null` on a thread that is not a runtime's worker. */
export function currentJobContext(): JobContext | null {
  return current ?? ((globalThis as Record<symbol, unknown>)[CONTEXT] as JobContext | undefined) ?? null;
}

/** Installs the worker's context (done once by the worker's machine). */
export function enterJobContext(context: JobContext): void {
  current = context;
  Object.defineProperty(globalThis, CONTEXT, { value: context, configurable: true });
}

/** The context of this worker; throws when called outside a worker of a runtime. */
export function jobContext(operation: string): JobContext {
  const current = currentJobContext();
  if (current === null) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${operation} works inside a job, on a worker of a runtime; on the thread that started the runtime, use the runtime's own methods`,
    );
  }
  return current;
}
