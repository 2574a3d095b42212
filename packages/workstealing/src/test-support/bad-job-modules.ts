// Job modules that Runtime.start must refuse, one per file (job-module.test.ts): each is what a
// worker imports, so each is its own module. The URLs, for the tests.

/** Exports a job set, but not as its default export. */
export const NO_DEFAULT: URL = new URL("./bad-job-module-no-default.ts", import.meta.url);
/** Exports a plain object of functions as its default, not defineJobs({...}). */
export const NOT_A_JOB_SET: URL = new URL("./bad-job-module-plain-object.ts", import.meta.url);
/** Calls defineJobs with a job that is not a function. */
export const JOB_NOT_A_FUNCTION: URL = new URL("./bad-job-module-not-a-function.ts", import.meta.url);
/** Throws while loading (on a worker thread), an error with a cause. */
export const THROWS: URL = new URL("./bad-job-module-throws.ts", import.meta.url);
