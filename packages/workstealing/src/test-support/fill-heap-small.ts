// A child process for heap-limit-death.test.ts: a runtime whose one worker, under a 64 MiB heap
// limit, runs a job that fills its heap with 64-element arrays; prints how the job ended and
// whether the runtime runs jobs after. Node 24 aborts this whole process instead (see the test).
import { settleWithin, startTestRuntime } from "./runtime.ts";

const { runtime } = await startTestRuntime({
  workers: 1,
  maxExtraMachines: 0,
  resourceLimits: { maxOldGenerationSizeMb: 64 },
});
try {
  const outcome = await settleWithin(runtime.spawn("fillHeapSmall"), "fillHeapSmall", 60_000);
  const reason = outcome.status === "rejected" ? outcome.reason as Error : null;
  console.log(reason === null ? "fulfilled" : `${reason.name}: ${(reason.cause as Error | undefined)?.message}`);
  console.log(`after: ${await runtime.spawn("add", 1, 2)}`);
} finally {
  await runtime.shutdown({ mode: "cancel" });
}
