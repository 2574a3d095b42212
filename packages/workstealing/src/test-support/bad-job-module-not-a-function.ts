// A job module with a job that is not a function (see bad-job-modules.ts).
import { defineJobs } from "../mod.ts";

export default defineJobs({ one: 1 as unknown as () => number });
