// Memory per worker death (issue 17, item 12): Deno's RSS grew about 1.15 MB per death without
// limit (107 -> 337 MB over 200 deaths, JS heap flat), because each machine's thread died with its
// entry module still in a top-level await, and Deno kept such a worker's memory. Measured after
// the fix: 88.5 -> 92.4 MB over 100 deaths (see the README's support notes).
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { startTestRuntime, until } from "./test-support/runtime.ts";

const WARM_UP = 3;
const DEATHS = 20;
// Well under the old growth (about 23 MB over 20 deaths on Deno) and well over the noise seen
// after the fix (under 5 MB on every runtime).
const MAX_GROWTH_MB = 12;

test(`${DEATHS} worker deaths grow the process's resident memory by less than ${MAX_GROWTH_MB} MB`, async () => {
  const { runtime } = await startTestRuntime({ workers: 1, maxExtraMachines: 0, maxHeapBytes: 1 << 24 });
  try {
    const die = async (): Promise<void> => {
      await Promise.resolve(runtime.spawn("exit", 3)).catch(() => {});
      await until(() => runtime.machines === 1, "the replacement", 10_000);
    };
    for (let i = 0; i < WARM_UP; i++) await die();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < DEATHS; i++) await die();
    const growthMb = (process.memoryUsage().rss - before) / 2 ** 20;
    assert.ok(growthMb < MAX_GROWTH_MB, `RSS grew by ${growthMb.toFixed(1)} MB over ${DEATHS} deaths`);
  } finally {
    await runtime.shutdown();
  }
});
