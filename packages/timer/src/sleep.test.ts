import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING, pending, SpindleError } from "@spindle/core";
import { type Instant, MAX_DURATION_MS, VirtualClock } from "./mod.ts";
import { countingWaker } from "@spindle/test-support";
import { recordingContext } from "./test-support/recording-waker.ts";

test("a sleep registers on its first pending poll and completes once its deadline is reached", () => {
  const clock = new VirtualClock();
  const sleep = clock.timer.sleep(5);
  assert.equal(clock.timer.pendingCount, 0, "creating a sleep registers nothing");
  assert.equal(sleep.deadline.since(clock.now()), 5);
  const { cx } = recordingContext();
  assert.equal(sleep.poll(cx), PENDING);
  assert.equal(clock.timer.pendingCount, 1);
  assert.equal(sleep.poll(cx), PENDING, "a second poll does not register twice");
  assert.equal(clock.timer.pendingCount, 1);
  clock.advance(5);
  assert.equal(sleep.poll(cx), undefined);
  assert.throws(() => sleep.poll(cx), (e: unknown) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
  assert.equal(clock.timer.sleep(0).poll(cx), undefined, "a zero sleep is ready at once");
});

test("a sleep first polled after its deadline completes at once, by a prompt wake", () => {
  const clock = new VirtualClock();
  const sleep = clock.timer.sleep(5);
  clock.advance(10); // nothing registered yet: nothing fires
  assert.equal(blockOn(sleep), undefined);
  assert.equal(clock.timer.pendingCount, 0);
  assert.equal(blockOn(clock.timer.sleepUntil(clock.now().subtract(1))), undefined);
});

test("a sleep's first poll sees the clock reading of a sleep made after it, never one before it", () => {
  const clock = new VirtualClock();
  const first = clock.timer.sleep(5);
  clock.advance(5);
  const second = clock.timer.sleep(5); // reads the clock at the first sleep's deadline
  const { cx } = recordingContext();
  assert.equal(first.poll(cx), undefined, "complete at its first poll, at its deadline");
  assert.equal(second.poll(cx), PENDING, "not complete before its own deadline");
  assert.equal(clock.timer.pendingCount, 1);
  clock.advance(4.999);
  assert.equal(second.poll(cx), PENDING, "still not early once the clock moved, short of the deadline");
  clock.advance(0.001);
  assert.equal(second.poll(cx), undefined);
});

test("a sleep polled under one waker and then another wakes only the latest", () => {
  const clock = new VirtualClock();
  const sleep = clock.timer.sleep(10);
  const first = recordingContext();
  const second = recordingContext();
  assert.equal(sleep.poll(first.cx), PENDING);
  assert.equal(sleep.poll(second.cx), PENDING);
  assert.equal(first.record.live, 1, "the first waker's clone was dropped when replaced");
  clock.advance(10);
  assert.equal(first.record.wokenAt.length, 0);
  assert.equal(second.record.wokenAt.length, 1);
});

test("dropping a pending sleep deregisters it and releases its waker", () => {
  const clock = new VirtualClock();
  const { cx, record } = recordingContext();
  const sleeps = Array.from({ length: 1_000 }, (_, i) => clock.timer.sleep(1 + i));
  for (const sleep of sleeps) sleep.poll(cx);
  assert.equal(clock.timer.pendingCount, 1_000);
  for (const sleep of sleeps) sleep[Symbol.dispose]();
  assert.equal(clock.timer.pendingCount, 0);
  assert.equal(record.live, 1, "only the test's own waker is alive");
  assert.equal(clock.advance(10_000), 0);
  assert.equal(record.wokenAt.length, 0);
});

test("a sleep dropped by another sleep's waker during the same firing is neither woken nor kept alive", () => {
  // Both are due at the same firing; the first one's waker drops the second before the queue
  // reaches it. Also when the timer closes (every entry is woken then).
  for (const close of [false, true]) {
    const clock = new VirtualClock();
    const second = clock.timer.sleep(10);
    const dropper = countingWaker(() => second[Symbol.dispose]());
    const dropped = countingWaker();
    const first = clock.timer.sleep(10);
    assert.equal(first.poll(dropper.cx), PENDING);
    assert.equal(second.poll(dropped.cx), PENDING);
    if (close) clock.close();
    else clock.advance(10);
    assert.equal(dropper.woken(), 1);
    assert.equal(dropped.woken(), 0, `close: ${close}`);
    assert.equal(dropped.counter.live, 1, "only the test's own waker is alive: the queue dropped its clone");
  }
});

test("a sleep moved and polled again by another sleep's waker during the same firing wakes at its new deadline", () => {
  // The firing woke the moved sleep anyway, taking the waker its new registration had stored:
  // nothing woke its task at the new deadline, and the earlier waker clone was never dropped.
  const clock = new VirtualClock();
  const moved = clock.timer.sleep(10);
  const movedWaker = countingWaker();
  const mover = countingWaker(() => {
    moved.reset(clock.timer.now().add(50));
    assert.equal(moved.poll(movedWaker.cx), PENDING);
  });
  const first = clock.timer.sleep(10);
  assert.equal(first.poll(mover.cx), PENDING);
  assert.equal(moved.poll(movedWaker.cx), PENDING);
  clock.advance(10);
  assert.equal(movedWaker.woken(), 0, "it waits for its new deadline");
  assert.equal(movedWaker.counter.live, 2, "the queue holds one clone of its waker");
  clock.advance(50);
  assert.equal(movedWaker.woken(), 1, "woken at the new deadline");
  assert.equal(moved.poll(movedWaker.cx), undefined);
  assert.equal(movedWaker.counter.live, 1, "no clone left behind");
});

test("bad durations and deadlines get a RangeError naming the value", () => {
  const { timer } = new VirtualClock();
  for (
    const [bad, named] of [[-1, "-1"], [Number.NaN, "NaN"], [Infinity, "Infinity"], ["10", '"10"'], [
      MAX_DURATION_MS + 1,
      String(MAX_DURATION_MS + 1),
    ]] as const
  ) {
    assert.throws(
      () => timer.sleep(bad as number),
      (e: unknown) => e instanceof RangeError && e.message.includes(`got ${named}`),
      String(bad),
    );
    assert.throws(() => timer.timeout(pending(), bad as number), RangeError);
    assert.throws(() => timer.interval(bad as number), RangeError);
  }
  assert.throws(() => timer.sleepUntil(12 as unknown as Instant), /expected an Instant, got 12/);
  assert.doesNotThrow(() => timer.sleep(MAX_DURATION_MS));
});

test("sleep.reset moves the deadline in place: a waiting task wakes at the new deadline only, also after completion", () => {
  const clock = new VirtualClock();
  const sleep = clock.timer.sleep(10);
  const { cx, record } = recordingContext();
  assert.equal(sleep.poll(cx), PENDING);
  sleep.reset(clock.now().add(50)); // later: the old deadline must not wake anyone
  assert.equal(sleep.deadline.since(clock.now()), 50);
  clock.advance(10);
  assert.equal(record.wokenAt.length, 0, "not woken at the old deadline");
  assert.equal(sleep.isElapsed, false);
  assert.equal(clock.timer.pendingCount, 1, "still registered, once");
  clock.advance(40);
  assert.equal(record.wokenAt.length, 1, "woken once, at the new deadline");
  assert.equal(sleep.isElapsed, true);
  assert.equal(sleep.poll(cx), undefined);
  // After completing, reset makes the same sleep pending again.
  sleep.reset(clock.now().add(5));
  assert.equal(sleep.isElapsed, false);
  assert.equal(sleep.poll(cx), PENDING);
  sleep.reset(clock.now().subtract(1)); // earlier, already passed: the waiting task is woken at once
  assert.equal(record.wokenAt.length, 2);
  assert.equal(sleep.poll(cx), undefined);
  assert.equal(clock.timer.pendingCount, 0);
  assert.equal(record.live, 1, "every clone the timer took was released");
});

test("sleep.isElapsed follows the clock whether or not the sleep is polled; reset rejects a non-Instant", () => {
  const clock = new VirtualClock();
  const sleep = clock.timer.sleep(3);
  assert.equal(sleep.isElapsed, false);
  clock.advance(2.5);
  assert.equal(sleep.isElapsed, false);
  clock.advance(0.5);
  assert.equal(sleep.isElapsed, true, "elapsed at its deadline, never polled");
  assert.throws(
    () => sleep.reset(5 as unknown as Instant),
    (e: unknown) => e instanceof RangeError && /5/.test(e.message),
  );
  assert.equal(sleep.isElapsed, true, "a rejected reset changes nothing");
});

test("a sleep reset after its timer fired, before its next poll, waits for the new deadline", () => {
  const clock = new VirtualClock();
  const sleep = clock.timer.sleep(10);
  const { cx, record } = recordingContext();
  assert.equal(sleep.poll(cx), PENDING);
  clock.advance(10);
  assert.equal(record.wokenAt.length, 1, "fired and woken");
  sleep.reset(clock.now().add(20));
  assert.equal(sleep.poll(cx), PENDING, "the fire before the reset does not complete it");
  assert.equal(clock.timer.pendingCount, 1);
  clock.advance(19);
  assert.equal(sleep.poll(cx), PENDING);
  clock.advance(1);
  assert.equal(sleep.poll(cx), undefined);
});
