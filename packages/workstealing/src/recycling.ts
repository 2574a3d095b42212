// When a machine's thread should be replaced by a fresh one, between jobs: after a number of jobs,
// or once its JS heap holds more than a threshold (tinypool's maxMemoryLimitBeforeRecycle).
import { getHeapStatistics } from "node:v8";
import process from "node:process";

/** What the runtime's recycling options ask of every machine (plain data, for `workerData`). */
export interface RecycleLimits {
  /** Jobs a machine takes from the queues before its thread is replaced; 0: no limit. */
  readonly maxJobs: number;
  /** Bytes of JS heap in use above which a machine's thread is replaced; 0: no limit. */
  readonly maxMemory: number;
}

/** At most one heap measurement per this many ms of a busy machine (one costs 1-4 µs; Bun's `memoryUsage()` ~40 µs). */
const MEMORY_CHECK_MS = 1;

/**
 * The heap in use on this thread, in bytes: V8's `used_heap_size` on Node and Deno (about 1 µs
 * and 4 µs a call, measured; `process.memoryUsage()` costs about 40 µs there, as it reads the
 * RSS too), and `process.memoryUsage().heapUsed` on Bun, whose `getHeapStatistics` did not follow
 * a worker's own allocations (measured: 0.9 MB reported after 100 MB allocated).
 */
function heapUsed(): number {
  return process.versions.bun !== undefined ? process.memoryUsage().heapUsed : getHeapStatistics().used_heap_size;
}

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
