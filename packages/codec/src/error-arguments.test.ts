import assert from "node:assert/strict";
import { test } from "node:test";
import { currentThreadId, SpindleError } from "@spindle/core";
import { assertArgumentsTyped, unprintableValues } from "@spindle/test-support";
import { BufferReleasedError, CorruptValueError, UncloneableValueError } from "./errors.ts";
import { OwnedMutex } from "./owned-mutex.ts";
import { reclaimBuffersOf, SharedBuffer } from "./shared-buffer.ts";
import { SharedHeap } from "./shared-heap.ts";
import { ValueEncoder } from "./value-encoder.ts";

test("codec's errors refuse arguments they cannot write into their message with INVALID_ARGUMENT naming them", () => {
  const error = new UncloneableValueError('job "echo"', "args[0]", () => 1);
  assertArgumentsTyped([
    ["UncloneableValueError.at(path): path", "string", (bad) => error.at(bad)],
    ["new UncloneableValueError(): what", "string", (bad) => new UncloneableValueError(bad, "p", 1)],
    ["new UncloneableValueError(): path", "string", (bad) => new UncloneableValueError("w", bad, 1)],
    ["new UncloneableValueError(): why", "string", (bad) => new UncloneableValueError("w", "p", 1, bad)],
    ["new CorruptValueError(): offset", "number", (bad) => new CorruptValueError(bad, "detail")],
    ["new CorruptValueError(): detail", "string", (bad) => new CorruptValueError(1, bad)],
    ["new BufferReleasedError(): use", "string", (bad) => new BufferReleasedError(bad)],
  ]);
  for (const [bad] of unprintableValues()) {
    assert.ok(
      new UncloneableValueError("w", "p", bad).message.startsWith("w: p ("),
      "the value itself is only described",
    );
  }
});

test("an error's options that are not an object, or whose cause cannot be read, are INVALID_ARGUMENT", () => {
  const trap = () => {
    throw new Error("trap");
  };
  assert.throws(
    () => new UncloneableValueError("w", "p", 1, "why", null as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.endsWith("got null"),
  );
  assert.throws(
    () => new CorruptValueError(1, "d", new Proxy({}, { has: trap }) as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && (e.cause as Error).message === "trap",
  );
  assert.equal(new CorruptValueError(1, "d", { cause: undefined }).cause, undefined);
  assert.ok("cause" in new CorruptValueError(1, "d", { cause: undefined }));
});

test("the labels an encoder and a lock write into their errors are refused at the call, not when an error is made", () => {
  const encoder = new ValueEncoder();
  const word = new Int32Array(new SharedArrayBuffer(4));
  assertArgumentsTyped([
    ["ValueEncoder.encode(): job", "string", (bad) => encoder.encode(1, bad, "value")],
    ["ValueEncoder.encode(): root", "string", (bad) => encoder.encode(1, "job", bad)],
    ["new OwnedMutex(): what", "string", (bad) => new OwnedMutex(word, 0, 1, 10, bad)],
  ]);
  assert.equal(encoder.encode("still works", "job", "value") > 0, true);
});

test("reclaimBuffersOf refuses an id no dead thread has: this thread's own, whose live buffers it would free, -1, NaN, 2^32", () => {
  const heap = SharedHeap.create(1 << 16);
  const buffer = SharedBuffer.allocate(heap.buffer, 64);
  for (const id of [currentThreadId(), -1, Number.NaN, 2 ** 32, 1.5]) {
    assert.throws(
      () => reclaimBuffersOf(heap.buffer, id),
      (e: unknown) =>
        e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.startsWith("reclaimBuffersOf(): "),
      String(id),
    );
  }
  assert.deepEqual(reclaimBuffersOf(heap.buffer, 2 ** 31 - 2), { buffers: 0, bytes: 0 }, "a valid id that owned none");
  buffer.release(); // still this thread's: released once, here
});

test("a heap over a Proxy of a heap's buffer is INVALID_ARGUMENT naming it, not the engine's TypeError from its byteLength", () => {
  const heap = SharedHeap.create(1 << 16);
  assert.throws(
    () => new SharedHeap(new Proxy(heap.buffer, {})),
    (e: unknown) =>
      e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes("shared heap's buffer"),
  );
});
