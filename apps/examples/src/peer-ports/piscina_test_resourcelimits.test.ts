// Port of piscina's test/test-resourcelimits.ts (piscinajs/piscina
// 4e9791fd46b61c638e7ad05f14ec4540d40898aa) onto @spindle/workstealing, written from its README
// ("Resource limits and recycling" and the support table). A worker that reaches its heap limit
// dies: the job it ran fails with `WorkerLostError` (piscina: "Worker terminated due to reaching
// memory limit"), and the worker is replaced. Per runtime, as the README documents: Node applies
// every field; Deno only `maxOldGenerationSizeMb` (the runtime watches for the silent death Deno
// leaves); Bun none, so `Runtime.start` refuses `resourceLimits` with `UnsupportedOptionError`.
// The limits are above piscina's 16 MB: a worker here imports the job module from TypeScript
// source, which alone can take more than that. piscina reads the options back
// (`pool.options.resourceLimits`); options are not read back here.
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { Runtime, UnsupportedOptionError, WorkerLostError } from "@spindle/workstealing";
import { JOBS, within, withRuntime } from "./piscina/support.ts";

declare const Deno: unknown;

test("resourceLimits causes task to reject", async () => {
  if (process.versions.bun !== undefined) {
    await assert.rejects(
      Runtime.start(JOBS, { workers: 1, resourceLimits: { maxOldGenerationSizeMb: 64 } }),
      (e) => e instanceof UnsupportedOptionError && e.code === "UNSUPPORTED",
    );
    return;
  }
  const resourceLimits = typeof Deno !== "undefined"
    ? { maxOldGenerationSizeMb: 64 }
    : { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4, codeRangeSizeMb: 16 };
  await withRuntime({ workers: 1, resourceLimits }, async (runtime) => {
    await assert.rejects(within("lost job", 60_000, runtime.spawn("fillHeap")), (e) => e instanceof WorkerLostError);
    assert.equal(await within("replacement", 60_000, runtime.spawn("answer")), 42, "the worker was replaced");
  });
});
