// When a machine's thread should be replaced by a fresh one, between jobs: after a number of jobs,
// or once its JS heap holds more than a threshold (tinypool's maxMemoryLimitBeforeRecycle).
import { heapUsed } from "./heap-used.ts";

/** What the runtime's recycling options ask of every machine (plain data, for `workerData`). */
export interface RecycleLimits {
  /** Jobs a machine takes from the queues before its thread is replaced; 0: no limit. */
  readonly maxJobs: number;
  /** Bytes of JS heap in use above which a machine's thread is replaced; 0: no limit. */
  readonly maxMemory: number;
}

/** At most one heap measurement per this many ms of a busy machine (one costs 1-4 µs; Bun's `memoryUsage()` ~40 µs). */
const MEMORY_CHECK_MS = 1;

/** One machine's count of jobs and its heap checks against {@linkcode RecycleLimits}. */
export class RecyclePolicy {
  readonly #limits: RecycleLimits;
  #jobs = 0;
  #checkedAt = -Infinity;

  constructor(limits: RecycleLimits) {
    this.#limits = limits;
  }

  /** Whether any limit is set (else the machine never asks). */
  get active(): boolean {
    return this.#limits.maxJobs > 0 || this.#limits.maxMemory > 0;
  }

  /** The machine took a job from a queue: returns whether its thread is now due for replacement. */
  jobStarted(): boolean {
    const { maxJobs, maxMemory } = this.#limits;
    if (maxJobs > 0 && ++this.#jobs >= maxJobs) return true;
    if (maxMemory > 0) {
      const now = performance.now();
      if (now - this.#checkedAt >= MEMORY_CHECK_MS) {
        this.#checkedAt = now;
        return heapUsed() > maxMemory;
      }
    }
    return false;
  }
}
