import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Coroutine,
  isFuture,
  isStream,
  LocalExecutor,
  PENDING,
  STREAM_END,
  yieldNow,
} from "@spindle/core";
import { ClosedError, oneshot, SendError } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

test("the receiver is a future of the value sent from another task", async () => {
  const [tx, rx] = oneshot<number>();
  const executor = new LocalExecutor();
  const got = executor.spawn(rx);
  executor.spawn(function* (): Coroutine<void> {
    yield* yieldNow();
    tx.send(42);
  }());
  await executor.run();
  assert.equal(await got, 42);
});

test("the receiver is also a stream of at most one item", () => {
  const [tx, rx] = oneshot<string>();
  assert.ok(isStream(rx) && isFuture(rx));
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  tx.send("only");
  assert.equal(task.wakes, 1);
  assert.equal(task.pollNext(rx), "only");
  assert.equal(task.pollNext(rx), STREAM_END);
});

test("a sender dropped without sending fails the receiver with ClosedError (and ends the stream)", () => {
  const [tx, rx] = oneshot<number>();
  const task = new TestTask();
  assert.equal(task.poll(rx), PENDING);
  tx[Symbol.dispose]();
  assert.equal(task.wakes, 1);
  assert.throws(() => task.poll(rx), (e) => e instanceof ClosedError && e.what === "channel");
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("send after the receiver was dropped fails with SendError handing the value back", () => {
  const [tx, rx] = oneshot<{ big: string }>();
  assert.equal(tx.isClosed, false);
  rx[Symbol.dispose]();
  assert.equal(tx.isClosed, true);
  const value = { big: "payload" };
  assert.throws(() => tx.send(value), (e) => e instanceof SendError && e.value === value);
  assert.throws(() => rx.tryRecv(), ClosedError);
});

test("a second send throws ClosedError; the value sent first is kept", () => {
  const [tx, rx] = oneshot<number>();
  tx.send(1);
  assert.throws(() => tx.send(2), (e) => e instanceof ClosedError && e.what === "sender");
  assert.equal(blockOn(rx), 1);
});

test("a dropped pending receive (next(rx)) leaves the value for the receiver", () => {
  const [tx, rx] = oneshot<number>();
  const task = new TestTask();
  assert.equal(task.pollNext(rx), PENDING);
  tx.send(9);
  assert.equal(rx.tryRecv(), 9);
});
