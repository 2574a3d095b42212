// Arguments that throw when read (a revoked Proxy, a throwing trap): each entry of the codec
// refuses them as INVALID_ARGUMENT naming what the value was for, with the engine's error as
// cause, not the engine's TypeError or the trap's own error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { assertUnreadableRefused, isUnreadableError, type Taker, unreadableValues } from "@spindle/test-support";
import {
  decodeValue,
  decodeValueAt,
  encodeScalarInto,
  isSharedBuffer,
  OwnedMutex,
  reclaimBuffersOf,
  SharedBuffer,
  SharedHeap,
  ValueEncoder,
} from "./mod.ts";

test("a codec argument that throws when read is INVALID_ARGUMENT with its error as cause", () => {
  const heap = "expected a shared heap's buffer (from SharedHeap.create or a runtime)";
  const takers: Taker[] = [
    ["new OwnedMutex() needs an Int32Array over a SharedArrayBuffer", (v) => new OwnedMutex(v, 0, 1)],
    ["encodeScalarInto() writes into a Uint8Array", (v) => encodeScalarInto(1, v, 0)],
    ["decodeValue() takes a Uint8Array", (v) => decodeValue(v)],
    ["decodeValueAt() takes a Uint8Array", (v) => decodeValueAt(v, 0, 0)],
    [heap, (v) => new SharedHeap(v)],
    [heap, (v) => SharedBuffer.allocate(v, 8)],
    [heap, (v) => reclaimBuffersOf(v, 1)],
    ["SharedBuffer.at() needs a heap's SharedArrayBuffer", (v) => SharedBuffer.at(v, 64)],
  ];
  assertUnreadableRefused(takers, (error) => error instanceof SpindleError);
  // A Proxy of an Int32Array passes instanceof, and its `buffer` getter throws (core's Mutex had
  // the same gap; both now share core's checkSharedWord).
  const wordProxy = new Proxy(new Int32Array(new SharedArrayBuffer(4)), {});
  assert.throws(() => new OwnedMutex(wordProxy, 0, 1), isUnreadableError("new OwnedMutex() needs an Int32Array"));
});

test("isSharedBuffer answers false for a value that throws when read", () => {
  for (const [name, value] of unreadableValues()) assert.equal(isSharedBuffer(value), false, name);
  const heap = SharedHeap.create(1 << 16);
  const buffer = SharedBuffer.allocate(heap.buffer, 8);
  assert.equal(isSharedBuffer(buffer), true);
  buffer.release();
});

test("a value's getter that throws what cannot be read: encode passes that on as it is", () => {
  // Before: the encoder's `instanceof` checks on what it caught threw the engine's TypeError.
  const encoder = new ValueEncoder();
  for (const [name, thrown] of unreadableValues()) {
    for (
      const value of [{
        get x() {
          throw thrown;
        },
      }, [1, {
        get y() {
          throw thrown;
        },
      }]]
    ) {
      let caught: { error: unknown } | undefined;
      try {
        encoder.encode(value, "echo", "args");
      } catch (error) {
        caught = { error };
      }
      assert.ok(caught !== undefined && caught.error === thrown, name);
    }
  }
});
