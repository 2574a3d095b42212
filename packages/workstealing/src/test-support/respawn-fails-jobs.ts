// A job module whose workers stop starting once a job broke it (see respawn-fails.test.ts): the
// job `breakAndExit` creates the marker file named by `workerData.marker` and ends its worker;
// from then on, importing this module on a worker thread throws, so no replacement starts. On a
// main thread (a type-check or doc run that imports it) it loads.
import { existsSync, writeFileSync } from "node:fs";
import process from "node:process";
import { isMainThread, workerData } from "node:worker_threads";
import { defineJobs, type JobSet } from "../mod.ts";

// The runtime's `workerData` option, as a worker thread gets it (`data`, see worker-main.ts).
const marker = isMainThread ? null : (workerData as { data: { marker: string } }).data.marker;
if (marker !== null && existsSync(marker)) {
  throw new Error("the job module is broken now", { cause: new Error(`marker ${marker} exists`) });
}

const jobs: JobSet<{
  breakAndExit: () => never;
  add: (a: number, b: number) => number;
}> = defineJobs({
  breakAndExit: (): never => {
    writeFileSync(marker as string, "broken");
    process.exit(1);
  },
  add: (a: number, b: number): number => a + b,
});
export default jobs;
