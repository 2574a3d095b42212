// A job module whose job set is a named export only (see bad-job-modules.ts).
import { defineJobs } from "../mod.ts";

export const jobs = defineJobs({ one: () => 1 });
export const version = 1;
