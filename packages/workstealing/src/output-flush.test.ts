// "Nothing is lost" for a job's console output: what a job wrote to stdout or stderr before it
// settled reaches the process's streams before an unref'd runtime lets the process exit. Before
// the fix, Node and Bun printed the first line of such a job and lost the rest (output-flush.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runScript, runtime } from "@spindle/test-support";

const SCRIPT = fileURLToPath(new URL("./test-support/unrefd-output.ts", import.meta.url));
/** Hang bound for the child (start-up of a runtime and a type-check on Deno included). */
const LIMIT_MS = 60_000;
/** Lines each logging job writes to each stream. */
const LINES = 40;

function lines(tag: string, stream: "out" | "err"): string[] {
  return Array.from({ length: LINES }, (_, i) => `${tag} ${stream} ${i}`);
}

function withoutNoise(text: string): string[] {
  // Deno may print a type-check line on stderr before the program runs.
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("Check "));
}

for (const mode of ["sync", "method"] as const) {
  test(`${runtime}: an unref'd runtime (${mode === "sync" ? "unref: true" : "runtime.unref()"}) lets the process exit only after a job's output arrived`, async () => {
    const result = await runScript(SCRIPT, LIMIT_MS, [String(LINES), mode]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(withoutNoise(result.stdout), lines("sync", "out"));
    assert.deepEqual(withoutNoise(result.stderr), lines("sync", "err"));
  });
}

test(`${runtime}: the output of a job and of a child it joined arrives before an unref'd runtime lets the process exit`, async () => {
  const result = await runScript(SCRIPT, LIMIT_MS, [String(LINES), "joined"]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(withoutNoise(result.stdout), ["joined before", ...lines("joined child", "out"), "joined after"]);
  assert.deepEqual(withoutNoise(result.stderr), lines("joined child", "err"));
});
