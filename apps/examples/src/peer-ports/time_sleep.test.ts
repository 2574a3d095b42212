// Port of tokio/tests/time_sleep.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa) onto
// @spindle/timer's Sleep, written from the timer README: tokio's paused clock is a VirtualClock, its
// auto-advance the clock's `autoAdvance` hook on a LocalExecutor; `Duration::MAX` is beyond the
// timer's range, so the longest sleep it takes, `MAX_DURATION_MS`, stands for it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Context, drop, LocalExecutor, PENDING, type RawWakerVTable, select, SpindleError, Waker } from "@spindle/core";
import { type Instant, MAX_DURATION_MS, type Sleep, TimerReactor, VirtualClock } from "@spindle/timer";
import { assertElapsed, paused } from "./paused-clock.ts";
import { pending, ready, spawn } from "./support.ts";

const YEAR_MS = 365 * 24 * 3_600_000;

test("immediate_sleep", async () => {
  // tokio's `is_elapsed` says whether the timer fired, so a sleep until now is not elapsed before
  // it is awaited; Spindle's reads the clock (README: "whether the deadline has passed on the
  // timer's clock"), so it is elapsed at once. The rest is as upstream.
  const clock = new VirtualClock();
  const now = clock.now();
  const sleep = clock.timer.sleepUntil(now);
  assert.equal(sleep.isElapsed, true);
  await paused(
    clock,
    function* () {
      yield* sleep;
    }(),
  );
  assertElapsed(clock, now, 0);
  assert.ok(sleep.isElapsed);
});

test("is_elapsed", async () => {
  const clock = new VirtualClock();
  const sleep = clock.timer.sleep(10) as Sleep;
  assert.ok(!sleep.isElapsed);
  pending(spawn(sleep).poll());
  assert.ok(!sleep.isElapsed);
  await paused(
    clock,
    function* () {
      yield* sleep;
    }(),
  );
  assert.ok(sleep.isElapsed);
});

test("delayed_sleep_level_0", async () => {
  const clock = new VirtualClock();
  await paused(
    clock,
    function* () {
      for (const ms of [1, 10, 60]) {
        const now = clock.now();
        yield* clock.timer.sleepUntil(now.add(ms));
        assertElapsed(clock, now, ms);
      }
    }(),
  );
});

test("sub_ms_delayed_sleep", async () => {
  const clock = new VirtualClock();
  await paused(
    clock,
    function* () {
      for (let i = 0; i < 5; i++) {
        const now = clock.now();
        yield* clock.timer.sleepUntil(now.add(1 + 1e-6));
        assertElapsed(clock, now, 1);
      }
    }(),
  );
});

test("delayed_sleep_wrapping_level_0", async () => {
  const clock = new VirtualClock();
  await paused(
    clock,
    function* () {
      yield* clock.timer.sleep(5);
      const now = clock.now();
      yield* clock.timer.sleepUntil(now.add(60));
      assertElapsed(clock, now, 60);
    }(),
  );
});

/** A sleep until `now + 100` polled once (pending), as the reset tests start. */
function polledSleep(clock: VirtualClock, now: Instant): Sleep {
  const sleep = clock.timer.sleepUntil(now.add(100));
  pending(spawn(sleep).poll());
  return sleep;
}

test("reset_future_sleep_before_fire", async () => {
  const clock = new VirtualClock();
  const now = clock.now();
  const sleep = polledSleep(clock, now);
  sleep.reset(clock.now().add(200));
  await paused(
    clock,
    function* () {
      yield* sleep;
    }(),
  );
  assertElapsed(clock, now, 200);
});

test("reset_past_sleep_before_turn", async () => {
  const clock = new VirtualClock();
  const now = clock.now();
  const sleep = polledSleep(clock, now);
  sleep.reset(now.add(80));
  await paused(
    clock,
    function* () {
      yield* sleep;
    }(),
  );
  assertElapsed(clock, now, 80);
});

test("reset_past_sleep_before_fire", async () => {
  const clock = new VirtualClock();
  const now = clock.now();
  const sleep = polledSleep(clock, now);
  await paused(
    clock,
    function* () {
      yield* clock.timer.sleep(10);
      sleep.reset(now.add(80));
      yield* sleep;
    }(),
  );
  assertElapsed(clock, now, 80);
});

test("reset_future_sleep_after_fire", async () => {
  const clock = new VirtualClock();
  const now = clock.now();
  const sleep = clock.timer.sleepUntil(now.add(100));
  await paused(
    clock,
    function* () {
      yield* sleep;
    }(),
  );
  assertElapsed(clock, now, 100);
  sleep.reset(now.add(110));
  await paused(
    clock,
    function* () {
      yield* sleep;
    }(),
  );
  assertElapsed(clock, now, 110);
});

test("reset_sleep_to_past", async () => {
  const clock = new VirtualClock();
  const now = clock.now();
  const sleep = clock.timer.sleepUntil(now.add(100));
  const task = spawn(sleep);
  pending(task.poll());
  await paused(
    clock,
    function* () {
      yield* clock.timer.sleep(50);
    }(),
  );
  assert.ok(!task.isWoken());
  sleep.reset(now.add(40));
  ready(task.poll());
});

test("greater_than_max", async () => {
  const clock = new VirtualClock();
  await paused(
    clock,
    function* () {
      yield* clock.timer.sleepUntil(clock.now().add(5 * YEAR_MS));
    }(),
  );
});

test("short_sleeps", async () => {
  const reactor = await TimerReactor.start();
  try {
    const executor = new LocalExecutor();
    executor.spawn(function* () {
      for (let i = 0; i < 1000; i++) yield* reactor.timer.sleep(0);
    }());
    await executor.run();
  } finally {
    reactor.close();
  }
});

test("multi_long_sleeps", async () => {
  const clock = new VirtualClock();
  await paused(
    clock,
    function* () {
      for (let i = 0; i < 5; i++) yield* clock.timer.sleep(YEAR_MS);
      const deadline = clock.now().add(10 * YEAR_MS);
      yield* clock.timer.sleepUntil(deadline);
      assert.ok(clock.now().compare(deadline) >= 0);
    }(),
  );
});

test("long_sleeps", async () => {
  const clock = new VirtualClock();
  const deadline = clock.now().add(10 * YEAR_MS);
  await paused(
    clock,
    function* () {
      yield* clock.timer.sleepUntil(deadline);
    }(),
  );
  assert.ok(clock.now().compare(deadline) >= 0);
  assert.ok(clock.now().compare(deadline.add(1)) <= 0);
});

test("reset_after_firing", async () => {
  // Upstream polls the fired sleep once more and finds it ready; a Spindle future polled after it
  // completed throws FUTURE_COMPLETED (README), so that poll is checked as such. The reset after it is
  // as upstream: a sleep moved after it completed waits again.
  const reactor = await TimerReactor.start();
  try {
    const timer = reactor.timer.sleep(1) as Sleep;
    const deadline = timer.deadline;
    const executor = new LocalExecutor();
    executor.spawn(function* () {
      yield* timer;
    }());
    await executor.run();
    assert.throws(
      () => timer.poll(Context.noop()),
      (e: unknown) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED",
    );
    timer.reset(reactor.timer.now().add(600_000));
    assert.notEqual(timer.deadline.millis, deadline.millis);
    assert.equal(timer.poll(Context.noop()), PENDING);
    assert.equal(timer.poll(Context.noop()), PENDING);
    drop(timer);
  } finally {
    reactor.close();
  }
});

test("exactly_max", async () => {
  const clock = new VirtualClock();
  await paused(
    clock,
    function* () {
      yield* clock.timer.sleep(MAX_DURATION_MS);
    }(),
  );
});

test("issue_5183", async () => {
  const clock = new VirtualClock();
  await paused(
    clock,
    function* () {
      const first = yield* select(clock.timer.sleep(MAX_DURATION_MS / 10), clock.timer.sleep(1e-6));
      drop(first.rest);
    }(),
  );
});

test("no_out_of_bounds_close_to_max", async () => {
  const clock = new VirtualClock();
  await paused(
    clock,
    function* () {
      yield* clock.timer.sleep(MAX_DURATION_MS - 1);
    }(),
  );
});

test("drop_after_reschedule_at_new_scheduled_time", async () => {
  const clock = new VirtualClock();
  const start = clock.now();
  const a = clock.timer.sleep(5) as Sleep;
  const b = clock.timer.sleep(5) as Sleep;
  const c = clock.timer.sleep(10) as Sleep;
  for (const sleep of [a, b, c]) spawn(sleep).poll();
  b.reset(start.add(10));
  await paused(
    clock,
    function* () {
      yield* a;
    }(),
  );
  drop(b);
  drop(c);
});

test("drop_from_wake", async () => {
  // Each of 100 sleeps is polled with a waker whose wake drops every sleep in the list, from
  // inside the timer's firing of them: no wake may throw.
  const clock = new VirtualClock();
  let threw = false;
  let list: Sleep[] = [];
  const vtable: RawWakerVTable<null> = {
    clone: () => ({ data: null, vtable }),
    wake: () => vtable.wakeByRef(null),
    wakeByRef: () => {
      try {
        const dropped = list;
        list = [];
        for (const sleep of dropped) drop(sleep);
      } catch {
        threw = true;
      }
    },
    drop: () => {},
  };
  const cx = new Context(Waker.fromRaw({ data: null, vtable }));
  for (let i = 0; i < 100; i++) {
    const sleep = clock.timer.sleep(10) as Sleep;
    sleep.poll(cx);
    list.push(sleep);
  }
  await paused(
    clock,
    function* () {
      yield* clock.timer.sleep(11);
    }(),
  );
  assert.ok(!threw, "a wake that dropped the timers threw");
});
