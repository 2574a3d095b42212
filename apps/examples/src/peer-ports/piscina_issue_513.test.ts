// Port of piscina's test/issue-513.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README ("Faults and bad input": errors cross as
// their name, message, stack, `cause`). The fixture throws from code run in a new `vm` context,
// whose `Error` is another realm's (`instanceof Error` is false on the worker).
import assert from "node:assert/strict";
import { test } from "node:test";
import { withRuntime } from "./piscina/support.ts";

test("pool will maintain run and wait time histograms (an error from another realm crosses)", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    await assert.rejects(Promise.resolve(runtime.spawn("throwInContext", "foo")), (e: Error) => e.message === "foo");
  });
});
