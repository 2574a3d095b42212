// Port of piscina's test/messages.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing and @spindle/sync, written from their READMEs. piscina's workers
// post messages on `parentPort` and the pool re-emits them as `message` events; jobs here see no
// message port, and the README's counterpart is a `sharedChannel` whose sender handle goes to the
// workers in `workerData` ("Channels, semaphores and shared memory inside jobs").
import assert from "node:assert/strict";
import { test } from "node:test";
import { sharedChannel } from "@spindle/sync";
import { withRuntime } from "./piscina/support.ts";

test("Pool receive message from workers", async () => {
  const [tx, rx] = sharedChannel<string>(16);
  try {
    await withRuntime({ workers: 1, workerData: { messages: tx.handle() } }, async (runtime) => {
      assert.equal(await runtime.spawn("postMessage", "some message"), 42);
      assert.equal(rx.tryRecv(), "some message", "sent before the job returned");
    });
  } finally {
    tx.drop();
    rx.drop();
  }
});
