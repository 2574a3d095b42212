import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
  blockOn,
  Context,
  type Coroutine,
  joinAll,
  LocalExecutor,
  PENDING,
  type RawWakerVTable,
  SpindleError,
  Waker,
} from "@spindle/core";
import { clockNow } from "../clock.ts";
import { Instant, type Timer, TimerReactor } from "../mod.ts";
import { SharedTimerState } from "./shared-state.ts";
import { until } from "@spindle/test-support";
import { recordingContext } from "../test-support/recording-waker.ts";

const reactor = await TimerReactor.start({ driver: "thread" });
after(() => reactor.close());
const timer = reactor.timer;

/** `until` with this file's bound (20 s) and step (5 ms). */
const waitFor = (done: () => boolean, what: string): Promise<void> => until(done, what, 20_000, 5);

/** The shared deadline the timer thread holds for this thread's queue (read under the mutex). */
function publishedDeadline(t: Timer): number {
  const state = SharedTimerState.attach(t.share().buffer);
  assert.ok(state.lock());
  try {
    return state.deadline(0);
  } finally {
    state.unlock();
  }
}

test("the seed's example: t2 wakes after 10 ms, t1 after 50 then 80 ms, none early", async () => {
  const log: string[] = [];
  const early: string[] = [];
  const start = Instant.now();
  function* task(name: string, sleeps: number[]): Coroutine<void> {
    log.push(`${name} start`);
    let total = 0;
    for (const ms of sleeps) {
      const before = Instant.now();
      yield* timer.sleep(ms);
      if (before.elapsed() < ms) early.push(`${name} woke ${before.elapsed()} ms into a ${ms} ms sleep`);
      total += ms;
      log.push(`${name} after ${total} ms`);
    }
  }
  const executor = new LocalExecutor();
  executor.spawn(task("t1", [50, 30]));
  executor.spawn(task("t2", [10]));
  await executor.run();
  assert.deepEqual(log, ["t1 start", "t2 start", "t2 after 10 ms", "t1 after 50 ms", "t1 after 80 ms"]);
  assert.deepEqual(early, []);
  assert.ok(start.elapsed() >= 80);
});

test("100,000 sleeps with random deadlines each fire exactly once, none early", async () => {
  const seen: { deadline: number; wokenAt: readonly number[] }[] = [];
  const sleeps = [];
  for (let i = 0; i < 100_000; i++) {
    // Each deadline from its own creation time: on a loaded machine building 100,000 sleeps can
    // take longer than 400 ms, and a deadline already passed at the first poll is not PENDING.
    const deadline = clockNow() + 400 + Math.random() * 300;
    const { cx, record } = recordingContext();
    const sleep = timer.sleepUntil(Instant.fromMillis(deadline));
    if (sleep.poll(cx) !== PENDING) {
      // A pause of over 400 ms between the deadline and the poll (seen at load 30-45): then the
      // sleep is ready at once, which is right only if its deadline has passed.
      assert.ok(clockNow() >= deadline, "a sleep ready at its first poll before its deadline");
      continue;
    }
    seen.push({ deadline, wokenAt: record.wokenAt });
    sleeps.push(sleep);
  }
  await waitFor(() => timer.pendingCount === 0, "every sleep to fire");
  await new Promise((resolve) => setTimeout(resolve, 20)); // a late duplicate wake would land here
  assert.equal(seen.filter((s) => s.wokenAt.length !== 1).length, 0, "woken exactly once");
  assert.equal(seen.filter((s) => s.wokenAt.some((at) => at < s.deadline)).length, 0, "never early");
  const cx = Context.noop();
  assert.equal(sleeps.filter((s) => s.poll(cx) !== undefined).length, 0, "every sleep is complete when polled");
  assert.equal(publishedDeadline(timer), Infinity);
});

test("100,000 sleeps dropped before their deadline leave the registry empty and wake nothing", async () => {
  const { cx, record } = recordingContext();
  // Deadlines 3 s ahead of one start: creating and polling 100,000 sleeps took 550 ms on a loaded
  // 2-vCPU machine (Node 22, other test runs beside it) and over 1 s at load 18 (Node 24), and a
  // deadline reached meanwhile is cleared by the timer thread (it fires the client) before the
  // check below.
  const start = clockNow();
  const sleeps = Array.from(
    { length: 100_000 },
    () => timer.sleepUntil(Instant.fromMillis(start + 3_000 + Math.random() * 100)),
  );
  for (const sleep of sleeps) assert.equal(sleep.poll(cx), PENDING);
  assert.equal(timer.pendingCount, 100_000);
  assert.ok(publishedDeadline(timer) < Infinity);
  for (const sleep of sleeps) sleep[Symbol.dispose]();
  assert.equal(timer.pendingCount, 0);
  assert.equal(publishedDeadline(timer), Infinity, "the timer thread holds no deadline for this thread");
  await new Promise((resolve) => setTimeout(resolve, start + 3_200 - clockNow())); // past every deadline
  assert.deepEqual(record.wokenAt, []);
});

test("a sleep polled under one waker and then another wakes only the latest", async () => {
  // Both polls must come before the deadline: with 15 ms, one Bun run on a loaded machine (load
  // average 19 on 2 vCPUs) was preempted for longer between them and the second poll completed.
  const sleep = timer.sleep(200);
  const first = recordingContext();
  const second = recordingContext();
  assert.equal(sleep.poll(first.cx), PENDING);
  assert.equal(sleep.poll(second.cx), PENDING);
  await waitFor(() => second.record.wokenAt.length > 0, "the latest waker");
  assert.equal(first.record.wokenAt.length, 0);
  assert.equal(sleep.poll(second.cx), undefined);
});

test("a sleep first polled after its deadline passed completes promptly", () => {
  const sleep = timer.sleep(1);
  const start = Instant.now();
  while (start.elapsed() < 3); // the deadline passes before the first poll
  assert.equal(blockOn(sleep), undefined);
  assert.equal(timer.pendingCount, 0);
});

test("a sleep whose deadline passed before it registered is woken by its own thread, not the timer thread", async () => {
  const state = SharedTimerState.attach(timer.share().buffer);
  await waitFor(() => timer.pendingCount === 0, "earlier sleeps to settle");
  const sleep = timer.sleep(0.5);
  const start = Instant.now();
  while (start.elapsed() < 1); // due before its first poll, which compares with the reading at creation
  const { cx, record } = recordingContext();
  const before = state.notifies;
  assert.equal(sleep.poll(cx), PENDING, "registered: its first poll does not read the clock");
  await waitFor(() => record.wokenAt.length > 0, "the sleep's wake");
  assert.equal(state.notifies - before, 0, "the timer thread was not asked to wake this thread");
  assert.equal(sleep.poll(cx), undefined);
  assert.ok(record.wokenAt[0]! >= sleep.deadline.millis, "never early");
});

/** Coroutines that sleep until `deadline` and return the clock when they resume. */
function sleepers(count: number, deadline: Instant): Coroutine<number>[] {
  return Array.from({ length: count }, () =>
    function* (): Coroutine<number> {
      yield* timer.sleepUntil(deadline);
      return clockNow();
    }());
}

// A burst: many times the slice one fire wakes (256), all due at once.
const BURST = 3_000;

test("a burst of due sleeps is woken whole before the host's next turn, none early", async () => {
  await waitFor(() => timer.pendingCount === 0, "earlier sleeps to settle");
  const deadline = timer.now().add(300);
  const wokenAt: number[] = [];
  let wokenBeforeNextTurn = -1;
  const wake = (): void => {
    if (wokenAt.push(clockNow()) === 1) setImmediate(() => (wokenBeforeNextTurn = wokenAt.length));
  };
  const vtable: RawWakerVTable<null> = {
    clone: () => ({ data: null, vtable }),
    wake,
    wakeByRef: wake,
    drop: () => {},
  };
  const cx = new Context(Waker.fromRaw({ data: null, vtable }));
  const sleeps = Array.from({ length: BURST }, () => timer.sleepUntil(deadline));
  for (const sleep of sleeps) assert.equal(sleep.poll(cx), PENDING);
  assert.ok(clockNow() < deadline.millis, "registered before the deadline: the burst is due at once");
  await waitFor(() => wokenBeforeNextTurn >= 0, "the burst's first wake and the host turn after it");
  assert.equal(wokenBeforeNextTurn, BURST, "the slices after the first waited for no host turn");
  assert.ok(wokenAt.every((at) => at >= deadline.millis), "never early");
  for (const sleep of sleeps) assert.equal(sleep.poll(cx), undefined);
  assert.equal(timer.pendingCount, 0);
});

test("a burst's tasks are polled a slice at a time: the first runs before the burst's last slice is woken", async () => {
  await waitFor(() => timer.pendingCount === 0, "earlier sleeps to settle");
  // Far enough ahead for the first polls of every task to register before it, on a loaded machine.
  const deadline = timer.now().add(1_000);
  const executor = new LocalExecutor();
  let firstRanWithPending = -1;
  const handles = sleepers(BURST, deadline).map((sleeper) =>
    executor.spawn(function* (): Coroutine<number> {
      const resumedAt = yield* sleeper;
      if (firstRanWithPending < 0) firstRanWithPending = timer.pendingCount;
      return resumedAt;
    }())
  );
  const run = executor.run();
  await waitFor(() => timer.pendingCount === BURST, "every task's sleep to register");
  assert.ok(clockNow() < deadline.millis, "registered before the deadline: the burst is due at once");
  await run;
  for (const handle of handles) assert.ok((await handle) >= deadline.millis, "never early");
  assert.ok(
    firstRanWithPending > 0,
    `the first task ran with ${firstRanWithPending} sleeps of the burst not yet taken`,
  );
  assert.equal(timer.pendingCount, 0);
});

test("blockOn waits out a burst of due sleeps (its thread fires the next slice itself), none early", () => {
  const deadline = timer.now().add(50);
  const resumedAt = blockOn(joinAll(sleepers(BURST, deadline)));
  assert.equal(resumedAt.length, BURST);
  assert.ok(resumedAt.every((at) => at >= deadline.millis), "never early");
  assert.equal(timer.pendingCount, 0);
});

test("sleeps registered in one turn notify the timer thread at most once", async () => {
  const state = SharedTimerState.attach(timer.share().buffer);
  await waitFor(() => timer.pendingCount === 0, "earlier sleeps to settle");
  const before = state.notifies;
  const { cx } = recordingContext();
  const sleeps = Array.from({ length: 1_000 }, () => timer.sleep(20));
  for (const sleep of sleeps) sleep.poll(cx);
  // Once, or not at all when the timer thread already sleeps until an earlier deadline (it has
  // not rescanned since the earlier sleeps fired): never once per sleep.
  assert.ok(state.notifies - before <= 1, `${state.notifies - before} notifies for 1,000 sleeps`);
  await waitFor(() => timer.pendingCount === 0, "the sleeps to fire");
});

test("the host driver: same API, reported, and not shareable", async () => {
  const host = await TimerReactor.start({ driver: "host" });
  assert.equal(host.driver, "host");
  assert.equal(host.timer.driver, "host");
  const start = Instant.now();
  const executor = new LocalExecutor();
  const slept = executor.spawn(function* (): Coroutine<number> {
    yield* host.timer.sleep(12);
    return start.elapsed();
  }());
  await executor.run();
  assert.ok((await slept) >= 12);
  assert.throws(
    () => host.timer.share(),
    (e: unknown) => e instanceof SpindleError && /driven by "host"/.test(e.message),
  );
  assert.equal(reactor.driver, "thread");
  host.close();
});

test("bad options are rejected, naming the value", async () => {
  await assert.rejects(TimerReactor.start({ driver: "fast" as "thread" }), /"thread", "host" or "auto", got "fast"/);
  // start(null) used to start a reactor, and start(5) too (their driver read as "auto").
  for (const [bad, shown] of [[null, "null"], [5, "5"], ["host", '"host"']] as const) {
    await assert.rejects(
      TimerReactor.start(bad as never),
      (e: unknown) =>
        e instanceof SpindleError && e.code === "INVALID_ARGUMENT" &&
        e.message === `TimerReactor.start()'s options must be an object or undefined, got ${shown}`,
    );
  }
  await assert.rejects(
    TimerReactor.start({ driver: "host", warnOnFallback: "no" as never }),
    (e: unknown) => e instanceof SpindleError && /warnOnFallback must be a boolean, got "no"/.test(e.message),
  );
});
