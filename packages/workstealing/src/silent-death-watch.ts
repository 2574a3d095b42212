import process from "node:process";
import type { HeartbeatWatch } from "./heartbeat-watch.ts";
import type { Processor } from "./processor.ts";

/**
 * Whether a runtime whose workers have the heap limit `limitMib` (undefined: none) keeps a
 * {@linkcode SilentDeathWatch}, and so whether its workers publish their heap use: on Deno alone,
 * the one runtime measured ending a worker out of heap without an event (Node sends `error` and
 * `exit`; Bun applies no limit).
 */
export function watchesSilentDeaths(limitMib: number | undefined): limitMib is number {
  return limitMib !== undefined && process.versions.deno !== undefined; // as runtime.ts tells Deno
}

/**
 * The runtime's watch for machines that died of running out of heap without their thread's
 * `exit` or `error` event (measured on Deno 2.9.6: a worker that reached its
 * `resourceLimits.maxOldGenerationSizeMb` under load stayed silent in 6 of 7 runs, its heartbeat
 * still, its OS thread asleep, until `terminate()`, which then ended it with `exit` at once).
 *
 * A machine is taken for dead of its heap when it holds a job, its heartbeat has not moved for
 * {@linkcode SILENT_AFTER_MS}, and its heap use is near its limit
 * ({@linkcode NEAR_LIMIT}). The heap use is the figure it last published on a turn
 * (`Processor.publishHeapKib`) plus how much the process's resident memory grew since its
 * heartbeat stopped: a job allocating in one synchronous stretch publishes nothing meanwhile (a
 * run measured: RSS 131 → 250 MiB as one job filled a 128 MiB limit, then flat). A machine
 * merely running a long job is left alone unless the process grew by about its limit meanwhile.
 *
 * Only its runtime's thread uses it. Its words are read with `Atomics` (see the processor's
 * methods); the RSS and the times are this thread's own readings.
 */
export class SilentDeathWatch {
  readonly #processors: readonly Processor[];
  readonly #heartbeats: HeartbeatWatch;
  readonly #limitKib: number;
  /** The process's RSS (KiB) when each processor's heartbeat was first seen still (NaN: moving). */
  readonly #rssAtStill: Float64Array;
  /** The most the RSS grew (KiB) while each processor's heartbeat stood still. */
  readonly #growth: Float64Array;
  #rssKib = 0;
  #rssAt = -Infinity;

  /** A watch over `processors`, whose threads may each use `limitMib` MiB of old generation. */
  constructor(processors: readonly Processor[], heartbeats: HeartbeatWatch, limitMib: number) {
    this.#processors = processors;
    this.#heartbeats = heartbeats;
    this.#limitKib = limitMib * 1024;
    this.#rssAtStill = new Float64Array(processors.length).fill(NaN);
    this.#growth = new Float64Array(processors.length);
  }

  /**
   * Looks at processor `p`, whose machine runs, as of `now` (`performance.now()`): the message
   * for its jobs' `WorkerLostError` when it is to be taken for dead, else `null`.
   */
  check(p: number, now: number): string | null {
    const processor = this.#processors[p] as Processor;
    if (!processor.hasRunningJobs() || this.#heartbeats.stillFor(p, now) === 0) {
      this.#rssAtStill[p] = NaN;
      this.#growth[p] = 0;
      return null;
    }
    const rss = this.#rss(now);
    if (Number.isNaN(this.#rssAtStill[p] as number)) this.#rssAtStill[p] = rss;
    this.#growth[p] = Math.max(this.#growth[p] as number, rss - (this.#rssAtStill[p] as number));
    const heapKib = this.heapKib(p);
    if (this.#heartbeats.stillFor(p, now) < SILENT_AFTER_MS || heapKib < NEAR_LIMIT * this.#limitKib) return null;
    return `worker ${p} stopped near its heap limit (${this.#describe(p)}) with no exit event`;
  }

  /**
   * Processor `p`'s heap use as last seen (KiB): its published figure plus the RSS growth seen
   * while its heartbeat stood still.
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

  /** Forgets processor `p` (its thread exited; the next starts afresh). */
  forget(p: number): void {
    this.#rssAtStill[p] = NaN;
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
      (growth > 0 ? `, and the process grew by ${mib(growth)} MiB while it stood still` : "");
  }

  /** The process's resident memory in KiB, read at most every {@linkcode RSS_EVERY_MS} (37 µs a read on Deno). */
  #rss(now: number): number {
    if (now - this.#rssAt >= RSS_EVERY_MS) {
      this.#rssAt = now;
      this.#rssKib = process.memoryUsage.rss() / 1024;
    }
    return this.#rssKib;
  }
}

/** How long a machine holding a job must stand still, near its heap limit, to be taken for dead. */
export const SILENT_AFTER_MS = 1_000;
/** The share of its limit above which a machine's heap use is near it. */
const NEAR_LIMIT = 0.85;
/** At most one RSS reading per this many ms, and only while a machine holding jobs stands still. */
const RSS_EVERY_MS = 20;
