import assert from "node:assert/strict";
import { test } from "node:test";
import { type Future, PENDING, SpindleError, STREAM_END } from "@spindle/core";
import { CountingStream, countingWaker } from "@spindle/test-support";
import { throttle, ticks, timeoutEach, VirtualClock } from "./mod.ts";

const isCompletedError = (e: unknown): boolean => e instanceof SpindleError && e.code === "FUTURE_COMPLETED";

test("a sleep, a tick or a timed future polled after its drop throws FUTURE_COMPLETED and registers nothing", () => {
  const clock = new VirtualClock();
  const timer = clock.timer;
  const signal = new AbortController().signal;
  const interval = timer.interval(10);
  interval.pollTick(countingWaker().cx); // the first tick is at once: the next one waits
  const futures: Record<string, Future<unknown>> = {
    "sleep()": timer.sleep(10),
    "sleepUntil()": timer.sleepUntil(timer.now().add(10)),
    "sleep() with a signal": timer.sleep(10, { signal }),
    "timeout()": timer.timeout(timer.sleep(20), 10),
    "interval.tick()": interval.tick(),
  };
  for (const [name, future] of Object.entries(futures)) {
    const { cx, counter } = countingWaker();
    assert.equal(future.poll(cx), PENDING, name);
    future[Symbol.dispose]();
    assert.equal(timer.pendingCount, 0, `${name}: dropped, it is deregistered`);
    assert.throws(() => future.poll(cx), isCompletedError, name);
    assert.equal(timer.pendingCount, 0, `${name}: polled after its drop, it did not register again`);
    assert.equal(counter.live, 1, `${name}: it keeps no waker`);
  }
  interval[Symbol.dispose]();
});

test("a dropped sleep or interval cannot be reset back to life", () => {
  const clock = new VirtualClock();
  const sleep = clock.timer.sleep(10);
  sleep[Symbol.dispose]();
  assert.throws(() => sleep.reset(clock.now().add(5)), isCompletedError);
  assert.throws(() => sleep.poll(countingWaker().cx), isCompletedError);
  const interval = clock.timer.interval(10);
  interval[Symbol.dispose]();
  for (const reset of [() => interval.reset(), () => interval.resetImmediately(), () => interval.resetAfter(1)]) {
    assert.throws(reset, isCompletedError);
  }
  assert.throws(() => interval.resetAt(clock.now()), isCompletedError);
  assert.throws(() => interval.pollTick(countingWaker().cx), isCompletedError);
  assert.equal(clock.timer.pendingCount, 0);
});

test("a dropped ticks, throttle or timeoutEach stream has ended: it neither registers nor polls its source again", () => {
  const clock = new VirtualClock();
  const timer = clock.timer;
  const made = {
    ticks: () => ({ stream: ticks(timer.interval(10)), source: null }),
    throttle: () => {
      const source = new CountingStream(10);
      return { stream: throttle(source, timer, 10), source };
    },
    timeoutEach: () => {
      const source = new CountingStream(10);
      return { stream: timeoutEach(source, timer, 10), source };
    },
  };
  for (const [name, make] of Object.entries(made)) {
    const { stream, source } = make();
    const { cx, counter } = countingWaker();
    stream.pollNext(cx);
    stream[Symbol.dispose]();
    const polls = source?.polls;
    assert.equal(stream.pollNext(cx), STREAM_END, name);
    assert.equal(timer.pendingCount, 0, `${name}: nothing registered after the drop`);
    assert.equal(counter.live, 1, `${name}: it keeps no waker`);
    assert.equal(source?.polls, polls, `${name}: its source was not polled after its drop`);
  }
});
