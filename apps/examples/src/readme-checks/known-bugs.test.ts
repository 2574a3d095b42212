// Bugs found by the README checks, each asserting the behaviour the README promises. These fail
// until the package is fixed; the report to the lead names each one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { SharedReceiver, SharedSender } from "@spindle/sync";

const isInvalidArgument = (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";

test("sync: SharedReceiver.from / SharedSender.from refuse a SharedArrayBuffer that is not a channel's", () => {
  // README Errors: "from() of something that is not a channel's buffer" is INVALID_ARGUMENT.
  // Seen: accepted; the first use throws a bare RangeError ("Invalid atomic access index"), or
  // ValueTooLargeError with slotBytes 0 for a sender.
  for (const bytes of [64, 4096]) {
    assert.throws(
      () => SharedReceiver.from({ end: "receiver", buffer: new SharedArrayBuffer(bytes) } as never),
      isInvalidArgument,
    );
    assert.throws(
      () => SharedSender.from({ end: "sender", buffer: new SharedArrayBuffer(bytes) } as never),
      isInvalidArgument,
    );
  }
});

test("sync: SharedReceiver.from(null) is INVALID_ARGUMENT, not a TypeError", () => {
  // SharedSemaphore.from(null) and SharedNotify.from(42) already say INVALID_ARGUMENT.
  assert.throws(() => SharedReceiver.from(null as never), isInvalidArgument);
  assert.throws(() => SharedSender.from(undefined as never), isInvalidArgument);
});

test("workstealing: runtime.map refuses items that are not an array or iterable (5, true, null)", async () => {
  // README: "map(name, items, ...) calls job name on every item of an array or iterable"; bad input
  // rejects with INVALID_ARGUMENT. Seen: map("square", 5) and map("square", true) resolve [] (nothing
  // runs, no error); map("square", null) throws a bare TypeError ("object null is not iterable").
  const { Runtime } = await import("@spindle/workstealing");
  const runtime = await Runtime.start<typeof import("./jobs.ts").default>(new URL("./jobs.ts", import.meta.url), {
    workers: 1,
  });
  try {
    for (const items of [5, true, null]) {
      await assert.rejects((async () => runtime.map("square", items as never))(), isInvalidArgument, String(items));
    }
  } finally {
    await runtime.shutdown();
  }
});
