// The last receiver of a shared channel takes the values nobody can receive any more with it
// (crossbeam-channel's `drop_unreceived` and `drops`, found failing by their port: the values
// stayed, counted by `length`), as crossbeam, tokio and this package's mpsc drop them; a receiver
// still live, an unopened receiver handle, or a close() that is not a drop keep them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { STREAM_END } from "@spindle/core";
import { SendError, sharedChannel, SharedReceiver } from "./mod.ts";

test("shared channel: dropping the last receiver drops the values left; sends fail after it", () => {
  const [tx, rx] = sharedChannel<{ n: number }>(4);
  for (let n = 0; n < 3; n++) assert.equal(tx.trySend({ n }), true);
  const other = rx.clone();
  rx.drop();
  assert.equal(tx.length, 3, "a receiver is left: the values wait for it");
  other.drop();
  assert.equal(tx.length, 0);
  assert.equal(other.length, 0);
  assert.throws(() => tx.trySend({ n: 3 }), (e) => e instanceof SendError);
  tx.drop();
});

test("shared channel: an unopened receiver handle keeps the values; the receiver it opens takes them", () => {
  const [tx, rx] = sharedChannel<number>(2);
  assert.equal(tx.trySend(1), true);
  const handle = rx.handle();
  rx.drop();
  assert.equal(tx.length, 1);
  const opened = SharedReceiver.from<number>(structuredClone(handle));
  assert.equal(opened.tryRecv(), 1);
  assert.equal(tx.trySend(2), true);
  opened.drop();
  assert.equal(tx.length, 0);
  tx.drop();
});

test("shared channel: close() leaves the values to the receivers, which drain them, then end", () => {
  const [tx, rx] = sharedChannel<number>(3);
  assert.equal(tx.trySend(1), true);
  assert.equal(tx.trySend(2), true);
  rx.close();
  assert.equal(tx.length, 2);
  assert.equal(rx.tryRecv(), 1);
  assert.equal(rx.tryRecv(), 2);
  assert.equal(rx.tryRecv(), STREAM_END);
  tx.drop();
  rx.drop();
});

test("shared channel: a full ring whose slots wrapped is emptied by the last receiver's drop", () => {
  const [tx, rx] = sharedChannel<number>(3);
  for (let n = 0; n < 7; n++) {
    assert.equal(tx.trySend(n), true);
    if (n < 4) assert.equal(rx.tryRecv(), n);
  }
  assert.equal(tx.length, 3);
  rx.drop();
  assert.equal(tx.length, 0);
  tx.drop();
});
