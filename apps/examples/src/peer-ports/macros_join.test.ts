// Port of tokio/tests/macros_join.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's `join(...futures)` (tokio's `join!`), written from the core README.
// Differs: `join` re-polls only the children that were woken, in the order they were woken
// (README), so it has no `biased;` form and does not rotate which child it polls first: three
// children that each yield are polled 1, 2, 3 every time (`futures_are_polled_in_order_in_biased_mode`'s
// order; `a_different_future_is_polled_first_every_time_poll_fn_is_polled` is ported to that
// documented order). Not portable: `join_size`, `join_size_biased` (Rust future sizes),
// `join_into_future` (`IntoFuture` is a Rust trait; a coroutine is the closest, ported in
// `sync_one_lit_expr_*`), `caller_names_const_count` (a Rust macro hygiene check).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, join, ready } from "@spindle/core";
import { Semaphore } from "@spindle/sync";
import { assertJoinWaitsForBoth, nonCooperativeTask, pollOrderOfThree, poorLittleTask } from "./join_children.ts";
import { onExecutor, value } from "./support.ts";

test("sync_one_lit_expr_comma / sync_one_lit_expr_no_comma: one child", () => {
  assert.deepEqual(blockOn(join(value(1))), [1]);
  assert.deepEqual(blockOn(join(ready(1))), [1]);
});

test("sync_two_lit_expr_comma / sync_two_lit_expr_no_comma: two children, outputs in order", () => {
  assert.deepEqual(blockOn(join(value(1), value(2))), [1, 2]);
});

test("two_await: join waits for both, and each completion wakes it", () => {
  assertJoinWaitsForBoth();
});

test("join_does_not_allow_tasks_to_starve", async () => {
  const permits = new Semaphore(1);
  const [nonCooperative, little] = await onExecutor(
    (function* (): Coroutine<[number, number]> {
      return yield* join(nonCooperativeTask(permits), poorLittleTask(permits));
    })(),
  );
  assert.equal(nonCooperative, 5);
  assert.equal(little, 5);
});

test("a_different_future_is_polled_first_every_time_poll_fn_is_polled: polled in wake order (see the header)", async () => {
  assert.deepEqual(await pollOrderOfThree(), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
});

test("futures_are_polled_in_order_in_biased_mode", async () => {
  assert.deepEqual(await pollOrderOfThree(), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
});

test("empty_join", () => {
  assert.deepEqual(blockOn(join()), []);
});
