// A job module that is also the program's entry script, with top-level await (issue 17, item 5):
// Node exited with code 13 and Bun hung, because Runtime.start imported the job module on the
// main thread too, while that module was still waiting for Runtime.start.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runScript } from "@spindle/test-support";

const script = (name: string): string => fileURLToPath(new URL(`./test-support/${name}`, import.meta.url));

test("an entry script that is its own job module starts the runtime with top-level await and runs its jobs", async () => {
  const result = await runScript(script("entry-job-module.ts"), 30_000);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /double\(21\) = 42/);
});

test("an entry script that starts the runtime without checking isMainThread gets an error saying so", async () => {
  const result = await runScript(script("entry-unguarded.ts"), 30_000);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /start failed: .*only on the main thread \(if \(isMainThread\)/);
});
