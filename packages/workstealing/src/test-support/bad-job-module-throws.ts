// A job module that throws while loading on a worker thread (see bad-job-modules.ts); on a main
// thread (a type-check or doc run that imports it) it loads.
import { isMainThread } from "node:worker_threads";
import { defineJobs, type JobSet } from "../mod.ts";

if (!isMainThread) throw new RangeError("the configuration is missing", { cause: new Error("no CONFIG") });

const jobs: JobSet<{ one: () => number }> = defineJobs({ one: (): number => 1 });
export default jobs;
