// Port of tokio/tests/macros_try_join.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's `join(...futures)`, written from the core README: `join` already is tokio's
// `try_join!`, since a child that fails drops the others and its error propagates. Rust's
// `Ok(v)` is a child that returns `v`, an `Err` one that throws. As in the `macros_join.rs` port,
// `join` polls the woken children in the order they were woken, with no `biased;` form and no
// rotation: `a_different_future_is_polled_first_every_time_poll_fn_is_polled` is ported to that
// documented order. Not portable: `try_join_size`, `try_join_size_biased` (Rust future sizes),
// `caller_names_const_count` (a Rust macro hygiene check).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, join, PENDING } from "@spindle/core";
import { ClosedError, oneshot, Semaphore } from "@spindle/sync";
import { assertJoinWaitsForBoth, nonCooperativeTask, pollOrderOfThree, poorLittleTask } from "./join_children.ts";
import { MockTask, onExecutor, value } from "./support.ts";

test("sync_one_lit_expr_comma / sync_one_lit_expr_no_comma: one child", () => {
  assert.deepEqual(blockOn(join(value(1))), [1]);
});

test("sync_two_lit_expr_comma / sync_two_lit_expr_no_comma: two children, outputs in order", () => {
  assert.deepEqual(blockOn(join(value(1), value(2))), [1, 2]);
});

test("two_await", () => {
  assertJoinWaitsForBoth();
});

test("err_abort_early: a child's failure ends the join while another is still pending", () => {
  const [tx1, rx1] = oneshot<string>();
  const [tx2, rx2] = oneshot<number>();
  const [tx3, rx3] = oneshot<number>();
  const task = new MockTask(join(rx1, rx2, rx3));
  assert.equal(task.poll(), PENDING);
  tx2.send(123);
  assert.ok(task.isWoken());
  assert.equal(task.poll(), PENDING);
  tx1[Symbol.dispose]();
  assert.ok(task.isWoken());
  assert.throws(() => task.poll(), ClosedError);
  assert.ok(tx3.isClosed, "the pending child was dropped with the join");
});

test("try_join_does_not_allow_tasks_to_starve", async () => {
  const permits = new Semaphore(10);
  const [nonCooperative, little] = await onExecutor(join(nonCooperativeTask(permits), poorLittleTask(permits)));
  assert.equal(nonCooperative, 5);
  assert.equal(little, 5);
});

test("a_different_future_is_polled_first_every_time_poll_fn_is_polled: polled in wake order (see the header)", async () => {
  assert.deepEqual(await pollOrderOfThree(), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
});

test("futures_are_polled_in_order_in_biased_mode", async () => {
  assert.deepEqual(await pollOrderOfThree(), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
});

test("empty_try_join", () => {
  assert.deepEqual(blockOn(join()), []);
});
