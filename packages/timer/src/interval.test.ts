import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING } from "@spindle/core";
import { Instant, type MissedTickBehavior, VirtualClock } from "./mod.ts";
import { recordingContext } from "./test-support/recording-waker.ts";

/** Ticks (relative to the start) taken after each advance, with `ready` ticks drained each time. */
function ticksAfter(missedTick: MissedTickBehavior, advances: number[]): number[][] {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const interval = clock.timer.interval(100, { missedTick });
  const { cx } = recordingContext();
  const rounds: number[][] = [];
  for (const ms of advances) {
    clock.advance(ms);
    const taken: number[] = [];
    for (let output = interval.pollTick(cx); output !== PENDING; output = interval.pollTick(cx)) {
      taken.push(output.millis);
    }
    rounds.push(taken);
  }
  interval[Symbol.dispose]();
  return rounds;
}

test("the first tick is immediate", () => {
  assert.deepEqual(ticksAfter("burst", [0]), [[0]]);
});

test("on-time ticks keep the period", () => {
  assert.deepEqual(ticksAfter("burst", [0, 99, 1, 100, 100]), [[0], [], [100], [200], [300]]);
});

test("missed ticks: burst catches up, delay restarts from now, skip keeps the phase", () => {
  // After the first tick, 350 ms pass: the ticks at 100, 200 and 300 are late.
  assert.deepEqual(ticksAfter("burst", [0, 350, 50]), [[0], [100, 200, 300], [400]]);
  assert.deepEqual(ticksAfter("delay", [0, 350, 50, 100]), [[0], [100], [], [450]]);
  assert.deepEqual(ticksAfter("skip", [0, 350, 50]), [[0], [100], [400]]);
});

test("tick() is a future: ready at once when due, pending and registered with the timer until then", () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const interval = clock.timer.interval(10);
  assert.equal(blockOn(interval.tick()).millis, 0);
  const tick = interval.tick();
  assert.equal(tick.poll(recordingContext().cx), PENDING);
  assert.equal(clock.timer.pendingCount, 1);
  tick[Symbol.dispose]();
  interval[Symbol.dispose]();
});

test("dropping a pending tick and then the interval deregisters both from the timer", () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const interval = clock.timer.interval(10);
  blockOn(interval.tick());
  const tick = interval.tick();
  assert.equal(tick.poll(recordingContext().cx), PENDING);
  tick[Symbol.dispose]();
  assert.equal(clock.timer.pendingCount, 0);
  assert.equal(interval.nextTick.millis, 10, "the interval keeps its schedule");
  interval[Symbol.dispose]();
  assert.equal(clock.timer.pendingCount, 0);
});

test("a bad period or missedTick is rejected, naming the value", () => {
  const { timer } = new VirtualClock();
  assert.throws(() => timer.interval(0), /greater than 0 ms, got 0/);
  assert.throws(() => timer.interval(-5), /got -5/);
  assert.throws(
    () => timer.interval(10, { missedTick: "later" as MissedTickBehavior }),
    /"burst", "delay" or "skip", got "later"/,
  );
});
