// A job module whose defineJobs gets a job that is not a function.
import { defineJobs } from "@spindle/workstealing";

export default defineJobs({ square: 42 as never });
