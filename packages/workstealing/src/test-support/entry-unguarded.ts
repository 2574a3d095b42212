// An entry script that is its own job module and starts the runtime without checking
// isMainThread: every worker importing it would start a runtime of its own. Run by
// entry-script.test.ts, which expects the error that says what to do.
import { defineJobs, type JobSet, Runtime } from "../mod.ts";

type EntryJobs = { double: (n: number) => number };

const jobs: JobSet<EntryJobs> = defineJobs<EntryJobs>({
  double(n) {
    return 2 * n;
  },
});
export default jobs;

try {
  const runtime = await Runtime.start<typeof jobs>(import.meta.url, { workers: 1, maxExtraMachines: 0 });
  await runtime.shutdown();
  console.log("started");
} catch (error) {
  console.log(`start failed: ${(error as Error).message}`);
}
