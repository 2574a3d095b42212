import process from "node:process";
import { HOST_RUNTIME } from "@spindle/core";
import type { HeartbeatWatch } from "./heartbeat-watch.ts";
import type { Processor } from "./processor.ts";

/**
 * Whether a runtime whose workers have the heap limit `limitMib` (undefined: none) keeps a
 * {@linkcode SilentDeathWatch}, and so whether its workers publish their heap use: on Deno alone,
 * the one runtime measured ending a worker out of heap without an event (Node sends `error` and
 * `exit`; Bun applies no limit).
 */
export function watchesSilentDeaths(limitMib: number | undefined): limitMib is number {
  return limitMib !== undefined && HOST_RUNTIME === "Deno";
}

/**
 * Where a watch reads the process's resident memory (KiB) unless given a source: a test replaces
 * `readKib` to drive a whole runtime's watch (`silent-lock-holder.test.ts`); not exported by the
 * package.
 */
export const processRss: { readKib: () => number } = { readKib: () => process.memoryUsage.rss() / 1024 };

/**
 * The runtime's watch for machines that died of running out of heap without their thread's
 * `exit` or `error` event (measured on Deno 2.9.6: a worker that reached its
 * `resourceLimits.maxOldGenerationSizeMb` under load stayed silent in 6 of 7 runs, its heartbeat
 * still, its OS thread asleep, until `terminate()`, which then ended it with `exit` at once).
 *
 * A machine is taken for dead of its heap when it holds a job or a lock of shared memory (one that
 * died parking, in the idle state's lock, left every spawn to fail with `DEADLOCK`, for ever, in
 * 1 of 60 runs measured), its heartbeat has not moved for
 * {@linkcode SILENT_AFTER_MS}, and its heap use is near its limit
 * ({@linkcode NEAR_LIMIT}). The heap use is the figure it published at its last beat
 * (`Processor.publishHeapKib`, on every turn and job start) plus how much the process's resident
 * memory grew since: a job allocating in one synchronous stretch publishes nothing meanwhile (a
 * run measured: RSS 131 → 250 MiB as one job filled a 128 MiB limit, then flat). The growth is
 * counted from this watch's reading at its look *before* it saw the heartbeat move, so from before
 * the last beat: a reading taken after it (at the first look that found the machine still, as
 * before) missed what the job allocated before that look, all of it for a job that filled its
 * heap within a tick, and the machine, taken for merely slow, was never terminated (its job
 * waited for ever: a Deno test run hung so). A machine merely running a long job is left alone
 * unless the process grew by about its limit meanwhile.
 *
 * Only its runtime's thread uses it. Its words are read with `Atomics` (see the processor's
 * methods); the RSS and the times are this thread's own readings.
 */
export class SilentDeathWatch {
  readonly #processors: readonly Processor[];
  readonly #heartbeats: HeartbeatWatch;
  readonly #limitKib: number;
  readonly #holdsLock: (p: number) => boolean;
  readonly #readRssKib: () => number;
  /** Each processor's heartbeat at this watch's last look (-1: not looked at since it started). */
  readonly #beatSeen: Int32Array;
  /** The RSS (KiB) read at each processor's last look: the baseline should it have moved by the next. */
  readonly #rssAtLook: Float64Array;
  /** The RSS (KiB) read before each processor's last beat: its growth is counted from here. */
  readonly #rssBeforeBeat: Float64Array;
  /** The most the RSS grew (KiB) since each processor's last beat. */
  readonly #growth: Float64Array;
  #rssKib = 0;
  #rssAt = -Infinity;

  /**
   * A watch over `processors`, whose threads may each use `limitMib` MiB of old generation;
   * `holdsLock(p)` tells whether processor `p`'s machine holds a lock of shared memory
   * (`SharedState.holdsLock`), `readRssKib` reads the process's resident memory (KiB).
   */
  constructor(
    processors: readonly Processor[],
    heartbeats: HeartbeatWatch,
    limitMib: number,
    holdsLock: (p: number) => boolean,
    readRssKib: () => number = () => processRss.readKib(),
  ) {
    this.#processors = processors;
    this.#heartbeats = heartbeats;
    this.#limitKib = limitMib * 1024;
    this.#holdsLock = holdsLock;
    this.#readRssKib = readRssKib;
    this.#beatSeen = new Int32Array(processors.length).fill(-1);
    this.#rssAtLook = new Float64Array(processors.length);
    this.#rssBeforeBeat = new Float64Array(processors.length);
    this.#growth = new Float64Array(processors.length);
  }

  /**
   * Looks at processor `p`, whose machine runs, as of `now` (`performance.now()`): the message
   * for its jobs' `WorkerLostError` when it is to be taken for dead, else `null`. Called on every
   * tick for every running machine, busy or idle, so that a reading from before each beat exists;
   * and by every wait of the runtime's thread for a lock that the machine holds, during which no
   * tick comes (`Runtime.#checkLockHolder`).
   */
  check(p: number, now: number): string | null {
    const processor = this.#processors[p] as Processor;
    const rss = this.#rss(now);
    const beat = processor.heartbeat();
    if (beat !== this.#beatSeen[p]) {
      // It beat since the last look, which read the RSS before that beat.
      this.#beatSeen[p] = beat;
      this.#rssBeforeBeat[p] = this.#rssAtLook[p] as number;
      this.#growth[p] = 0;
    }
    this.#rssAtLook[p] = rss;
    this.#growth[p] = Math.max(this.#growth[p] as number, rss - (this.#rssBeforeBeat[p] as number));
    if (this.#heartbeats.stillFor(p, now) < SILENT_AFTER_MS) return null;
    if (!processor.hasRunningJobs() && !this.#holdsLock(p)) return null;
    if (this.heapKib(p) < NEAR_LIMIT * this.#limitKib) return null;
    return `worker ${p} stopped near its heap limit (${this.#describe(p)}) with no exit event`;
  }

  /**
   * Processor `p`'s heap use as last seen (KiB): its figure published at its last beat plus the
   * RSS growth seen since.
   */
  heapKib(p: number): number {
    return (this.#processors[p] as Processor).heapKib() + (this.#growth[p] as number);
  }

  /**
   * The cause for the jobs of processor `p`'s machine, whose thread exited with code 0 and no
   * error while running them (how Deno 2.9.6 ended 33 of 35 workers out of heap, measured):
   * what its heap held when last seen.
   */
  quietExitCause(p: number): Error {
    const near = this.heapKib(p) >= NEAR_LIMIT * this.#limitKib;
    return new Error(
      `worker ${p} exited with code 0 and no error while running a job, ${near ? "near" : "below"} its heap limit ` +
        `when last seen (${this.#describe(p)})${near ? ": out of heap, as Deno ends such a worker" : ""}`,
    );
  }

  /**
   * Forgets processor `p` as its next machine starts (its thread exited): the RSS now is the
   * baseline until this watch's first look at the new machine.
   */
  forget(p: number): void {
    this.#beatSeen[p] = -1;
    this.#rssAtLook[p] = this.#readRssKib();
    this.#growth[p] = 0;
    (this.#processors[p] as Processor).publishHeapKib(0); // after its thread's exit: see there
  }

  /**
   * Processor `p`'s heap figures, for a cause: its limit, what it published, and the RSS growth
   * (the whole process's: machines that stood still together each count all of it).
   */
  #describe(p: number): string {
    const mib = (kib: number): number => Math.round(kib / 1024);
    const published = (this.#processors[p] as Processor).heapKib();
    const growth = this.#growth[p] as number;
    return `limit ${mib(this.#limitKib)} MiB; ${mib(published)} MiB at its last turn` +
      (growth > 0 ? `, and the process grew by ${mib(growth)} MiB since` : "");
  }

  /**
   * The process's resident memory in KiB, read at most every {@linkcode RSS_EVERY_MS} (26-37 µs a
   * read on Deno): a reading up to that old is from earlier still, which only counts more growth.
   */
  #rss(now: number): number {
    if (now - this.#rssAt >= RSS_EVERY_MS) {
      this.#rssAt = now;
      this.#rssKib = this.#readRssKib();
    }
    return this.#rssKib;
  }
}

/** How long a machine holding a job must stand still, near its heap limit, to be taken for dead. */
export const SILENT_AFTER_MS = 1_000;
/** The share of its limit above which a machine's heap use is near it. */
const NEAR_LIMIT = 0.85;
/** At most one RSS reading per this many ms (the runtime's ticks come every 10 ms). */
const RSS_EVERY_MS = 20;
