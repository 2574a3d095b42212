import assert from "node:assert/strict";
import { test } from "node:test";
import { type Context, type Coroutine, Future, LocalExecutor, PENDING, type Poll, pollFn, ready } from "@spindle/core";
import { ElapsedError, VirtualClock } from "./mod.ts";
import { recordingContext } from "./test-support/recording-waker.ts";

/** A future that stays pending and counts how often it was dropped. */
class Forever extends Future<string> {
  drops = 0;
  poll(_cx: Context): Poll<string> {
    return PENDING;
  }
  override [Symbol.dispose](): void {
    this.drops++;
  }
}

test("timeout completes with the inner future's output and deregisters its sleep", () => {
  const clock = new VirtualClock();
  const { cx } = recordingContext();
  assert.equal(clock.timer.timeout(ready("fast"), 10).poll(cx), "fast");
  assert.equal(clock.timer.pendingCount, 0);
  let polls = 0;
  const slow = clock.timer.timeout(pollFn((_cx) => (++polls === 2 ? "second poll" : PENDING)), 10);
  assert.equal(slow.poll(cx), PENDING);
  assert.equal(clock.timer.pendingCount, 1);
  clock.advance(9);
  assert.equal(slow.poll(cx), "second poll");
  assert.equal(clock.timer.pendingCount, 0);
});

test("timeout fails with ElapsedError once the deadline passes, and drops the inner future", () => {
  const clock = new VirtualClock();
  const inner = new Forever();
  const guarded = clock.timer.timeout(inner, 250);
  const { cx, record } = recordingContext();
  assert.equal(guarded.poll(cx), PENDING);
  clock.advance(250);
  assert.equal(record.wokenAt.length, 1);
  assert.throws(
    () => guarded.poll(cx),
    (e: unknown) => e instanceof ElapsedError && e.timeoutMs === 250 && /250 ms/.test(e.message),
  );
  assert.equal(inner.drops, 1);
});

test("dropping a pending timeout drops the inner future and deregisters the sleep", () => {
  const clock = new VirtualClock();
  const inner = new Forever();
  const guarded = clock.timer.timeout(inner, 100);
  guarded.poll(recordingContext().cx);
  guarded[Symbol.dispose]();
  assert.equal(inner.drops, 1);
  assert.equal(clock.timer.pendingCount, 0);
});

test("an inner future's error passes through and the sleep is released", () => {
  const clock = new VirtualClock();
  const failing = clock.timer.timeout(
    pollFn(() => {
      throw new TypeError("inner failed");
    }),
    100,
  );
  assert.throws(() => failing.poll(recordingContext().cx), /inner failed/);
  assert.equal(clock.timer.pendingCount, 0);
});

test("timeoutAt: the inner output before the deadline, ElapsedError at it, RangeError for a non-Instant", () => {
  const clock = new VirtualClock();
  const { cx } = recordingContext();
  let ready = false;
  const inner = pollFn((): Poll<string> => (ready ? "done" : PENDING));
  const early = clock.timer.timeoutAt(inner, clock.now().add(20));
  assert.equal(early.poll(cx), PENDING);
  clock.advance(10);
  ready = true;
  assert.equal(early.poll(cx), "done");
  assert.equal(clock.timer.pendingCount, 0, "its sleep deregistered");

  const forever = new Forever();
  const late = clock.timer.timeoutAt(forever, clock.now().add(20));
  assert.equal(late.poll(cx), PENDING);
  clock.advance(19.9);
  assert.equal(late.poll(cx), PENDING, "not before the deadline");
  clock.advance(0.1);
  assert.throws(() => late.poll(cx), (e: unknown) => e instanceof ElapsedError && e.timeoutMs === 20);
  assert.equal(forever.drops, 1, "the inner future was dropped");
  assert.throws(() => clock.timer.timeoutAt(new Forever(), clock.now().subtract(1)).poll(cx), ElapsedError);
  assert.throws(
    () => clock.timer.timeoutAt(new Forever(), "soon" as never),
    (e: unknown) => e instanceof RangeError && /soon/.test(e.message),
  );
});

test("a timeout over work that completes every operation at once still elapses (the work uses the task's budget up in each poll)", async () => {
  // The work completes 100,000 `ready` operations, 128 per task poll, and moves the clock 1 ms
  // every 100: the 50 ms deadline passes long before it ends. The deadline, polled after the work
  // took the budget's last unit, was refused in every poll and the work ran to its end.
  const clock = new VirtualClock();
  function* work(): Coroutine<string> {
    for (let i = 1; i <= 100_000; i++) {
      yield* ready(i);
      if (i % 100 === 0) clock.advance(1);
    }
    return "ran to its end";
  }
  const executor = new LocalExecutor();
  const outcome = executor.spawn(function* (): Coroutine<unknown> {
    try {
      return yield* clock.timer.timeout(work(), 50);
    } catch (error) {
      return error;
    }
  }());
  await executor.run();
  const error = await outcome;
  assert.ok(error instanceof ElapsedError, `expected ElapsedError, got ${String(error)}`);
  assert.ok(clock.timer.pendingCount === 0, "the deadline is deregistered");
});
