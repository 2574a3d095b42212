// Item 2 of issue 23: an idle runtime that was asked not to (`unref`) does not keep the process
// alive, as an idle piscina pool does not; one with live jobs does, and so does the default.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Runtime } from "./mod.ts";
import type jobs from "./test-support/test-jobs.ts";
import { runScript, runtime } from "@spindle/test-support";
import { TEST_JOBS } from "./test-support/runtime.ts";

const SCRIPT = fileURLToPath(new URL("./test-support/idle-runtime.ts", import.meta.url));
/** Hang bound for the child (start-up of a runtime and a type-check on Deno included). */
const LIMIT_MS = 60_000;

function exitedAfter(stdout: string): number {
  const match = /exited after (\d+) ms/.exec(stdout);
  assert.ok(match !== null, `the child did not exit on its own: ${stdout}`);
  return Number(match[1]);
}

for (const mode of ["option", "method"] as const) {
  test(`${runtime}: an idle unref'd runtime (${mode === "option" ? "unref: true" : "runtime.unref()"}) lets the process exit`, async () => {
    const result = await runScript(SCRIPT, LIMIT_MS, [mode]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^result 42\n/);
    // Exited on its own, before the script's unref'd 30 s "still alive" timer (a hang bound: it
    // exits 10-60 ms after going idle here).
    assert.doesNotMatch(result.stdout, /still alive/);
    exitedAfter(result.stdout);
  });
}

test(`${runtime}: an unref'd runtime keeps the process alive while a job nobody awaits runs`, async () => {
  const result = await runScript(SCRIPT, LIMIT_MS, ["detached"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /detached job finished: true/);
  const after = exitedAfter(result.stdout);
  assert.ok(after >= 250, `exited ${after} ms after spawning a 300 ms job`); // setTimeout may be 1 ms early
  assert.doesNotMatch(result.stdout, /still alive/, "exited on its own once the job ended");
});

test(`${runtime}: by default an idle runtime keeps the process alive until shutdown`, async () => {
  const result = await runScript(SCRIPT, LIMIT_MS, ["ref"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^result 42\nstill alive\n/);
  assert.ok(exitedAfter(result.stdout) >= 990); // only the shutdown after the 1 s timer ended it
});

test(`${runtime}: an unref'd runtime's start holds the process open until its workers are ready`, async () => {
  // Nothing else is pending here while the workers import the job module: without the start's
  // hold the event loop would empty and the test runner would end this file with the start
  // pending (Deno's "Promise resolution is still pending but the event loop has already
  // resolved", seen in the README's example before the fix).
  const started = await Runtime.start<typeof jobs>(TEST_JOBS, { workers: 1, unref: true });
  try {
    assert.equal(await started.spawn("add", 1, 2), 3);
  } finally {
    await started.shutdown();
  }
});
