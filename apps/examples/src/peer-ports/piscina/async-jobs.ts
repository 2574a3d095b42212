// A job module that finishes loading only after a top-level await (piscina's eval-async.js and
// esm-async.mjs fixtures, whose handler is exported once a 100 ms sleep resolved).
import { defineJobs } from "@spindle/workstealing";

await new Promise((resolve) => setTimeout(resolve, 100));

const jobs = defineJobs({
  echo(value: number): number {
    return value;
  },
});
export default jobs;
