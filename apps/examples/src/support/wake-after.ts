/** Worker for executor-handoff: marks the future fired, then wakes its shared waker. */
import { parentPort } from "node:worker_threads";
import { sharedWaker, type SharedWakerHandle } from "@spindle/core";

parentPort?.on("message", (job: { handle: SharedWakerHandle; fired: SharedArrayBuffer; delayMs: number }) => {
  setTimeout(() => {
    Atomics.store(new Int32Array(job.fired), 0, 1);
    sharedWaker(job.handle).wake();
  }, job.delayMs);
});
