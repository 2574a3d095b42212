// `timer.sleep(ms, { signal })` and `timer.timeout(work, ms, { signal })`: an abort fails the
// future with the signal's reason and deregisters what it registered.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, CancellationToken, PENDING, pollFn, SpindleError } from "@spindle/core";
import { VirtualClock } from "./mod.ts";
import { recordingContext } from "./test-support/recording-waker.ts";

test("a sleep given an already aborted signal fails with the signal's reason and registers nothing", () => {
  const clock = new VirtualClock();
  const reason = new Error("cancelled before it began");
  const sleep = clock.timer.sleep(1_000, { signal: AbortSignal.abort(reason) });
  assert.throws(() => blockOn(sleep), (error) => error === reason);
  assert.equal(clock.timer.pendingCount, 0);
});

test("a pending sleep whose signal aborts is woken, fails with the reason and is deregistered", () => {
  const clock = new VirtualClock();
  const controller = new AbortController();
  const { cx, record } = recordingContext();
  const sleep = clock.timer.sleep(1_000, { signal: controller.signal });
  assert.equal(sleep.poll(cx), PENDING);
  assert.equal(clock.timer.pendingCount, 1);
  const reason = new Error("stop");
  controller.abort(reason);
  assert.equal(record.wokenAt.length, 1, "the abort woke the waiting task");
  assert.throws(() => sleep.poll(cx), (error) => error === reason);
  assert.equal(clock.timer.pendingCount, 0);
});

test("a sleep whose signal never aborts completes at its deadline", () => {
  const clock = new VirtualClock();
  const { cx } = recordingContext();
  const sleep = clock.timer.sleep(10, { signal: new AbortController().signal });
  assert.equal(sleep.poll(cx), PENDING);
  clock.advance(10);
  assert.equal(sleep.poll(cx), undefined);
});

test("a finished sleep or timeout with a signal, polled again, is FUTURE_COMPLETED naming it (not whenAborted())", () => {
  const clock = new VirtualClock();
  const { cx } = recordingContext();
  const sleep = clock.timer.sleep(10, { signal: new AbortController().signal });
  const timeout = clock.timer.timeout(pollFn(() => 7), 1_000, { signal: new AbortController().signal });
  assert.equal(sleep.poll(cx), PENDING);
  clock.advance(10);
  assert.equal(sleep.poll(cx), undefined);
  assert.equal(timeout.poll(cx), 7);
  for (const [future, name] of [[sleep, "sleep()"], [timeout, "timeout()"]] as const) {
    assert.throws(
      () => (future as { poll(cx: unknown): unknown }).poll(cx),
      (e) =>
        e instanceof SpindleError && e.code === "FUTURE_COMPLETED" && e.message.includes(name) &&
        !e.message.includes("whenAborted"),
    );
  }
});

test("a timeout whose cancellation token is cancelled drops its work and fails with the token's reason", () => {
  const clock = new VirtualClock();
  const token = new CancellationToken();
  let dropped = 0;
  const work = pollFn(() => PENDING, () => dropped++);
  const { cx } = recordingContext();
  const timeout = clock.timer.timeout(work, 1_000, { signal: token });
  assert.equal(timeout.poll(cx), PENDING);
  const reason = new Error("shutting down");
  token.cancel(reason);
  assert.throws(() => timeout.poll(cx), (error) => error === reason);
  assert.equal(dropped, 1, "the work was dropped once");
  assert.equal(clock.timer.pendingCount, 0, "the timeout's sleep was deregistered");
});

test("a signal option that is not an AbortSignal or a CancellationToken is a typed error naming the value", () => {
  const { timer } = new VirtualClock();
  const named = (text: string) => (error: unknown) =>
    error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && error.message.includes(text);
  assert.throws(() => timer.sleep(1, { signal: 42 as never }), named("42"));
  assert.throws(() => timer.sleep(1, null as never), named("null"));
  assert.throws(() => timer.timeout(pollFn(() => 1), 1, { signal: "stop" as never }), named("stop"));
});
