// Port of piscina's test/pool-destroy.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README: `destroy()` is `shutdown({ mode: "cancel" })`.
// piscina's `while(1){}` is the `spin` job, which never suspends: its worker is terminated after
// `abortGraceMs` (the test releases the loop at its end, since Deno's terminate() does not stop a
// busy thread: README, support note ¹).
import assert from "node:assert/strict";
import { test } from "node:test";
import { hasName, within, withRuntime, wordReaches } from "./piscina/support.ts";

test("can destroy pool while tasks are running", async () => {
  await withRuntime({ workers: 2, abortGraceMs: 200 }, async (runtime, words) => {
    const spinning = runtime.spawn("spin", 0);
    await wordReaches(words, 1, 1, "the job starts");
    const destroyed = runtime.shutdown({ mode: "cancel" });
    await assert.rejects(within("job", 20_000, spinning), hasName("CancelledError"));
    await within("shutdown", 20_000, destroyed);
  });
});
