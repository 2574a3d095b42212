// A parker handle arrives from another thread: one that names no word of shared memory is an
// INVALID_ARGUMENT naming the value, and unparks no other parker.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Parker, type ParkerHandle, sharedBufferLength, SpindleError, Unparker } from "./mod.ts";

function invalid(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SpindleError, `expected a SpindleError, got ${String(error)}`);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.match(error.message, pattern);
    return true;
  };
}

test("a handle whose index is not a word of its buffer, or whose buffer is not shared, is refused", () => {
  const buffer = new SharedArrayBuffer(8); // two parkers' words
  const first = new Parker({ buffer, index: 0 });
  const second = new Parker({ buffer, index: 1 });
  const cases: [unknown, RegExp][] = [
    [{ buffer, index: 1.5 }, /index is an integer from 0 to 1, got 1\.5$/],
    [{ buffer, index: NaN }, /got NaN$/],
    [{ buffer, index: -1 }, /got -1$/],
    [{ buffer, index: 2 }, /got 2$/],
    [{ buffer, index: "1" }, /got "1"$/],
    [{ buffer: new ArrayBuffer(8), index: 0 }, /buffer is a SharedArrayBuffer, got an ArrayBuffer$/],
    [{ index: 0 }, /got undefined$/],
    [null, /parker handle is \{ buffer, index \} from Parker\.handle, got null$/],
  ];
  for (const [handle, message] of cases) {
    assert.throws(() => new Unparker(handle as ParkerHandle), invalid(message));
    assert.throws(() => new Parker(handle as ParkerHandle), invalid(message));
  }
  // Before the check, index 1.5 unparked the parker on word 1 and NaN the one on word 0.
  assert.equal(first.park(0), false);
  assert.equal(second.park(0), false);
  new Unparker({ buffer, index: 1 }).unpark();
  assert.equal(first.park(0), false);
  assert.equal(second.park(0), true);
});

test("a handle whose buffer is a Proxy of a SharedArrayBuffer is refused, naming it: a view over it would share nothing", () => {
  const buffer = new Parker().handle.buffer;
  for (const make of [(h: ParkerHandle) => new Parker(h), (h: ParkerHandle) => new Unparker(h)]) {
    assert.throws(
      () => make({ buffer: new Proxy(buffer, {}), index: 0 }),
      (e: unknown) =>
        e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes("is a SharedArrayBuffer"),
    );
  }
});

test("sharedBufferLength reads a SharedArrayBuffer's length and -1 for anything else, a Proxy of one included", () => {
  const buffer = new SharedArrayBuffer(12);
  const revoked = Proxy.revocable(buffer, {});
  revoked.revoke();
  assert.equal(sharedBufferLength(buffer), 12);
  for (const value of [new Proxy(buffer, {}), revoked.proxy, new ArrayBuffer(12), new Int32Array(buffer), null, 12]) {
    assert.equal(sharedBufferLength(value), -1);
  }
});
