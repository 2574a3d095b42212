import assert from "node:assert/strict";
import { test } from "node:test";
import { Context, PENDING, SpindleError, STREAM_END } from "@spindle/core";
import { sharedChannel, SharedNotify, SharedSemaphore } from "./mod.ts";

// A shared future that completed and is polled again throws FUTURE_COMPLETED, as every other
// future does; it used to repeat its effect on the shared memory: a second send of the same
// value, a second value taken, more permits taken (and lost with the discarded permit).

const completed = (e: unknown): boolean => e instanceof SpindleError && e.code === "FUTURE_COMPLETED";
const cx = Context.noop();

test("a completed sharedChannel send polled again throws FUTURE_COMPLETED and sends nothing more", () => {
  const [tx, rx] = sharedChannel<number>(4);
  const send = tx.send(7);
  assert.equal(send.poll(cx), undefined);
  assert.throws(() => send.poll(cx), completed);
  assert.equal(rx.tryRecv(), 7);
  assert.equal(rx.tryRecv(), PENDING);
  tx.drop();
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("a completed sharedChannel recv polled again throws FUTURE_COMPLETED and takes nothing more", () => {
  const [tx, rx] = sharedChannel<number>(4);
  assert.ok(tx.trySend(1));
  assert.ok(tx.trySend(2));
  const recv = rx.recv();
  assert.equal(recv.poll(cx), 1);
  assert.throws(() => recv.poll(cx), completed);
  assert.equal(rx.tryRecv(), 2);
});

test("a completed SharedSemaphore acquire polled again throws FUTURE_COMPLETED and takes no more permits", () => {
  const semaphore = new SharedSemaphore(3);
  const acquire = semaphore.acquire(1);
  const permit = acquire.poll(cx);
  assert.notEqual(permit, PENDING);
  assert.throws(() => acquire.poll(cx), completed);
  assert.equal(semaphore.availablePermits, 2);
  (permit as { release(): void }).release();
  assert.equal(semaphore.availablePermits, 3);
});

test("a completed SharedNotify notified() polled again throws FUTURE_COMPLETED and keeps the next permit", () => {
  const notify = new SharedNotify();
  notify.notifyOne();
  const notified = notify.notified();
  assert.equal(notified.poll(cx), undefined);
  notify.notifyOne(); // kept as the permit for the next waiter
  assert.throws(() => notified.poll(cx), completed);
  assert.equal(notify.notifiedBlocking(0), true);
});
