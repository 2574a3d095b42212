// The children that tokio's macros_join.rs and macros_try_join.rs both run under `join!` and
// `try_join!`, shared by their two ports (core's `join` is both macros).
import assert from "node:assert/strict";
import { type Coroutine, join, PENDING, yieldNow } from "@spindle/core";
import { oneshot, type Semaphore } from "@spindle/sync";
import { MockTask, onExecutor } from "./support.ts";

/** Both files' `two_await`: `join` of two oneshots waits for both, and each completion wakes it. */
export function assertJoinWaitsForBoth(): void {
  const [tx1, rx1] = oneshot<string>();
  const [tx2, rx2] = oneshot<number>();
  const task = new MockTask(join(rx1, rx2));
  assert.equal(task.poll(), PENDING);
  tx2.send(123);
  assert.ok(task.isWoken());
  assert.equal(task.poll(), PENDING);
  tx1.send("hello");
  assert.ok(task.isWoken());
  assert.deepEqual(task.poll(), ["hello", 123]);
}

/** Takes and gives back a permit 128 times (a whole budget) per round, five rounds: returns 5. */
export function* nonCooperativeTask(permits: Semaphore): Coroutine<number> {
  let exceededBudget = 0;
  for (let i = 0; i < 5; i++) {
    // Another child should run after this one uses its whole budget.
    for (let j = 0; j < 128; j++) (yield* permits.acquire()).release();
    exceededBudget++;
  }
  return exceededBudget;
}

/** Takes and gives back a permit five times: returns how often it got to run (5). */
export function* poorLittleTask(permits: Semaphore): Coroutine<number> {
  let howManyTimesIGotToRun = 0;
  for (let i = 0; i < 5; i++) {
    (yield* permits.acquire()).release();
    howManyTimesIGotToRun++;
  }
  return howManyTimesIGotToRun;
}

function* recordPolls(x: number, order: number[]): Coroutine<void> {
  for (let i = 0; i < 4; i++) {
    order.push(x);
    yield* yieldNow();
  }
}

/** The order in which `join` polls three children that each yield four times. */
export async function pollOrderOfThree(): Promise<number[]> {
  const order: number[] = [];
  await onExecutor(join(recordPolls(1, order), recordPolls(2, order), recordPolls(3, order)));
  return order;
}
