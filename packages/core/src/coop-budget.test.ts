import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  budgetLeft,
  consumeBudget,
  Context,
  type Coroutine,
  fromGenerator,
  fromPromise,
  type Future,
  joinAll,
  LocalExecutor,
  PENDING,
  pollFn,
  race,
  ready,
  STREAM_END,
  TaskScope,
  usedBudgetUp,
  type Waker,
  yieldNow,
} from "./mod.ts";

/** How many host timer ticks a looping task must let fire before its loop ends. */
const TICKS = 3;

/**
 * Runs a loop of `step()` as the only task until a chain of host `setTimeout(0)` ticks, started
 * with it, has fired TICKS times (which happens only if the task lets the host have turns), or
 * until `maxSteps` steps (the cap, for a task that never lets the host run). No wall-clock bound:
 * a loaded machine runs fewer steps per time slice, never more, so the steps a passing run needs
 * only shrink under load. Returns the ticks and steps seen when the loop ended, and whether a
 * separate `setTimeout(0)` set at the start had fired by then.
 */
async function hostTicksDuring(
  step: () => Future<unknown>,
  maxSteps: number,
): Promise<{ firstTimerFired: boolean; ticks: number; steps: number }> {
  const executor = new LocalExecutor();
  let firstTimerFired = false;
  let ticks = 0;
  let steps = 0;
  setTimeout(() => (firstTimerFired = true), 0);
  const tick = (): void => {
    ticks++;
    if (ticks < TICKS) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  function* loop(): Coroutine<void> {
    while (ticks < TICKS && steps < maxSteps) {
      yield* step();
      steps++;
    }
  }
  executor.spawn(loop());
  await executor.run();
  return { firstTimerFired, ticks, steps };
}

/** Asserts that the loop ended because the host's timers fired, not at its step cap. */
function assertHostTicked(run: { firstTimerFired: boolean; ticks: number; steps: number }, maxSteps: number): void {
  assert.ok(
    run.ticks >= TICKS && run.steps < maxSteps,
    `only ${run.ticks} of ${TICKS} host timer ticks fired in ${run.steps} steps: the loop kept the thread`,
  );
  assert.ok(run.firstTimerFired, "the setTimeout(0) set before the loop fired during it");
}

// Step caps, hundreds of times what a passing run needs, and reached by a loop that never lets the
// host run: three ticks took 9,000-30,000 ready() steps and 600-7,700 parked or promise steps on
// the four runtimes at load 15 (a loaded machine fits fewer steps into a time slice, never
// more). With consumeBudget always granting, the ready() loop ran to its cap with no tick (4 s
// at that load); with a time slice that never ends, so did the two others (8 s and 14 s).
const READY_STEPS = 20_000_000;
const PARKED_STEPS = 2_000_000;

test("a task that loops over always-ready futures still lets a host setTimeout(0) fire", async () => {
  const run = await hostTicksDuring(() => ready(1), READY_STEPS);
  assertHostTicked(run, READY_STEPS);
});

test("a task whose futures are woken by microtasks (no host turn between parks) still lets a host setTimeout(0) fire", async () => {
  // Each step parks the executor, and a microtask wakes it within the same host turn, as
  // node:dgram's send reports (process.nextTick) did for a sendTo loop.
  const step = (): Future<void> => {
    let woken = false;
    return pollFn((cx) => {
      if (woken) return undefined;
      woken = true;
      const waker = cx.waker.clone();
      queueMicrotask(() => waker.wake());
      return PENDING;
    });
  };
  const run = await hostTicksDuring(step, PARKED_STEPS);
  assertHostTicked(run, PARKED_STEPS);
});

test("a loop over settled promises (fromPromise) and finished join handles shares the thread too", async () => {
  const executor = new LocalExecutor();
  function* child(): Coroutine<number> {
    return 1;
  }
  const done = executor.spawn(child());
  await executor.run();
  let joined = false;
  const run = await hostTicksDuring(() => {
    if (!joined) {
      joined = true;
      return done;
    }
    return fromPromise(Promise.resolve(1));
  }, PARKED_STEPS);
  assertHostTicked(run, PARKED_STEPS);
});

test("the budget makes a task yield to other ready tasks after 128 ready futures", async () => {
  const executor = new LocalExecutor();
  const order: string[] = [];
  function* greedy(): Coroutine<void> {
    for (let i = 0; i < 300; i++) {
      yield* ready(i);
      if (i % 100 === 0) order.push(`greedy ${i}`);
    }
    order.push("greedy done");
  }
  function* polite(): Coroutine<void> {
    order.push("other");
    yield* yieldNow();
  }
  executor.spawn(greedy());
  executor.spawn(polite());
  await executor.run();
  assert.deepEqual(order, ["greedy 0", "greedy 100", "other", "greedy 200", "greedy done"]);
});

test("outside an executor the budget is unlimited: blockOn and hand polling never see a refusal", () => {
  function* many(): Coroutine<number> {
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += yield* ready(1);
    return sum;
  }
  assert.equal(blockOn(many()), 10_000);
  const cx = Context.noop();
  for (let i = 0; i < 10_000; i++) assert.equal(consumeBudget(cx), true);
});

test("joinAll of n ready children in a task polls each child about once, not n/128 times, when the budget runs out", async () => {
  const n = 10_000;
  let polls = 0;
  const child = (value: number): Future<number> =>
    pollFn((cx) => {
      polls++;
      return consumeBudget(cx) ? value : PENDING;
    });
  const executor = new LocalExecutor();
  const sum = executor.spawn((function* (): Coroutine<number> {
    const outputs: number[] = yield* joinAll(Array.from({ length: n }, (_, i) => child(i)));
    return outputs.reduce((a, b) => a + b, 0);
  })());
  await executor.run();
  assert.equal(await sum, (n * (n - 1)) / 2);
  // Each child is polled once, plus once more for the one per parent poll that found the budget
  // empty (n / 128 of them); polling the rest of the batch after that cost about n² / 256.
  assert.ok(polls <= n + Math.ceil(n / 100), `${polls} child polls for ${n} children`);
});

test("a task woken from host callbacks is polled in the turn of each wake: the host had its turns, so the slice never makes it wait for another", async () => {
  // A setImmediate chain wakes the task once per host turn; a microtask queued after each wake
  // looks whether the poll came first (it runs as the executor's microtask). Before, the time
  // slice ran on across these parks and, once it ended (every ~1 ms), held the next wake back
  // for one more host turn: on Deno that resumed a UDP sender from a macrotask, whose sends then
  // passed the receiver (see LocalExecutor's `#hostTurned`).
  const executor = new LocalExecutor();
  let waker: Waker | null = null;
  let awaitingPoll = false;
  let polls = 0;
  let late = 0;
  let running = true;
  const hostTurn = (): void => {
    if (!running) return;
    const woken = waker;
    waker = null;
    if (woken !== null) {
      awaitingPoll = true;
      woken.wake();
      queueMicrotask(() => {
        if (awaitingPoll) late++;
      });
    }
    setImmediate(hostTurn);
  };
  function* woken(): Coroutine<void> {
    // 2,000 wakes: well over one 1 ms slice (20-110 ms here), checked every 32 polls.
    while (polls < 2000) {
      yield* pollFn((cx) => {
        if (awaitingPoll) {
          awaitingPoll = false;
          polls++;
          return undefined;
        }
        waker = cx.waker.clone();
        return PENDING;
      });
    }
  }
  const task = executor.spawn(woken());
  setImmediate(hostTurn);
  await executor.run();
  running = false;
  await task;
  assert.equal(late, 0, `${late} of ${polls} polls came a host turn after their wake`);
});

test("a child that uses the budget up every poll does not starve its siblings: race([busy loop, yieldNow()]) completes (tokio select!)", async () => {
  const busy = (counter: { turns: number }): Future<string> =>
    fromGenerator((function* (): Coroutine<string> {
      while (counter.turns++ < 100_000) yield* ready(null);
      return "the busy loop kept its siblings from being polled";
    })());
  const yielded = (order: string[]): Future<string> =>
    fromGenerator((function* (): Coroutine<string> {
      yield* yieldNow();
      order.push("yielded");
      return "yielded";
    })());
  const raced = { turns: 0 };
  const joined = { turns: 0 };
  const order: string[] = [];
  const executor = new LocalExecutor();
  const inRace = executor.spawn(race([busy(raced), yielded([])]));
  const inJoin = executor.spawn((function* (): Coroutine<void> {
    yield* joinAll([busy(joined), yielded(order)]);
    order.push("busy done");
  })());
  await executor.run();
  await inJoin;
  assert.equal(await inRace, "yielded");
  assert.ok(raced.turns < 1000, `${raced.turns} busy turns before yieldNow's second poll`);
  // In a joinAll the sibling behind the busy child completes long before the busy child does.
  assert.deepEqual(order, ["yielded", "busy done"]);
});

test("a scope's joinNext of finished tasks takes from the budget: a loop over 1,000 results returns to the executor (tokio join_set_coop)", async () => {
  const executor = new LocalExecutor();
  let joined = 0;
  let othersRan = 0;
  const scope = new TaskScope<number>({ executor });
  for (let i = 0; i < 1000; i++) scope.spawn(ready(i));
  const joiner = executor.spawn((function* (): Coroutine<void> {
    yield* yieldNow(); // every task of the scope runs and finishes first
    while ((yield* scope.joinNext()) !== STREAM_END) joined++;
  })());
  executor.spawn((function* (): Coroutine<void> {
    yield* yieldNow();
    yield* yieldNow();
    othersRan = joined; // where the joiner stood when this task got its turn
  })());
  await executor.run();
  await joiner;
  assert.equal(joined, 1000);
  assert.ok(othersRan < 1000, `the other task ran only after all ${othersRan} joins`);
});

test("a task poll grants exactly 128 units, then refuses one (tokio test_iter_coop_budget; the README's 128)", async () => {
  const executor = new LocalExecutor();
  const granted = executor.spawn(pollFn<number>((cx) => {
    let n = 0;
    while (n < 1000 && consumeBudget(cx)) n++;
    return n;
  }));
  await executor.run();
  assert.equal(await granted, 128);
});

test("usedBudgetUp tells a child that used the budget up in this poll from one that found it empty; bad input is named", async () => {
  const answers: boolean[] = [];
  const executor = new LocalExecutor();
  executor.spawn(pollFn((cx) => {
    const before = budgetLeft();
    while (consumeBudget(cx)); // a child that uses every unit, then is refused one
    answers.push(usedBudgetUp(before));
    const emptyBefore = budgetLeft();
    consumeBudget(cx); // a child that finds the budget empty
    answers.push(usedBudgetUp(emptyBefore));
    return undefined;
  }));
  await executor.run();
  assert.deepEqual(answers, [true, false]);
  assert.equal(usedBudgetUp(budgetLeft()), false, "outside an executor the budget never runs out");
  assert.throws(() => usedBudgetUp("128" as unknown as number), /budgetBefore must be a number, got "128"/);
});
