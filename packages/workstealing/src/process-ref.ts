import type { Worker } from "node:worker_threads";

/**
 * Whether a runtime keeps the process alive: always (the default, like an open server), or, once
 * {@linkcode ProcessRef.unref} was called, only while it has live jobs (as an idle piscina pool
 * does not). Unref'd, every machine thread is unref'd for good, and one ref'd idle interval holds
 * the event loop open from a spawn until the runtime's monitor sees no live job. The interval, not
 * the threads, holds it: a job spawned inside a job on a worker must count too, and only the
 * shared live count sees those; re-ref'ing threads as jobs come and go would cost a call per
 * spawn.
 */
export class ProcessRef {
  #unrefd = false;
  #hold: ReturnType<typeof setInterval> | null = null;
  readonly #threads: readonly (Worker | null)[];

  /** Over the runtime's machine threads (the array it keeps them in, read when the mode changes). */
  constructor(threads: readonly (Worker | null)[]) {
    this.#threads = threads;
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
    this.#release();
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
    if (this.#unrefd && this.#hold === null) this.#hold = setInterval(() => {}, 2 ** 30);
  }

  /** The runtime's monitor, with the live job count: lets go once none is live. */
  check(live: number): void {
    if (live === 0) this.#release();
  }

  /** Lets go of the process (shutdown, or back to ref'd). */
  #release(): void {
    if (this.#hold === null) return;
    clearInterval(this.#hold);
    this.#hold = null;
  }

  /** The runtime stopped: nothing to hold any more. */
  close(): void {
    this.#release();
  }
}
