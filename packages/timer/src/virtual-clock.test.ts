import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, PENDING } from "@spindle/core";
import { Instant, TimerClosedError, VirtualClock } from "./mod.ts";
import { recordingContext } from "./test-support/recording-waker.ts";

test("virtual time: a 1-hour sleep completes at once under advance()", () => {
  const clock = new VirtualClock();
  const started = performance.now();
  const sleep = clock.timer.sleep(3_600_000);
  const { cx, record } = recordingContext();
  assert.equal(sleep.poll(cx), PENDING);
  assert.equal(clock.advance(3_599_999.999), 0, "not due a microsecond early");
  assert.equal(record.wokenAt.length, 0);
  assert.equal(clock.advance(0.001), 1);
  assert.equal(record.wokenAt.length, 1);
  assert.equal(sleep.poll(cx), undefined);
  assert.ok(performance.now() - started < 1_000, "no real waiting (a hang bound, not a measure)");
  assert.equal(clock.timer.pendingCount, 0);
});

test("autoAdvance as an executor's onIdle hook runs sleeping tasks in deadline order, instantly", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const log: string[] = [];
  function* task(name: string, ms: number[]): Coroutine<void> {
    log.push(`${name} start`);
    for (const m of ms) {
      yield* clock.timer.sleep(m);
      log.push(`${name} at ${clock.now().millis}`);
    }
  }
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  executor.spawn(task("t1", [50, 30]));
  executor.spawn(task("t2", [10]));
  await executor.run();
  assert.deepEqual(log, ["t1 start", "t2 start", "t2 at 10", "t1 at 50", "t1 at 80"]);
});

test("advanceToNext jumps to the earliest deadline only", () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(1_000) });
  const a = clock.timer.sleep(20);
  const b = clock.timer.sleepUntil(Instant.fromMillis(1_005));
  const { cx } = recordingContext();
  a.poll(cx);
  b.poll(cx);
  assert.equal(clock.advanceToNext(), 1);
  assert.equal(clock.now().millis, 1_005);
  assert.equal(b.poll(cx), undefined);
  assert.equal(a.poll(cx), PENDING);
  assert.equal(clock.advanceToNext(), 1);
  assert.equal(clock.now().millis, 1_020);
  assert.equal(clock.advanceToNext(), 0, "nothing pending: the clock stays");
  assert.equal(clock.now().millis, 1_020);
});

test("closing the clock fails pending sleeps and new ones with TimerClosedError", () => {
  const clock = new VirtualClock();
  const sleep = clock.timer.sleep(10);
  const { cx, record } = recordingContext();
  assert.equal(sleep.poll(cx), PENDING);
  clock.close();
  assert.equal(record.wokenAt.length, 1, "the pending sleep was woken to fail");
  assert.throws(() => sleep.poll(cx), (e: unknown) => e instanceof TimerClosedError && e.reason === "disposed");
  assert.throws(() => blockOn(clock.timer.sleep(1)), TimerClosedError);
  assert.equal(clock.timer.isClosed, true);
  assert.equal(clock.timer.closeReason, "disposed");
});
