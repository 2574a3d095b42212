// Port of tokio/tests/task_yield_now.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's yieldNow, written from the core README. Not portable:
// yield_now_external_executor_and_block_in_place (tokio's block_in_place: core refuses a blockOn
// inside a task, which would stall the executor's other tasks, and has no block_in_place).
import assert from "node:assert/strict";
import { test } from "node:test";
import { PENDING, yieldNow } from "@spindle/core";
import { MockTask } from "./support.ts";

test("yield_now_outside_of_runtime", () => {
  const task = new MockTask(yieldNow());
  assert.equal(task.poll(), PENDING);
  assert.ok(task.isWoken());
  assert.notEqual(task.poll(), PENDING);
});
