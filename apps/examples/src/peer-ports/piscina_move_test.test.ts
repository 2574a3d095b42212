// Port of piscina's test/move-test.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README ("Moving a plain buffer: `move`").
// `Piscina.move(x)` is `move(x)`: it takes an ArrayBuffer or a view over one and returns a
// `SharedBuffer` that views the source's bytes until it is sent; sending copies those bytes once
// into the shared heap, the receiver gets a `SharedBuffer` and the sender keeps its buffer
// (piscina transfers it: the source is detached).
//
// Not portable:
// - "Marking an object as movable works as expected", "Using Piscina.move() returns a movable
//   object": piscina's `transferableSymbol` / `valueSymbol` protocol for objects of the caller's
//   own; `move` takes buffers only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageChannel } from "node:worker_threads";
import { SpindleError } from "@spindle/core";
import { move, SharedBuffer } from "@spindle/workstealing";
import { withRuntime } from "./piscina/support.ts";

const refused = (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";

test("Marking primitives and null works as expected (differs: refused, naming the value)", () => {
  // piscina passes them through unchanged; move() refuses anything but a buffer.
  for (const [value, shown] of [[null, "null"], [1, "1"], [false, "false"], ["test", "test"]] as const) {
    assert.throws(() => move(value as never), (e) => refused(e) && (e as Error).message.includes(shown));
  }
});

test("Using ArrayBuffer works as expected", () => {
  const ab = new ArrayBuffer(5);
  new Uint8Array(ab).set([1, 2, 3, 4, 5]);
  const movable = move(ab);
  assert.ok(movable instanceof SharedBuffer);
  assert.deepEqual([...movable.bytes()], [1, 2, 3, 4, 5], "it views the source's bytes until sent");
});

test("Using TypedArray works as expected", () => {
  const array = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
  const movable = move(array);
  assert.ok(movable instanceof SharedBuffer);
  assert.deepEqual([...movable.bytes()], [1, 2, 3], "the bytes the view covers");
});

test("Using MessagePort works as expected (differs: refused)", () => {
  const { port1, port2 } = new MessageChannel();
  try {
    assert.throws(() => move(port1 as never), refused);
  } finally {
    port1.close();
    port2.close();
  }
});

test("Moving works", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    for (const length of [10, 0]) {
      const sent = new ArrayBuffer(length);
      const returned = await runtime.spawn("moveBack", move(sent), 10);
      assert.ok(returned instanceof SharedBuffer, "a moved result arrives as a SharedBuffer");
      assert.equal(returned.bytes().length, 10);
      returned.release();
      assert.equal(sent.byteLength, length, "the source is kept (piscina's is detached: 0)");
    }
  });
});
