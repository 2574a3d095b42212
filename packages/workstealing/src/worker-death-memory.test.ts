// Memory per worker death (issue 17, item 12): Deno's RSS grew about 1.15 MB per death without
// limit (107 -> 337 MB over 200 deaths, JS heap flat), because each machine's thread died with its
// entry module still in a top-level await, and Deno kept such a worker's memory. Measured after
// the fix: 88.5 -> 92.4 MB over 100 deaths (see the README's limits).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runScript } from "@spindle/test-support";

// Well under the old growth on Deno (about 23 MB over the script's 20 deaths) and well over what
// was seen after the fix on every runtime (-3 to +4 MB).
const MAX_GROWTH_MB = 12;

test(`20 worker deaths grow the process's resident memory by less than ${MAX_GROWTH_MB} MB`, async () => {
  const result = await runScript(fileURLToPath(new URL("./test-support/death-loop.ts", import.meta.url)), 120_000);
  assert.equal(result.code, 0, result.stderr);
  const { deaths, growthMb } = JSON.parse(result.stdout.trim().split("\n").at(-1) as string) as {
    deaths: number;
    growthMb: number;
  };
  assert.equal(deaths, 20);
  assert.ok(growthMb < MAX_GROWTH_MB, `RSS grew by ${growthMb.toFixed(1)} MB over ${deaths} deaths`);
});
