import type { Worker } from "node:worker_threads";
import { holdProcessOpen } from "@spindle/core";
import type { PendingOutput } from "./output-flush.ts";

/**
 * Whether a runtime keeps the process alive: always (the default, like an open server), or, once
 * {@linkcode ProcessRef.unref} was called, only while it has live jobs (as an idle piscina pool
 * does not). Unref'd, every machine thread is unref'd for good, and a hold of the process
 * (`holdProcessOpen`) keeps the event loop open from a spawn until the runtime's monitor sees no
 * live job. The hold, not the threads, does it: a job spawned inside a job on a worker must count
 * too, and only the shared live count sees those; re-ref'ing threads as jobs come and go would
 * cost a call per spawn.
 *
 * Ref'd, the runtime holds the process open too, for as long as it is ref'd (its threads would keep
 * the process alive anyway). That makes the holds taken while its jobs are awaited on this thread
 * (the wake table's listener holds the process while a handle waits) counts in a shared hold,
 * not an idle interval each: on a runtime's thread that awaits a few jobs at a time, the listener
 * otherwise started and cleared an interval per batch, 40-57 µs on Node 24 and Deno after an idle
 * gap, on the way to the result (scratch probe after 30 ms idle, 2026-12-07: `setInterval` 28 and
 * 51 µs, `clearInterval` 13 and 6 µs at p50; Bun 7 and 2 µs). Tried and taken back: the same hold
 * for good on each worker's thread (its non-blocking park then skips the interval too, 9 µs from
 * the wake to the machine's poll instead of 30-50 on Node): on Deno a worker killed by its heap
 * limit then left a buffer of its job unreturned (buffer-death.test.ts, "oom", in both runs).
 */
export class ProcessRef {
  #unrefd = false;
  /** The runtime's hold of the process, or null. */
  #hold: (() => void) | null = holdProcessOpen();
  readonly #threads: readonly (Worker | null)[];
  readonly #output: PendingOutput;

  /**
   * Over the runtime's machine threads (the array it keeps them in, read when the mode changes)
   * and its machines' output words.
   */
  constructor(threads: readonly (Worker | null)[], output: PendingOutput) {
    this.#threads = threads;
    this.#output = output;
  }

  /** Whether the runtime lets the process exit while it has no live job. */
  get unrefd(): boolean {
    return this.#unrefd;
  }

  /** From now on, an idle runtime does not keep the process alive. */
  unref(): void {
    this.#unrefd = true;
    for (const thread of this.#threads) thread?.unref();
  }

  /** From now on, the runtime keeps the process alive until it is shut down. */
  ref(): void {
    this.#unrefd = false;
    for (const thread of this.#threads) thread?.ref();
    this.#hold ??= holdProcessOpen();
  }

  /** A machine thread started: unref'd too when the runtime is. */
  adopt(thread: Worker): void {
    if (this.#unrefd) thread.unref();
  }

  /**
   * Something is under way that the runtime's monitor cannot count as a live job yet (a spawn
   * from this thread, the start of the runtime, whose workers import the job module): hold the
   * process open until the monitor sees no live job.
   */
  hold(): void {
    this.#hold ??= holdProcessOpen(); // ref'd, the hold is there already
  }

  /**
   * The runtime's monitor, with the live job count: unref'd, lets go once none is live and what
   * the jobs wrote to stdout and stderr before they settled has reached this thread's streams
   * (`output-flush.ts`; the words are read after the count, as that file says).
   */
  check(live: number): void {
    if (live === 0 && this.#unrefd && this.#hold !== null && !this.#output.pending()) this.#release();
  }

  /** Lets go of the process (unref'd and idle, or shutdown). */
  #release(): void {
    this.#hold?.();
    this.#hold = null;
  }

  /** The runtime stopped: nothing to hold any more. */
  close(): void {
    this.#release();
  }
}
