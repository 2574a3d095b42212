import { SpindleError } from "@spindle/core";
import type { Timer } from "@spindle/timer";
import type { JobHandle } from "./job-handle.ts";
import type { JobSet } from "./job-set.ts";

/** What a job can reach on its worker: spawning children, and the timer shared with the runtime. */
export interface JobContext {
  spawn(set: JobSet, name: string, args: unknown[]): JobHandle<unknown>;
  readonly timer: Timer;
  readonly workerData: unknown;
}

let current: JobContext | null = null;

/** Installs the worker's context (done once by the worker's machine). */
export function enterJobContext(context: JobContext): void {
  current = context;
}

/** The context of this worker; throws when called outside a worker of a runtime. */
export function jobContext(operation: string): JobContext {
  if (current === null) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${operation} works inside a job, on a worker of a runtime; on the thread that started the runtime, use the runtime's own methods`,
    );
  }
  return current;
}
