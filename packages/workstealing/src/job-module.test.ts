import assert from "node:assert/strict";
import { copyFileSync, rmSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { SpindleError } from "@spindle/core";
import { withRuntime } from "@spindle/test-support";
import { JobSet, Runtime } from "./mod.ts";
import { isJobSet } from "./job-set.ts";
import type exampleJobs from "./examples/jobs.ts";

const EXAMPLE_JOBS = new URL("./examples/jobs.ts", import.meta.url);

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
