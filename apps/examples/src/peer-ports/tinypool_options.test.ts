// Port of tinypool's test/options.test.ts (tinylibs/tinypool abc247f85cba0309e3f1e5655db1837a2a1c2483)
// onto @spindle/workstealing, written from its README. tinypool reads `minThreads` / `maxThreads`
// below 1 as fractions of the CPU count; `workers` and `minWorkers` are counts of threads here
// (integers from 1), so a fraction is refused with INVALID_ARGUMENT naming it (the ports assert
// that, to the documented options).
//
// Not portable: "fractional thread limits result is 1 for very low fractions": the same
// JavaScript call as the first test with other fractions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { Runtime } from "@spindle/workstealing";
import { JOBS } from "./piscina/support.ts";

const invalid = (name: string, value: number) => (error: unknown): boolean =>
  error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && error.message.includes(name) &&
  error.message.includes(String(value));

test("fractional thread limits can be set (to the documented refusal)", async () => {
  await assert.rejects(Runtime.start(JOBS, { workers: 0.75 }), invalid("workers", 0.75));
  await assert.rejects(Runtime.start(JOBS, { workers: 2, minWorkers: 0.5 }), invalid("minWorkers", 0.5));
});

test("fractional thread limits in the wrong order throw an error", async () => {
  await assert.rejects(Runtime.start(JOBS, { workers: 0.25, minWorkers: 0.75 }), invalid("workers", 0.25));
  // tinypool's second case, minThreads 0.75 of the CPUs above maxThreads 1: a minimum above the maximum.
  await assert.rejects(Runtime.start(JOBS, { workers: 1, minWorkers: 2 }), invalid("minWorkers", 2));
});
