// Jobs for the thread-death test (thread-death.test.ts): a job that takes a permit and a channel
// end from the runtime's workerData, sends one value, and kills its worker thread.
import process from "node:process";
import { defineJobs, type JobSet } from "@spindle/workstealing";
import { SharedSemaphore, type SharedSemaphoreHandle, SharedSender, type SharedSenderHandle } from "../mod.ts";

/** What the test passes as the runtime's workerData. */
export interface DyingJobsData {
  readonly semaphore: SharedSemaphoreHandle;
  readonly tx: SharedSenderHandle<number>;
}

type DyingJobs = { holdAndExit: (value: number) => number };

const jobs: JobSet<DyingJobs> = defineJobs<DyingJobs>({
  /** Holds a permit and a sender, sends `value`, then ends its thread with process.exit(5). */
  holdAndExit(value: number): number {
    const data = jobs.workerData as DyingJobsData;
    SharedSemaphore.from(data.semaphore).tryAcquire(1);
    SharedSender.from(data.tx).trySend(value);
    process.exit(5);
  },
});
export default jobs;
