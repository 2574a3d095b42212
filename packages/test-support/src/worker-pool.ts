// Worker threads a test file starts once and shares between its tests, for cross-thread stress
// tests of shared-memory code.
import assert from "node:assert/strict";
import { after } from "node:test";
import type { Worker } from "node:worker_threads";
import { nextMessage, startWorker } from "./runtime.ts";

/**
 * `threads` workers running the `.ts` module at `url`, started on the first call (one at a time:
 * each start type-checks the module again under deno test), each awaited until it posts "ready",
 * and terminated after the file's tests. Call it at a test file's top level.
 */
export function workerPool(url: URL, threads: number): () => Promise<Worker[]> {
  let pool: Worker[] | undefined;
  after(() => Promise.all((pool ?? []).map((worker) => worker.terminate())));
  return async () => {
    if (pool === undefined) {
      pool = [];
      for (let i = 0; i < threads; i++) {
        const worker = startWorker(url, null);
        pool.push(worker);
        assert.equal(await nextMessage(worker), "ready");
      }
    }
    return pool;
  };
}

/** Posts `message` to `worker` and resolves with its next message (its report), rejects on its error. */
export function request<T>(worker: Worker, message: unknown): Promise<T> {
  const report = nextMessage<T>(worker);
  worker.postMessage(message);
  return report;
}
