// Support of the piscina ports: a runtime over the ports' job module with fresh control words in
// its workerData, released and shut down when the test ends; and a wait for a condition that the
// test's thread polls (piscina's tests block in `Atomics.wait`, which would also stop this thread's
// event loop, where the runtime learns of worker exits).
import { Runtime, type RuntimeOptions } from "@spindle/workstealing";
import type jobs from "./jobs.ts";

/** The ports' job module. */
export const JOBS: URL = new URL("./jobs.ts", import.meta.url);

/** A runtime over the ports' jobs. */
export type PortRuntime = Runtime<typeof jobs>;

/** A value above every count and with the low bits clear: releases every waiting job (see jobs.ts). */
const RELEASE_ALL = 0x4000_0000;

/**
 * Runs `body` with a runtime started on JOBS with `options` (its workerData gets `words`, 64
 * control words), then releases every job still waiting on a word and shuts the runtime down
 * (cancelling: a test that failed half-way leaves no job or thread behind).
 */
export async function withRuntime(
  options: RuntimeOptions,
  body: (runtime: PortRuntime, words: Int32Array) => Promise<void>,
): Promise<void> {
  const words = new Int32Array(new SharedArrayBuffer(4 * 64));
  const extra = (options.workerData ?? {}) as object;
  const runtime = await Runtime.start<typeof jobs>(JOBS, { ...options, workerData: { ...extra, words } });
  try {
    await body(runtime, words);
  } finally {
    releaseAll(words);
    await runtime.shutdown({ mode: "cancel" });
  }
}

/** Lets every job waiting on a word of `words` return (spin, blockUntilReleased, waitForOthers, setBitThenWait). */
export function releaseAll(words: Int32Array): void {
  for (let i = 0; i < words.length; i++) {
    Atomics.store(words, i, RELEASE_ALL); // pairs with the jobs' Atomics.load of the word
    Atomics.notify(words, i);
  }
}

/** Resolves once `condition()` holds, polled every 5 ms; rejects naming `what` after `ms`. */
export async function until(what: string, condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves once word `slot` of `words` is at least `count`. */
export function wordReaches(words: Int32Array, slot: number, count: number, what: string): Promise<void> {
  return until(what, () => Atomics.load(words, slot) >= count);
}

/** Rejects after `ms` with a message naming `what`, so a hang fails the test instead of the run. */
export function within<T>(what: string, ms: number, promise: PromiseLike<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(promise), limit]).finally(() => clearTimeout(timer));
}

/** An error's `name`, for assert.rejects(…, hasName("AbortError")). */
export const hasName = (name: string) => (error: unknown): boolean => (error as Error).name === name;
