import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { runScript, runtime } from "@spindle/test-support";

const script = (name: string): string => fileURLToPath(new URL(`./test-support/${name}`, import.meta.url));

test(`${runtime}: a pending sleep keeps the process alive until it fires`, async () => {
  const result = await runScript(script("lifetime-pending.ts"));
  assert.equal(result.stderr.trim(), "", result.stderr);
  assert.equal(result.stdout, "slept at least 300 ms\n");
  assert.equal(result.code, 0);
});

test(`${runtime}: with no sleep pending, the process exits although the timer thread runs`, async () => {
  // A leaked keep-alive would hold the process until the hang bound (10 s, the dropped sleep's
  // deadline is also 10 s) kills it: code null.
  const result = await runScript(script("lifetime-idle.ts"), 8_000);
  assert.equal(result.stdout, "idle after the timeout dropped its 10 s sleep\n");
  assert.equal(result.code, 0, result.stderr);
});
