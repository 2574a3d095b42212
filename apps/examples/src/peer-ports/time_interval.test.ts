// Port of tokio/tests/time_interval.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/timer's Interval, written from the timer README: tokio's paused clock is a
// VirtualClock moved by `advance`, `poll_tick` is `pollTick`, and `set_missed_tick_behavior` is
// the `missedTick` option given at creation.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Context,
  type Coroutine,
  LocalExecutor,
  next,
  PENDING,
  type Poll,
  Stream,
  STREAM_END,
} from "@spindle/core";
import { mpsc } from "@spindle/sync";
import {
  ElapsedError,
  Instant,
  type Interval,
  MAX_DURATION_MS,
  type MissedTickBehavior,
  VirtualClock,
} from "@spindle/timer";
import { spawnForStream } from "./support.ts";

/** A paused clock at 0, moved 1 ms on as every tokio test here does before it starts. */
function pausedClock(): { clock: VirtualClock; start: Instant } {
  const start = Instant.fromMillis(0);
  const clock = new VirtualClock({ start });
  clock.advance(1);
  return { clock, start };
}

/**
 * tokio's `check_interval_poll!`: each poll of `interval` is ready with `start` + the next delta,
 * then one more poll is pending.
 */
function checkIntervalPoll(interval: Interval, start: Instant, ...deltas: number[]): void {
  const task = spawnForStream();
  for (const delta of deltas) {
    const tick = interval.pollTick(task.cx);
    assert.notEqual(tick, PENDING, `expected the tick at start + ${delta} ms, the interval is pending`);
    assert.equal((tick as Instant).since(start), delta);
  }
  assert.equal(interval.pollTick(task.cx), PENDING);
}

/**
 * Upstream's sequences of `time::advance(ms)` then `check_interval_poll!(i, start, deltas...)`, as
 * `[ms, deltas]` pairs.
 */
function steps(clock: VirtualClock, interval: Interval, start: Instant, sequence: [number, number[]][]): void {
  for (const [ms, deltas] of sequence) {
    if (ms > 0) clock.advance(ms);
    checkIntervalPoll(interval, start, ...deltas);
  }
}

function intervalOf(missedTick?: MissedTickBehavior): { clock: VirtualClock; start: Instant; interval: Interval } {
  const { clock, start } = pausedClock();
  const interval = clock.timer.intervalAt(start, 300, missedTick === undefined ? undefined : { missedTick });
  return { clock, start, interval };
}

test("interval_zero_duration", () => {
  const clock = new VirtualClock();
  assert.throws(() => clock.timer.intervalAt(Instant.now(), 0), RangeError);
});

test("burst", () => {
  const { clock, start, interval } = intervalOf();
  steps(clock, interval, start, [[0, [0]], [100, []], [200, [300]], [650, [600, 900]], [200, []], [100, [1200]], [250, [
    1500,
  ]], [300, [1800]]]);
});

test("delay", () => {
  const { clock, start, interval } = intervalOf("delay");
  steps(clock, interval, start, [[0, [0]], [100, []], [200, [300]], [650, [600]], [100, []], [201, [1251]], [300, [
    1551,
  ]], [300, [1851]]]);
});

test("skip", () => {
  const { clock, start, interval } = intervalOf("skip");
  steps(clock, interval, start, [[0, [0]], [100, []], [200, [300]], [650, [600]], [250, [1200]], [300, [1500]], [300, [
    1800,
  ]]]);
});

/** The first 300 ms and a 100 ms wait of every reset test, before the interval is moved. */
function beforeReset(): { clock: VirtualClock; start: Instant; interval: Interval } {
  const setup = intervalOf();
  const { clock, start, interval } = setup;
  steps(clock, interval, start, [[0, [0]], [100, []], [200, [300]], [100, []]]);
  return setup;
}

test("reset", () => {
  const { clock, start, interval } = beforeReset();
  interval.reset();
  steps(clock, interval, start, [[250, []], [50, [701]], [300, [1001]]]);
});

test("reset_immediately", () => {
  const { clock, start, interval } = beforeReset();
  interval.resetImmediately();
  steps(clock, interval, start, [[0, [401]], [100, []], [200, [701]]]);
});

test("reset_after", () => {
  const { clock, start, interval } = beforeReset();
  interval.resetAfter(20);
  steps(clock, interval, start, [[20, [421]], [100, []], [200, [721]]]);
});

test("reset_at", () => {
  const { clock, start, interval } = beforeReset();
  interval.resetAt(clock.now().add(40));
  steps(clock, interval, start, [[40, [441]], [100, []], [200, [741]]]);
});

test("reset_at_bigger_than_interval", () => {
  const { clock, start, interval } = beforeReset();
  interval.resetAt(clock.now().add(1000));
  steps(clock, interval, start, [[300, []], [300, []], [300, []], [100, [1401]], [300, [1701]]]);
});

/**
 * tokio's `IntervalStreamer`: counts the interval's ticks and yields every fourth count, up to
 * 12; between, it wakes its own task when `wakeOnPending` (else it relies on `pollTick` alone,
 * which registers the waker only when it returns pending).
 */
class IntervalStreamer extends Stream<number> {
  #counter = 0;
  readonly #interval: Interval;
  readonly #wakeOnPending: boolean;

  constructor(interval: Interval, wakeOnPending: boolean) {
    super();
    this.#interval = interval;
    this.#wakeOnPending = wakeOnPending;
  }

  pollNext(cx: Context): Poll<number | typeof STREAM_END> {
    if (this.#counter > 12) return STREAM_END;
    if (this.#interval.pollTick(cx) === PENDING) return PENDING;
    this.#counter++;
    if (this.#counter % 4 === 0) return this.#counter;
    if (this.#wakeOnPending) cx.waker.wakeByRef();
    return PENDING;
  }
}

/** Runs the streamer under a 150 ms timeout, sending its items down a channel, and collects them. */
async function streamedItems(wakeOnPending: boolean): Promise<number[]> {
  const clock = new VirtualClock();
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  const [tx, rx] = mpsc.bounded<number>(12);
  const stream = new IntervalStreamer(clock.timer.interval(10), wakeOnPending);
  function* forward(): Coroutine<void> {
    try {
      for (let item; (item = yield* next(stream)) !== STREAM_END;) yield* tx.send(item);
    } finally {
      tx.drop();
    }
  }
  // tokio's timeout returns Err(Elapsed) as the spawned task's output, which nobody reads; here the
  // timeout throws ElapsedError, caught so the task ends as tokio's does.
  executor.spawn(function* (): Coroutine<void> {
    try {
      yield* clock.timer.timeout(forward(), 150);
    } catch (error) {
      if (!(error instanceof ElapsedError)) throw error;
    }
  }());
  const items = executor.spawn(function* (): Coroutine<number[]> {
    const got: number[] = [];
    for (let item; (item = yield* rx.recv()) !== STREAM_END;) got.push(item);
    return got;
  }());
  await executor.run();
  return await items;
}

test("stream_with_interval_poll_tick_self_waking", async () => {
  assert.deepEqual(await streamedItems(true), [4, 8, 12]);
});

test("stream_with_interval_poll_tick_no_waking", async () => {
  assert.deepEqual(await streamedItems(false), []);
});

test("interval_doesnt_panic_max_duration_when_polling", () => {
  const clock = new VirtualClock();
  const interval = clock.timer.interval(MAX_DURATION_MS);
  assert.notEqual(interval.pollTick(spawnForStream().cx), PENDING);
});
