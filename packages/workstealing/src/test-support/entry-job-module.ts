// A program whose entry script is also its job module (the `new Worker(import.meta.url)` pattern),
// starting the runtime with top-level await on the main thread only. Run by entry-script.test.ts.
import { isMainThread } from "node:worker_threads";
import { defineJobs, type JobSet, Runtime } from "../mod.ts";

type EntryJobs = { double: (n: number) => number };

const jobs: JobSet<EntryJobs> = defineJobs<EntryJobs>({
  double(n) {
    return 2 * n;
  },
});
export default jobs;

if (isMainThread) {
  const runtime = await Runtime.start<typeof jobs>(import.meta.url, { workers: 1, maxExtraMachines: 0 });
  console.log(`double(21) = ${await runtime.spawn("double", 21)}`);
  await runtime.shutdown();
}
