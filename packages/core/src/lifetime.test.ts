import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { runScript, runtime } from "@spindle/test-support";

const script = (name: string): string => fileURLToPath(new URL(`./test-support/${name}`, import.meta.url));

// Checked by hand: with Spindle's keep-alive disabled, Node exits early here (code 13, unsettled
// top-level await). Deno and Bun stayed alive even then while the unref'd worker and the pending
// wait coexisted, so on those two this test checks the behaviour, not which mechanism provides it.
test(`${runtime}: a pending cross-thread wait keeps the process alive until it is woken`, async () => {
  const result = await runScript(script("lifetime-wait.ts"));
  assert.equal(result.stderr.trim(), "", result.stderr);
  assert.equal(result.stdout, "task woken\nparker unparked\n");
  assert.equal(result.code, 0);
});

test(`${runtime}: with nothing pending, the process exits on its own`, async () => {
  // A leaked keep-alive would hold the process until the hang bound kills it (code null).
  const result = await runScript(script("lifetime-idle.ts"));
  assert.equal(result.stdout, "idle after 6\n");
  assert.equal(result.code, 0, result.stderr);
});
