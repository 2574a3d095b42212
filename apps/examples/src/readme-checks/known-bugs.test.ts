// Bugs found by the README checks, each asserting the behaviour the README promises. These fail
// until the package is fixed; the report to the lead names each one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SharedBuffer, SharedHeap } from "@spindle/codec";
import { SpindleError } from "@spindle/core";
import { SharedReceiver, SharedSender } from "@spindle/sync";
import { runChild, within } from "./support.ts";

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

test("workstealing: runtime.alloc over 1 GiB fails with CAPACITY_EXCEEDED and leaves the runtime working", async () => {
  // README: alloc takes 0..2^31-1 bytes and counts against maxHeapBytes (default 1 GiB) in
  // power-of-two blocks. Seen: alloc(2^30 + 1) (rounded to a 2^31 block) throws a bare RangeError
  // ("Start offset -2147483520 is outside the bounds of the buffer") and corrupts the heap: every
  // later alloc throws, and every later spawn throws RangeError "offset is out of bounds".
  const { Runtime } = await import("@spindle/workstealing");
  const runtime = await Runtime.start<typeof import("./jobs.ts").default>(new URL("./jobs.ts", import.meta.url), {
    workers: 1,
  });
  try {
    assert.throws(() => runtime.alloc(2 ** 30 + 1), (e) => e instanceof SpindleError && e.code === "CAPACITY_EXCEEDED");
    const small = runtime.alloc(64);
    small.release();
    assert.equal(await runtime.spawn("add", 1, 2), 3);
  } finally {
    await within("shutdown after a refused alloc", 30_000, runtime.shutdown({ mode: "cancel" }));
  }
});

test("codec: SharedBuffer.allocate / SharedHeap.alloc refuse bad lengths and keep the heap usable", () => {
  // Seen: allocate(heap, NaN) gives a 0-byte buffer, 1.5 a 1-byte one, -1 a bare RangeError; and
  // allocate(heap, 2^31) or heap.alloc(2^31) overflow the heap's offsets: later allocations
  // return negative offsets or throw RangeError forever.
  for (const bad of [-1, Number.NaN, 1.5, 2 ** 31]) {
    const heap = SharedHeap.create(4 << 20);
    assert.throws(
      () => SharedBuffer.allocate(heap.buffer, bad),
      (e) => (e instanceof RangeError || isInvalidArgument(e)) && String((e as Error).message).includes(String(bad)),
      `allocate(${bad})`,
    );
    assert.throws(
      () => heap.alloc(bad),
      (e) => (e instanceof RangeError || isInvalidArgument(e)) && String((e as Error).message).includes(String(bad)),
      `heap.alloc(${bad})`,
    );
    const after = SharedBuffer.allocate(heap.buffer, 16);
    assert.ok(after.locate().header > 0, "the heap still allocates");
    assert.ok(heap.alloc(16) > 0);
  }
});

test("codec: new ValueEncoder(NaN) is refused (seen: the next encode that must grow loops forever)", async () => {
  // Seen on Node 22/24, Deno and Bun: new ValueEncoder(NaN) is accepted, and encoding a value larger
  // than the (zero-sized) scratch buffer never returns. Run in a child process so a hang is bounded.
  const run = await runChild("encoder-nan.ts", 10_000);
  assert.equal(run.timedOut, false, "the encode returned (or the constructor threw) within 10 s");
  assert.match(run.stdout, /refused|encoded 10\d\d/);
});

test("sync + workstealing: a sharedChannel end passed to a job reaches it (README: an end's handle goes to any thread)", async () => {
  // sync README: "post an end's handle to a worker ... rebuild it there with SharedSender.from", and
  // inside a work-stealing job that waits, "use recvBlocking/sendBlocking or try*". Seen: a handle
  // passed as a job argument is refused by the codec ("args[0].buffer (a SharedArrayBuffer) cannot
  // cross threads as a value: share it through the job module instead"), and a job module cannot
  // receive a buffer made at run time, so no job can reach a channel (nor a SharedSemaphore or
  // SharedNotify) made by the program.
  const { Runtime } = await import("@spindle/workstealing");
  const { sharedChannel } = await import("@spindle/sync");
  const runtime = await Runtime.start<typeof import("./jobs.ts").default>(new URL("./jobs.ts", import.meta.url), {
    workers: 1,
  });
  try {
    const [tx, rx] = sharedChannel<number>(4);
    const sent = runtime.spawn("pipeTo", tx.handle as never, 10);
    let total = 0;
    for (let received = 0; received < 10; received++) total += rx.recvBlocking(10_000) as number;
    assert.equal(await sent, 10);
    assert.equal(total, 45);
  } finally {
    await within("shutdown", 30_000, runtime.shutdown({ mode: "cancel" }));
  }
});
