// Port of tokio/tests/macros_select.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's `race([...])` (a `select!` whose branches own their futures: the losers are
// dropped) and `select(a, b)` (branches on `&mut future`: the loser is handed back), written from
// the core README.
// Differs: `race` polls its futures in the order given, as `select!` does under `biased;` (tokio
// otherwise starts at a random branch), so where tokio accepts either branch the port asserts the
// first. A branch's `if` precondition or `Some(x) =` pattern is the caller's in JavaScript: a future
// left out of the array; `select_streams`, `join_with_select` and `biased_eventually_ready` write
// that loop by hand. Not portable: `no_branch_else_only`, `no_branch_else_only_biased` (an `else`
// with no branch: `race([])` is INVALID_ARGUMENT), `struct_size_1`-`3` (Rust future sizes),
// `mutable_borrowing_future_with_same_borrow_in_block`, `..._and_else` (the borrow checker),
// `future_panics_after_poll` (a branch that a failed pattern disables after one poll: `race` has no
// patterns), `disable_with_if`, `use_future_in_if_condition`, `..._biased` (a precondition: the
// future is not in the array, so nothing of `race` is left to test), `never_branch_no_warnings`,
// `mut_on_left_hand_side`, `mut_ref_patterns` (Rust syntax), `deterministic_select_current_thread`,
// `deterministic_select_multi_thread` (tokio's seeded random start), `select_into_future`,
// `temporary_lifetime_extension` (Rust traits and lifetimes).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  asCompleted,
  blockOn,
  consumeBudget,
  type Context,
  type Coroutine,
  fromGenerator,
  LocalExecutor,
  next,
  PENDING,
  pollFn,
  race,
  ready,
  select,
  STREAM_END,
  yieldNow,
} from "@spindle/core";
import { mpsc, oneshot } from "@spindle/sync";
import { MockTask, onExecutor, value } from "./support.ts";

/** tokio's `async fn one() -> usize { 1 }`. */
function* one(): Coroutine<number> {
  return 1;
}

test("sync_one_lit_expr_comma / sync_one_lit_expr_no_comma / sync_one_lit_expr_block: one branch", () => {
  assert.equal(blockOn(race([value(1)])), 1);
  assert.equal(blockOn(race([ready(1)])), 1);
});

test("nested_one: a race inside a race", () => {
  assert.equal(blockOn(race([race([value(1)])])), 1);
});

test("sync_one_await / sync_one_ident: one branch that awaits, one named future", () => {
  assert.equal(blockOn(race([one()])), 1);
  const future = one();
  assert.equal(blockOn(race([future])), 1);
});

test("sync_two: two ready branches, exactly one runs (the first: race polls in order)", () => {
  let count = 0;
  function* counted(x: number): Coroutine<number> {
    count++;
    return x;
  }
  const result = blockOn(race([counted(1), counted(2)]));
  assert.equal(count, 1); // the second coroutine was dropped before it started
  assert.equal(result, 1);
});

test("drop_in_fut: a branch that awaits and then lets go of what it held", () => {
  let held: string | null = "hello";
  const result = blockOn(race([
    (function* (): Coroutine<number> {
      const v = yield* one();
      held = null;
      return v;
    })(),
  ]));
  assert.equal(result, 1);
  assert.equal(held, null);
});

test("one_ready: the ready receiver wins and the other is dropped", () => {
  const [tx1, rx1] = oneshot<number>();
  const [tx2, rx2] = oneshot<number>();
  tx1.send(1);
  assert.equal(blockOn(race([rx1, rx2])), 1);
  // Beyond tokio's test: the losing receiver was dropped, which its sender sees.
  assert.equal(tx2.isClosed, true);
});

test("select_streams: a receive dropped by the race loses no message", async () => {
  const [tx1, rx1] = mpsc.unbounded<number>();
  const [tx2, rx2] = mpsc.unbounded<number>();
  const executor = new LocalExecutor();
  executor.spawn(function* (): Coroutine<void> {
    tx2.send(1);
    yield* yieldNow();
    tx1.send(2);
    yield* yieldNow();
    tx2.send(3);
    yield* yieldNow();
    tx1.drop();
    tx2.drop();
  }());
  const received = executor.spawn(function* (): Coroutine<number[]> {
    const msgs: number[] = [];
    // `Some(x) = rx.recv()`: a receiver that ended drops out of the race (tokio disables its
    // branch); `else` once none is left.
    let open = [rx1, rx2];
    while (open.length > 0) {
      const [from, item] = yield* race(open.map(function* (rx): Coroutine<[typeof rx, number | typeof STREAM_END]> {
        return [rx, yield* next(rx)];
      }));
      if (item === STREAM_END) open = open.filter((rx) => rx !== from);
      else msgs.push(item);
    }
    return msgs;
  }());
  await executor.run();
  assert.deepEqual((await received).sort(), [1, 2, 3]);
});

test("move_uncompleted_futures: the branch that lost can still be awaited", () => {
  const [tx1, rx1] = oneshot<number>();
  const [tx2, rx2] = oneshot<number>();
  tx1.send(1);
  tx2.send(2);
  const ran = blockOn(function* (): Coroutine<boolean> {
    const first = yield* select(rx1, rx2);
    if (first.index === 0) {
      assert.equal(first.value, 1);
      assert.equal(yield* first.rest, 2);
    } else {
      assert.equal(first.value, 2);
      assert.equal(yield* first.rest, 1);
    }
    return true;
  }());
  assert.equal(ran, true);
});

test("nested: a branch's handler runs another race", () => {
  const result = blockOn(function* (): Coroutine<number> {
    const x = yield* race([value(1)]);
    return yield* race([(function* (): Coroutine<number> {
      const y = yield* value(2);
      return x + y;
    })()]);
  }());
  assert.equal(result, 3);
});

test("join_with_select: select in a loop, each branch enabled until it completed", () => {
  const [tx1, rx1] = oneshot<number>();
  const [tx2, rx2] = oneshot<number>();
  const task = new MockTask(fromGenerator(function* (): Coroutine<[number, number]> {
    // `v1 = &mut rx1, if a.is_none()`: the future that lost is handed back and raced again.
    const first = yield* select(rx1, rx2);
    const rest: number = yield* first.rest;
    return first.index === 0 ? [first.value, rest] : [rest, first.value];
  }()));
  assert.equal(task.poll(), PENDING);
  tx1.send(123);
  assert.ok(task.isWoken());
  assert.equal(task.poll(), PENDING);
  tx2.send(456);
  assert.ok(task.isWoken());
  assert.deepEqual(task.poll(), [123, 456]);
});

test("many_branches: 64 branches", () => {
  assert.equal(blockOn(race(Array.from({ length: 64 }, () => value(1)))), 1);
});

test("biased_one_not_ready: branches are polled in order, the first ready one wins", () => {
  const [tx1, rx1] = oneshot<number>();
  const [tx2, rx2] = oneshot<number>();
  const [tx3, rx3] = oneshot<number>();
  tx2.send(2);
  tx3.send(3);
  assert.equal(blockOn(race([rx1, rx2, rx3])), 2);
  assert.equal(tx1.isClosed, true);
});

test("biased_eventually_ready: futures kept across the loop complete one after another", async () => {
  // tokio pins three futures and selects on `&mut` each until all completed; asCompleted keeps
  // every future across its turns and hands each output over as it completes.
  const order: string[] = [];
  function* named(name: string, yields: boolean): Coroutine<string> {
    if (yields) yield* yieldNow();
    return name;
  }
  const count = await onExecutor(function* (): Coroutine<number> {
    let count = 0;
    const stream = asCompleted([named("two", true), named("three", true), named("one", false)]);
    for (let done; (done = yield* next(stream)) !== STREAM_END;) {
      count++;
      order.push(done);
    }
    return count;
  }());
  assert.equal(count, 3);
  assert.deepEqual(order, ["one", "two", "three"]);
});

test("select_is_budget_aware: a race whose first branch takes from the budget stops at 128 per task poll", async () => {
  const BUDGET = 128;
  /** tokio's `select! { biased; () = consume_budget() => {}, () = ready(()) => {} }`. */
  const task = () =>
    race<void>([
      pollFn((cx: Context) => (consumeBudget(cx) ? undefined : PENDING)),
      ready(undefined),
    ]);
  const outcomes = await onExecutor(pollFn((cx: Context) => {
    const polls: boolean[] = [];
    for (let i = 0; i < BUDGET + 1; i++) polls.push(task().poll(cx) !== PENDING);
    return polls;
  }));
  assert.deepEqual(outcomes.slice(0, BUDGET), Array(BUDGET).fill(true));
  assert.equal(outcomes[BUDGET], false);
});
