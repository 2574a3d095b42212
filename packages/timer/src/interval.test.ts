import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, Context, PENDING, SpindleError } from "@spindle/core";
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
  // Named without JSON.stringify, which threw a TypeError on a bigint and showed a symbol as undefined.
  assert.throws(() => timer.interval(10, { missedTick: 10n as never }), /RangeError: missedTick .* got 10n$/);
  assert.throws(() => timer.interval(10, { missedTick: Symbol("s") as never }), /got Symbol\(s\)/);
  // null was taken as "not given" (`??`), where every other option refuses it.
  assert.throws(() => timer.interval(10, { missedTick: null as never }), /RangeError: missedTick .* got null$/);
  // Options that are not an object: a TypeError from reading `null.missedTick` before.
  assert.throws(
    () => timer.interval(10, null as never),
    /interval\(\)'s options must be an object or undefined, got null/,
  );
  assert.throws(() => timer.intervalAt(timer.now(), 10, 5 as never), /interval\(\)'s options .* got 5/);
  assert.throws(() => new VirtualClock(null as never), /new VirtualClock\(\)'s options .* got null/);
});

test("intervalAt: the first tick at the start instant, then every period; a non-Instant start is rejected", () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const interval = clock.timer.intervalAt(Instant.fromMillis(1_000), 100);
  const { cx } = recordingContext();
  assert.equal(interval.pollTick(cx), PENDING, "no tick before the start");
  clock.advance(999);
  assert.equal(interval.pollTick(cx), PENDING);
  clock.advance(1);
  assert.equal((interval.pollTick(cx) as Instant).millis, 1_000);
  clock.advance(100);
  assert.equal((interval.pollTick(cx) as Instant).millis, 1_100);
  interval[Symbol.dispose]();
  assert.throws(() => clock.timer.intervalAt(1_000 as never, 100), (e: unknown) => e instanceof RangeError);
});

test("interval reset, resetImmediately, resetAfter and resetAt move the next tick; a waiting task follows it", () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const interval = clock.timer.interval(100);
  const { cx, record } = recordingContext();
  assert.equal((interval.pollTick(cx) as Instant).millis, 0);
  assert.equal(interval.pollTick(cx), PENDING); // waiting for the tick at 100
  clock.advance(30);
  interval.reset(); // next at 30 + 100
  assert.equal(interval.nextTick.millis, 130);
  clock.advance(70); // 100: the old tick is not due any more
  assert.equal(record.wokenAt.length, 0, "not woken at the old tick");
  clock.advance(30); // 130
  assert.equal(record.wokenAt.length, 1, "the waiting task is woken at the moved tick");
  assert.equal((interval.pollTick(cx) as Instant).millis, 130);
  assert.equal(interval.nextTick.millis, 230, "the period goes on from the moved tick");
  interval.resetImmediately();
  assert.equal((interval.pollTick(cx) as Instant).millis, 130, "due at once");
  assert.equal(interval.nextTick.millis, 230);
  interval.resetAfter(15);
  assert.equal(interval.pollTick(cx), PENDING);
  clock.advance(15);
  assert.equal((interval.pollTick(cx) as Instant).millis, 145);
  interval.resetAt(Instant.fromMillis(500));
  assert.equal(interval.pollTick(cx), PENDING);
  clock.advance(355);
  assert.equal((interval.pollTick(cx) as Instant).millis, 500);
  assert.equal(interval.nextTick.millis, 600);
  assert.throws(() => interval.resetAfter(-1), (e: unknown) => e instanceof RangeError && /-1/.test(e.message));
  assert.throws(
    () => interval.resetAt("later" as never),
    (e: unknown) => e instanceof RangeError && /later/.test(e.message),
  );
  interval[Symbol.dispose]();
  assert.equal(clock.timer.pendingCount, 0);
});

test("a completed tick() polled again throws FUTURE_COMPLETED and does not take the next tick", () => {
  const clock = new VirtualClock();
  const interval = clock.timer.interval(10);
  const start = clock.now();
  const cx = Context.noop();
  const first = interval.tick();
  assert.ok(first.poll(cx) !== PENDING); // the first tick is immediate
  clock.advance(10);
  assert.throws(() => first.poll(cx), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
  // The tick due at 10 ms is still there for the next tick() (the re-poll used to take it).
  assert.equal(blockOn(interval.tick()).since(start), 10);
});
