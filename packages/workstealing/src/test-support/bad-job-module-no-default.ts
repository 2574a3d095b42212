// A job module whose job set is a named export only (see bad-job-modules.ts).
import { defineJobs, type JobSet } from "../mod.ts";

export const jobs: JobSet<{ one: () => number }> = defineJobs({ one: (): number => 1 });
export const version = 1;
