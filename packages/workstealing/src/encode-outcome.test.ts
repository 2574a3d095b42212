// encodeOutcome: a value that can cross is encoded as is; one that cannot is replaced by the
// substitute error, which is what the encoder then holds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeValue, ValueEncoder } from "@spindle/codec";
import { encodeOutcome } from "./encode-outcome.ts";

test("a result that can cross is encoded as is, and no substitute is returned", () => {
  const encoder = new ValueEncoder();
  assert.equal(encodeOutcome(encoder, { sum: 3 }, "add", "result"), null);
  assert.deepEqual(decodeValue(encoder.bytes), { sum: 3 });
});

test("a result holding a function is replaced by an UncloneableValueError the encoder then holds", () => {
  const encoder = new ValueEncoder();
  const substitute = encodeOutcome(encoder, { f() {} }, "add", "result");
  assert.ok(substitute instanceof Error);
  assert.equal(substitute.name, "UncloneableValueError");
  const decoded = decodeValue(encoder.bytes) as Error;
  assert.equal(decoded.name, "UncloneableValueError");
  assert.equal(decoded.message, substitute.message);
});

test("an error whose message getter throws crosses as a substitute naming its owner", () => {
  const encoder = new ValueEncoder();
  const error = new Error("x");
  Object.defineProperty(error, "message", {
    get() {
      throw new TypeError("no message");
    },
  });
  const substitute = encodeOutcome(encoder, error, "worker", "error", "worker");
  assert.ok(substitute instanceof Error);
  assert.match(
    substitute.message,
    /^worker: the error .* could not be described \(reading it threw TypeError: no message\)/,
  );
  assert.equal((decodeValue(encoder.bytes) as Error).message, substitute.message);
});
