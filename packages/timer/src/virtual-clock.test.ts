import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  Context,
  type Coroutine,
  fromPromise,
  LocalExecutor,
  PENDING,
  type RawWakerVTable,
  Waker,
} from "@spindle/core";
import { microtaskErrorsOf, wakeLogContext, within } from "@spindle/test-support";
import { Instant, type Sleep, TimerClosedError, VirtualClock } from "./mod.ts";
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
  // Real waiting would take the hour: a minute is a hang bound no load reaches, not a measure.
  assert.ok(performance.now() - started < 60_000, "no real waiting");
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

test("autoAdvance jumps only after the host had a turn: a task woken by a settled promise runs before the clock moves", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const log: string[] = [];
  function* awaitsPromises(): Coroutine<void> {
    for (let i = 0; i < 3; i++) {
      yield* fromPromise(Promise.resolve(i));
      log.push(`promise ${i} at ${clock.now().millis}`);
    }
  }
  function* sleeps(): Coroutine<void> {
    yield* clock.timer.sleep(100);
    log.push(`sleep at ${clock.now().millis}`);
  }
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  executor.spawn(awaitsPromises());
  executor.spawn(sleeps());
  await executor.run();
  assert.deepEqual(log, ["promise 0 at 0", "promise 1 at 0", "promise 2 at 0", "sleep at 100"]);
});

test("steps add up exactly: ten advances of 0.1 ms reach a 1 ms sleep, and a microsecond short does not", () => {
  for (const start of [undefined, Instant.fromMillis(0), Instant.fromMillis(123_456.789)]) {
    const clock = new VirtualClock(start === undefined ? undefined : { start });
    const { cx, record } = recordingContext();
    const sleep = clock.timer.sleep(1);
    assert.equal(sleep.poll(cx), PENDING);
    clock.advance(0.05);
    const late = clock.timer.sleep(0.3); // made between steps, off the start's grid
    assert.equal(late.poll(cx), PENDING);
    for (let i = 0; i < 9; i++) clock.advance(0.1);
    assert.equal(record.wokenAt.length, 1, `start ${start?.millis}: the 0.3 ms sleep fell due on the way`);
    // (a nanosecond is below a double's resolution at the default start, about 6e10 ms: 7.6 ns)
    assert.equal(clock.advance(0.05 - 1e-3), 0, `start ${start?.millis}: a microsecond short of 1 ms`);
    assert.equal(sleep.poll(cx), PENDING);
    assert.equal(clock.advance(1e-3), 1, `start ${start?.millis}: the tenth step's last microsecond`);
    assert.equal(sleep.poll(cx), undefined);
    assert.equal(late.poll(cx), undefined);
  }
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

test("autoAdvance keeps jumping after a jump that woke only hand-polled sleeps, which their waker may drop (tokio's drop_from_wake)", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  // 100 sleeps polled once by hand with a waker of no task; waking it drops every one of them.
  const sleeps: Sleep[] = [];
  let wakes = 0;
  const vtable: RawWakerVTable<null> = {
    clone: () => ({ data: null, vtable }),
    wake: () => {
      wakes++;
      for (const sleep of sleeps.splice(0)) sleep[Symbol.dispose]();
    },
    wakeByRef: () => vtable.wake(null),
    drop: () => {},
  };
  const dropAll = Waker.fromRaw({ data: null, vtable });
  const cx = new Context(dropAll);
  for (let i = 0; i < 100; i++) {
    const sleep = clock.timer.sleep(10);
    assert.equal(sleep.poll(cx), PENDING);
    sleeps.push(sleep);
  }
  function* later(): Coroutine<number> {
    yield* clock.timer.sleep(11);
    return clock.now().millis;
  }
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  const handle = executor.spawn(later());
  await within(executor.run(), 5_000, "the executor");
  assert.equal(await handle, 11);
  assert.ok(wakes >= 1, "the hand-polled sleeps were woken at 10 ms");
  assert.equal(sleeps.length, 0);
  assert.equal(clock.timer.pendingCount, 0);
});

test("two executors on one clock: after a jump that woke only the other executor's task, autoAdvance jumps again", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const log: string[] = [];
  function* sleeper(name: string, ms: number): Coroutine<void> {
    yield* clock.timer.sleep(ms);
    log.push(`${name} at ${clock.now().millis}`);
  }
  // The other executor's sleep is registered (it parks, with no onIdle of its own); the first
  // jump of the auto-advancing one wakes only that task, while its own 20 ms sleep is pending.
  const other = new LocalExecutor();
  other.spawn(sleeper("other", 10));
  const otherRun = other.run();
  const advancing = new LocalExecutor({ onIdle: clock.autoAdvance });
  advancing.spawn(sleeper("advancing", 20));
  await within(Promise.all([otherRun, advancing.run()]), 5_000, "the two executors");
  assert.deepEqual(log, ["other at 10", "advancing at 20"]);
});

test("an executor idle with nothing on the clock resumes and advances when someone registers a deadline", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  function* waiter(): Coroutine<number> {
    yield* fromPromise(released);
    return clock.now().millis;
  }
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  const handle = executor.spawn(waiter());
  const running = executor.run();
  // The executor is parked (its task waits on a promise, the clock has no deadline); a sleep
  // polled by hand from a host callback, whose wake releases the task, must still fire.
  setTimeout(() => {
    const sleep = clock.timer.sleep(30_000);
    const vtable: RawWakerVTable<null> = {
      clone: () => ({ data: null, vtable }),
      wake: release,
      wakeByRef: release,
      drop: () => {},
    };
    const cx = new Context(Waker.fromRaw({ data: null, vtable }));
    assert.equal(sleep.poll(cx), PENDING);
  }, 5);
  await within(running, 5_000, "the executor");
  assert.equal(await handle, 30_000);
});

test("a waker that throws while the clock fires does not keep the other due sleeps from being woken", () => {
  const clock = new VirtualClock();
  const woken: number[] = [];
  const sleeps = Array.from({ length: 6 }, () => clock.timer.sleep(50));
  sleeps.forEach((sleep, i) => assert.equal(sleep.poll(wakeLogContext(i, woken, i === 2)), PENDING));
  // Before, the throw escaped advance() and sleeps 3 to 5, already taken off the queue, were
  // never woken: tasks waiting on them hung.
  const reported = microtaskErrorsOf(() => clock.advance(50));
  assert.deepEqual(woken, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(reported.map((e) => (e as Error).message), ["waker"]);
});
