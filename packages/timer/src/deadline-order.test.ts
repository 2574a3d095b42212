import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor, pollFn } from "@spindle/core";
import { type Instant, type Timer, TimerReactor, VirtualClock } from "./mod.ts";

/**
 * `count` deadlines in a `windowMs` window from `start`, 5 µs apart (a dozen per 62.5 µs tick of
 * the timer queue), in random order: the order the tasks register in.
 */
function shuffledDeadlines(start: Instant, count: number, windowMs: number): Instant[] {
  const deadlines = Array.from({ length: count }, (_, i) => start.add((i * windowMs) / count));
  for (let i = deadlines.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [deadlines[i], deadlines[j]] = [deadlines[j]!, deadlines[i]!];
  }
  return deadlines;
}

/** Spawns one task per deadline that sleeps until it and then records it in `ran`. */
function spawnSleepers(executor: LocalExecutor, timer: Timer, deadlines: Instant[], ran: Instant[]): void {
  for (const deadline of deadlines) {
    executor.spawn(function* (): Coroutine<void> {
      yield* timer.sleepUntil(deadline);
      ran.push(deadline);
    }());
  }
}

function assertDeadlineOrder(ran: Instant[], count: number): void {
  assert.equal(ran.length, count, "every task ran");
  for (let i = 1; i < ran.length; i++) {
    assert.ok(
      ran[i - 1]!.compare(ran[i]!) <= 0,
      `task ${i - 1} (deadline ${ran[i - 1]}) ran before task ${i} (deadline ${ran[i]})`,
    );
  }
}

test("timers that fall due while the thread is held run their tasks in deadline order (timer thread)", async () => {
  const reactor = await TimerReactor.start({ driver: "thread" });
  try {
    const timer = reactor.timer;
    const executor = new LocalExecutor();
    const ran: Instant[] = [];
    // 600 deadlines (more than one fire's slice of 256) within 3 ms, registered in random order.
    const start = timer.now().add(20);
    const deadlines = shuffledDeadlines(start, 600, 3);
    spawnSleepers(executor, timer, deadlines, ran);
    // Spawned last, so polled after every sleeper registered: holds the thread until every
    // deadline has passed, so that the timer thread's wake is drained (and the queue fired) only
    // then, with all 600 due at once, as when the thread had no CPU while they passed.
    const end = start.add(5);
    executor.spawn(pollFn(() => {
      while (timer.now().compare(end) < 0) { /* hold the thread */ }
      return undefined;
    }));
    await executor.run();
    assertDeadlineOrder(ran, deadlines.length);
  } finally {
    reactor.close();
  }
});

test("timers that fall due in one advance of a virtual clock run their tasks in deadline order", async () => {
  const clock = new VirtualClock();
  const executor = new LocalExecutor();
  const ran: Instant[] = [];
  const deadlines = shuffledDeadlines(clock.now().add(1), 1_000, 10);
  spawnSleepers(executor, clock.timer, deadlines, ran);
  executor.spawn(pollFn(() => {
    clock.advance(20); // every task registered: all 1,000 deadlines pass at once
    return undefined;
  }));
  await executor.run();
  assertDeadlineOrder(ran, deadlines.length);
  clock.close();
});
