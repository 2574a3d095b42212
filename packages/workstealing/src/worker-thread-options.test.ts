// Issue 23: the worker threads' `env`, `argv` and `execArgv` (piscina's options of those names),
// applied where the runtime applies them and refused with UnsupportedOptionError where it does not.
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { runtime as host, withRuntime } from "@spindle/test-support";
import { Runtime, type RuntimeOptions, UnsupportedOptionError } from "./mod.ts";
import { startTestRuntime, TEST_JOBS } from "./test-support/runtime.ts";

test(`${host}: env is the workers' whole environment, and argv follows their process.argv`, async () => {
  const name = `SPINDLE_PARENT_${process.pid}`;
  process.env[name] = "parent";
  try {
    await withRuntime(
      startTestRuntime({ workers: 2, env: { SPINDLE_ENV: "given" }, argv: ["--alpha", "beta"] }),
      async ({ runtime }) => {
        for (let i = 0; i < 4; i++) {
          const seen = await runtime.spawn("workerProcess");
          assert.deepEqual(seen.env, { SPINDLE_ENV: "given" }, "nothing of the process's environment");
          assert.deepEqual(seen.argv, ["--alpha", "beta"]);
        }
      },
    );
    // Without the options, the workers see the process's environment and no extra argument.
    await withRuntime(startTestRuntime({ workers: 1 }), async ({ runtime }) => {
      const seen = await runtime.spawn("workerProcess");
      assert.equal(seen.env[name], "parent");
      assert.deepEqual(seen.argv, []);
    });
  } finally {
    delete process.env[name];
  }
});

test(`${host}: execArgv applies on Node and is refused naming the option on Bun and Deno`, async () => {
  // The flags replace the process's: keep the --conditions flag the workers need to import sources.
  const execArgv = [...process.execArgv.filter((flag) => flag.startsWith("--conditions")), "--no-deprecation"];
  if (host !== "node") {
    await assert.rejects(
      startTestRuntime({ workers: 1, execArgv }),
      (e: unknown) =>
        e instanceof UnsupportedOptionError && e.code === "UNSUPPORTED" && e.option === "execArgv" &&
        e.message.includes(host === "bun" ? "Bun" : "Deno"),
    );
    return;
  }
  await withRuntime(startTestRuntime({ workers: 1, execArgv }), async ({ runtime }) => {
    const seen = await runtime.spawn("workerProcess");
    assert.deepEqual(seen.execArgv, execArgv);
    assert.equal(seen.noDeprecation, true, "the flag took effect");
  });
  // A flag that is not per-thread: Node's own refusal, naming it.
  await assert.rejects(
    startTestRuntime({ workers: 1, execArgv: ["--stack-size=900"] }),
    (e: unknown) =>
      (e as { code?: string }).code === "ERR_WORKER_INVALID_EXEC_ARGV" && String(e).includes("--stack-size=900"),
  );
});

test("env, argv and execArgv of the wrong type are refused naming the value", async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ env: "A=1" }, "env must be an object of strings, got"],
    [{ env: { A: 1 } }, "env.A must be a string, got 1"],
    [{ argv: "a" }, "argv must be an array of strings"],
    [{ argv: ["a", 2] }, "argv[1] must be a string, got 2"],
    [{ execArgv: [null] }, "execArgv[0] must be a string, got null"],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(
      Runtime.start(TEST_JOBS, { workers: 1, ...options } as RuntimeOptions),
      (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(message),
      JSON.stringify(options),
    );
  }
});
