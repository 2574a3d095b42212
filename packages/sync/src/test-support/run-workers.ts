// Runs the threads of a cross-thread stress test to their reports, under a hang bound.
import type { Worker } from "node:worker_threads";
import { startWorker } from "@spindle/test-support";

/**
 * Starts one worker of `url` per `datas` entry (its `workerData`) and resolves with each one's
 * first message, its report, in that order; rejects if a worker fails or exits before reporting,
 * or if not all reported within `limitMs` (a hang bound, "a lost wake-up?"). Every worker is
 * terminated before it settles.
 */
export async function runWorkers<D, R>(url: URL, datas: readonly D[], limitMs: number): Promise<R[]> {
  const workers: Worker[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const reports = datas.map((data, index) => {
      const worker = startWorker(url, data);
      workers.push(worker);
      return new Promise<R>((resolve, reject) => {
        worker.on("message", resolve);
        worker.on("error", reject);
        worker.on("exit", (code) => reject(new Error(`worker ${index} exited (${code}) before reporting`)));
      });
    });
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not done within ${limitMs} ms: a lost wake-up?`)), limitMs);
    });
    return await Promise.race([Promise.all(reports), hang]);
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
