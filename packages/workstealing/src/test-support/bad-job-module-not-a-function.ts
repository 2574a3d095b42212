// A job module with a job that is not a function (see bad-job-modules.ts).
import { defineJobs, type JobSet } from "../mod.ts";

const jobs: JobSet<{ one: () => number }> = defineJobs({ one: 1 as unknown as () => number });
export default jobs;
