import type { Processor } from "./processor.ts";

/**
 * How long each processor's heartbeat has stood still, as one observer sees it: the one way this
 * package tells a machine that is stuck in a job (a long computation, an endless loop) from one
 * that turns. A machine bumps its heartbeat on every turn and every job start
 * ({@linkcode Processor.beat}); an observer that reads the same value again knows the machine has
 * not been back to its loop since it first read that value.
 *
 * Observers keep a watch each, with their own thresholds: a searching machine takes the
 * next-task slot of a victim still for 1 ms (`machine.ts`, `STUCK_MS`), and the runtime's thread
 * starts an extra machine when every machine has been still for 100 ms and work is queued
 * (`runtime.ts`, `BLOCKED_AFTER_MS`); on Deno its silent-death watch also takes a machine still
 * for 1 s near its heap limit for dead (`silent-death-watch.ts`).
 *
 * The heartbeat is read with `Atomics` (see `Processor.beat`) and only compared with the last
 * value seen, so it pairs with no other word; the times are this observer's own clock readings.
 */
export class HeartbeatWatch {
  readonly #processors: readonly Processor[];
  /** Each processor's heartbeat at this observer's last look (-1: never looked). */
  readonly #seen: Int32Array;
  /** When this observer saw each heartbeat change. */
  readonly #changedAt: Float64Array;

  /** A watch over `processors`, which it has not looked at yet. */
  constructor(processors: readonly Processor[]) {
    this.#processors = processors;
    this.#seen = new Int32Array(processors.length).fill(-1);
    this.#changedAt = new Float64Array(processors.length);
  }

  /**
   * How many milliseconds, as of `now` (`performance.now()`), processor `p`'s heartbeat has not
   * changed since this observer saw it change: 0 at a first look or when it changed since the
   * last one.
   */
  stillFor(p: number, now: number): number {
    const heartbeat = (this.#processors[p] as Processor).heartbeat();
    if (heartbeat !== this.#seen[p]) {
      this.#seen[p] = heartbeat;
      this.#changedAt[p] = now;
      return 0;
    }
    return now - (this.#changedAt[p] as number);
  }
}
