// Support of the rayon-core ports: a runtime over the ports' job module (rayon/jobs.ts) with fresh
// control words and a fresh log in its workerData, shut down when the test ends (cancelling: a
// test that failed half-way leaves no job or thread behind). Rayon's thread pools are runtimes;
// rayon's global pool is a runtime with the default options.
import assert from "node:assert/strict";
import { Runtime, type RuntimeOptions } from "@spindle/workstealing";
import type jobs from "./jobs.ts";
import { releaseAll } from "../piscina/support.ts";

/** The ports' job module. */
export const JOBS: URL = new URL("./jobs.ts", import.meta.url);

/** A runtime over the ports' jobs. */
export type RayonRuntime = Runtime<typeof jobs>;

/** What a test gets besides its runtime: the jobs' control words and log (see jobs.ts). */
export interface Shared {
  readonly words: Int32Array;
  readonly log: Int32Array;
}

/**
 * Runs `body` with a runtime started on JOBS with `options`, then releases every job waiting on a
 * word and shuts the runtime down.
 */
export async function withPool(
  options: RuntimeOptions,
  body: (runtime: RayonRuntime, shared: Shared) => Promise<void>,
): Promise<void> {
  const words = new Int32Array(new SharedArrayBuffer(4 * 64));
  const log = new Int32Array(new SharedArrayBuffer(4 * 256));
  const runtime = await Runtime.start<typeof jobs>(JOBS, { ...options, workerData: { words, log } });
  try {
    await body(runtime, { words, log });
  } finally {
    releaseAll(words);
    await runtime.shutdown({ mode: "cancel" });
  }
}

/** The log's entries, in the order they were appended. */
export function logged(log: Int32Array): number[] {
  return Array.from(log.subarray(1, 1 + Atomics.load(log, 0)));
}

/**
 * One worker and no extra machines: rayon's `num_threads(1)`, where nothing is stolen, so the
 * order tests see the scheduler's own order.
 */
export const ONE_THREAD: RuntimeOptions = { workers: 1, maxExtraMachines: 0 };

/**
 * Runs job `name` (a join or scope that fails with rayon's panic while another child, `markSlow`
 * on word `slot`, may run) for twenty rounds on two workers, where that child is sometimes stolen
 * and running when the failure comes: each round fails with the panic, and the other child either
 * never started or ended before the join or scope did.
 */
export async function noChildOutlives(
  name: "joinFailThenMark" | "scopeFailThenMark" | "scopeMarkThenThrow",
  message: string,
): Promise<void> {
  await withPool({ workers: 2 }, async (runtime, { words }) => {
    for (let round = 0; round < 20; round++) {
      const slot = 2 * round;
      await assert.rejects(Promise.resolve(runtime.spawn(name, slot)), { message });
      const [started, ended] = [Atomics.load(words, slot), Atomics.load(words, slot + 1)];
      assert.equal(ended, started, `round ${round}: the other child is still running after ${name} failed`);
    }
  });
}
