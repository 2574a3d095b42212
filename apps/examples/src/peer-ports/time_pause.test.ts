// Port of tokio/tests/time_pause.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa) onto
// @spindle/timer's VirtualClock, written from the timer README: tokio's paused clock is a
// VirtualClock, `time::advance(d).await` is `clock.advance(ms)` (it wakes the timers due at once,
// so there is nothing to await), tokio's `start_paused` runtime a LocalExecutor whose idle turns
// call `clock.autoAdvance`. Durations are milliseconds (fractions for microseconds), so an
// elapsed time equals the advance to within a double's resolution (10 ns), not exactly as tokio's
// integer nanoseconds do. Found by this port: advances in fractions of a millisecond did not add
// up (ten of 0.1 ms left a 1 ms sleep pending); the clock now counts whole nanoseconds.
// Not portable: `pause_time_in_main`, `pause_time_in_task`, `pause_time_in_main_threads`,
// `pause_time_in_spawn_threads` (a clock is an object the caller makes, not a runtime's ambient
// state that can be paused, so there is no pause to refuse on a multi-thread runtime).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Context, type Coroutine, Future, PENDING, type Poll } from "@spindle/core";
import { Instant, type Interval, type Sleep, VirtualClock } from "@spindle/timer";
import { assertElapsed, paused } from "./paused-clock.ts";
import { spawn, spawnForStream } from "./support.ts";

/** A deterministic generator of numbers in [0, 1) from `seed` (tokio's seeded `StdRng`). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** 10,000 sleeps of seeded random length under 1 s, and the clock's reading after each. */
async function pausedTimeStressRun(): Promise<number[]> {
  // From one start: elapsed times are differences of doubles, so two clocks started at different
  // real instants round them differently in the last place (tokio's integer nanoseconds do not).
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const random = seededRandom(1);
  return await paused(
    clock,
    function* (): Coroutine<number[]> {
      const times: number[] = [];
      const start = clock.now();
      for (let i = 0; i < 10_000; i++) {
        yield* clock.timer.sleep(random() * 1_000);
        times.push(clock.now().since(start));
      }
      return times;
    }(),
  );
}

test("paused_time_is_deterministic", async () => {
  const run1 = await pausedTimeStressRun();
  const run2 = await pausedTimeStressRun();
  assert.equal(run1.length, 10_000);
  assert.deepEqual(run1, run2);
});

test("advance_after_poll", async () => {
  const clock = new VirtualClock();
  await paused(clock, clock.timer.sleep(1));
  const start = clock.now();
  const sleep = spawn(clock.timer.sleepUntil(start.add(300)));
  assert.equal(sleep.poll(), PENDING);
  const before = clock.now();
  clock.advance(100);
  assertElapsed(clock, before, 100);
  assert.equal(sleep.poll(), PENDING);
});

test("sleep_no_poll", () => {
  const clock = new VirtualClock();
  const start = clock.now();
  clock.advance(1);
  const sleep = spawn(clock.timer.sleepUntil(start.add(300)));
  const before = clock.now();
  clock.advance(100);
  assertElapsed(clock, before, 100);
  assert.equal(sleep.poll(), PENDING);
});

/**
 * tokio's `Tester`: in one task, optionally polls `sleep` (pending), advances the clock 100 ms,
 * then finds 100 ms elapsed and `sleep` still pending.
 */
class Tester extends Future<void> {
  readonly #clock: VirtualClock;
  readonly #sleep: Sleep;
  readonly #pollFirst: boolean;

  constructor(clock: VirtualClock, sleep: Sleep, pollFirst: boolean) {
    super();
    this.#clock = clock;
    this.#sleep = sleep;
    this.#pollFirst = pollFirst;
  }

  poll(cx: Context): Poll<void> {
    if (this.#pollFirst) assert.equal(this.#sleep.poll(cx), PENDING);
    const before = this.#clock.now();
    this.#clock.advance(100);
    assertElapsed(this.#clock, before, 100);
    assert.equal(this.#sleep.poll(cx), PENDING);
  }
}

async function sleepSameTask(pollFirst: boolean): Promise<void> {
  const clock = new VirtualClock();
  const start = clock.now();
  clock.advance(1);
  const sleep = clock.timer.sleepUntil(start.add(300)) as Sleep;
  await paused(clock, new Tester(clock, sleep, pollFirst));
}

test("sleep_same_task", async () => {
  await sleepSameTask(true);
});

test("sleep_same_task_no_poll", async () => {
  await sleepSameTask(false);
});

test("interval", () => {
  const clock = new VirtualClock();
  const start = clock.now();
  clock.advance(1);
  const interval: Interval = clock.timer.intervalAt(start, 300);
  const task = spawnForStream();
  const pollNext = (): Poll<Instant> => interval.pollTick(task.cx);
  const readyAt = (ms: number): void => {
    const tick = pollNext();
    assert.notEqual(tick, PENDING, `expected the tick at start + ${ms} ms`);
    assert.equal((tick as Instant).since(start), ms);
  };
  readyAt(0);
  assert.equal(pollNext(), PENDING);
  for (const [advance, ticks] of [[100, []], [200, [300]], [400, [600]], [500, [900, 1200]]] as const) {
    const before = clock.now();
    clock.advance(advance);
    assertElapsed(clock, before, advance);
    for (const ms of ticks) readyAt(ms);
    assert.equal(pollNext(), PENDING);
  }
});

/**
 * Advances `clock` by each of `advances` ms and checks each time that that much elapsed: to within
 * 10 ns, a double's resolution at the clock's reading (about 6e10 ms from the timer's epoch, where
 * one unit in the last place is 7.6 ns), where tokio's integer nanoseconds compare exactly.
 */
function assertAdvancesExactly(clock: VirtualClock, ...advances: number[]): void {
  for (const ms of advances) {
    const now = clock.now();
    clock.advance(ms);
    const elapsed = clock.now().since(now);
    assert.ok(Math.abs(elapsed - ms) <= 1e-5, `expected ${ms} ms to have elapsed, got ${elapsed}`);
  }
}

test("test_time_advance_sub_ms", () => {
  assertAdvancesExactly(new VirtualClock(), 51.592, 0.001);
});

test("test_time_advance_3ms_and_change", () => {
  assertAdvancesExactly(new VirtualClock(), 3_141.592, 3_123.456);
});

test("regression_3710_with_submillis_advance", () => {
  const clock = new VirtualClock();
  const start = clock.now();
  clock.advance(1);
  const sleep = spawn(clock.timer.sleepUntil(start.add(60_000)));
  assert.equal(sleep.poll(), PENDING);
  assertAdvancesExactly(clock, 51.592);
  assert.equal(sleep.poll(), PENDING);
});

test("exact_1ms_advance", () => {
  assertAdvancesExactly(new VirtualClock(), 1, 1);
});

test("advance_once_with_timer", () => {
  const clock = new VirtualClock();
  const sleep = spawn(clock.timer.sleep(1));
  assert.equal(sleep.poll(), PENDING);
  clock.advance(0.25);
  assert.equal(sleep.poll(), PENDING);
  clock.advance(1.5);
  assert.ok(sleep.isWoken());
  assert.notEqual(sleep.poll(), PENDING);
});

test("advance_multi_with_timer", () => {
  const clock = new VirtualClock();
  const sleep = spawn(clock.timer.sleep(1));
  assert.equal(sleep.poll(), PENDING);
  for (let i = 0; i < 3; i++) {
    clock.advance(0.25);
    assert.equal(sleep.poll(), PENDING);
  }
  clock.advance(0.25);
  assert.ok(sleep.isWoken());
  assert.notEqual(sleep.poll(), PENDING);
});
