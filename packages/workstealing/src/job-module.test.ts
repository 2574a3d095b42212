import assert from "node:assert/strict";
import { copyFileSync, rmSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { SpindleError } from "@spindle/core";
import { withRuntime } from "@spindle/test-support";
import { JobModuleError, JobSet, Runtime } from "./mod.ts";
import { isJobSet } from "./job-set.ts";
import type exampleJobs from "./examples/jobs.ts";
import { JOB_NOT_A_FUNCTION, NO_DEFAULT, NOT_A_JOB_SET, THROWS } from "./test-support/bad-job-modules.ts";
import { reasonOf, settleWithin } from "./test-support/runtime.ts";

const EXAMPLE_JOBS = new URL("./examples/jobs.ts", import.meta.url);
/** Hang bound for a Runtime.start, generous for a loaded 2-vCPU machine. */
const START_WITHIN_MS = 20_000;

test("a relative job-module string is refused, showing the new URL(..., import.meta.url) form", async () => {
  for (const relative of ["./jobs.ts", "jobs.ts", "../x/jobs.js"]) {
    await assert.rejects(Runtime.start(relative, { workers: 1 }), (error: unknown) => {
      assert.ok(error instanceof SpindleError);
      assert.equal(error.code, "INVALID_ARGUMENT");
      assert.ok(error.message.includes(`new URL(${JSON.stringify(relative)}, import.meta.url)`), error.message);
      return true;
    });
  }
  await assert.rejects(
    Runtime.start(42 as never, { workers: 1 }),
    /must be a URL, an absolute path or an absolute URL string, got 42/,
  );
});

test("the job module may be a URL, an absolute path or a file: URL string", async () => {
  for (const jobModule of [EXAMPLE_JOBS, fileURLToPath(EXAMPLE_JOBS), EXAMPLE_JOBS.href]) {
    await withRuntime(
      Runtime.start<typeof exampleJobs>(jobModule, { workers: 1, maxExtraMachines: 0 }),
      async (runtime) => {
        assert.equal(await runtime.spawn("add", 2, 3), 5, String(jobModule));
      },
    );
  }
});

test("a job set from a second copy of the package is recognised by its brand, not instanceof", async () => {
  // A second instance of job-set.ts, as a bundle or a second install loads: a copy under another
  // name beside it (a `?query` on the URL does not make a second instance on Bun).
  const copyUrl = new URL(`./job-set-copy-${crypto.randomUUID()}.ts`, import.meta.url);
  copyFileSync(new URL("./job-set.ts", import.meta.url), copyUrl);
  try {
    const copy = (await import(copyUrl.href)) as typeof import("./job-set.ts");
    const set = copy.defineJobs({ one: () => 1 });
    assert.ok(!(set instanceof JobSet), "a distinct copy of the class");
    assert.ok(isJobSet(set));
    assert.ok(!isJobSet({ names: ["one"], jobs: {} }), "a look-alike without the brand is not a job set");
  } finally {
    rmSync(copyUrl);
  }
});

test("an unusable job module rejects Runtime.start with a JobModuleError naming it and what is wrong", async () => {
  const cases = [
    { module: NO_DEFAULT, problem: /has no default export \(it exports "jobs", "version"\)/ },
    { module: NOT_A_JOB_SET, problem: /must export defineJobs\(\{\.\.\.\}\) as its default export, got an object/ },
    { module: JOB_NOT_A_FUNCTION, problem: /threw while loading: TypeError: job "one" must be a function, got 1/ },
    { module: THROWS, problem: /threw while loading: RangeError: the configuration is missing/ },
  ];
  for (const { module, problem } of cases) {
    const outcome = await settleWithin(
      Runtime.start(module, { workers: 1, maxExtraMachines: 0 }),
      module.pathname,
      START_WITHIN_MS,
    );
    const error = reasonOf(outcome, module.pathname);
    assert.ok(error instanceof JobModuleError, `${module.pathname}: ${String(error)}`);
    assert.ok(error instanceof SpindleError);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.equal(error.name, "JobModuleError");
    assert.equal(error.module, module.href);
    assert.ok(error.message.startsWith(`the job module ${module.href} `), error.message);
    assert.match(error.message, problem);
  }
});

test("a job module's own error, thrown while loading on the worker, is the JobModuleError's cause", async () => {
  const outcome = await settleWithin(Runtime.start(THROWS, { workers: 1 }), "Runtime.start", START_WITHIN_MS);
  const cause = (reasonOf(outcome, "Runtime.start") as Error).cause as Error;
  assert.equal(cause.name, "RangeError");
  assert.equal(cause.message, "the configuration is missing");
  assert.match(String(cause.stack), /bad-job-module-throws/);
  assert.equal((cause.cause as Error).message, "no CONFIG");
  const notAFunction = await settleWithin(
    Runtime.start(JOB_NOT_A_FUNCTION, { workers: 1 }),
    "Runtime.start",
    START_WITHIN_MS,
  );
  assert.equal(((reasonOf(notAFunction, "Runtime.start") as Error).cause as Error).name, "TypeError");
  const noDefault = await settleWithin(Runtime.start(NO_DEFAULT, { workers: 1 }), "Runtime.start", START_WITHIN_MS);
  assert.equal("cause" in (reasonOf(noDefault, "Runtime.start") as Error), false, "nothing was thrown: no cause");
});
