// Port of Effection's test/ensure.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6), written from the core README. Spindle has no
// `ensure()`: the closest form is a `try`/`finally` around the rest of the task, whose `finally`
// may wait (core README: each `finally` block is polled to completion). Effection registers the
// clean-up where `ensure` is called; here the `try` opens there. Sleeps are a VirtualClock's.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Coroutine } from "@spindle/core";
import { pausedTask } from "./paused-clock.ts";

test("runs the given operation at the end of the task", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    let state = "pending";
    const root = executor.spawn(function* (): Coroutine<void> {
      yield* clock.timer.sleep(10);
      try {
        // the rest of the task (nothing)
      } finally {
        state = "started";
        yield* clock.timer.sleep(10);
        state = "completed";
      }
    }());
    yield* clock.timer.sleep(5);
    assert.equal(state, "pending");
    yield* clock.timer.sleep(10);
    assert.equal(state, "started");
    yield* root;
    assert.equal(state, "completed");
  });
});

test("runs the given function at the end of the task", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    let state = "pending";
    const root = executor.spawn(function* (): Coroutine<void> {
      yield* clock.timer.sleep(10);
      try {
        // the rest of the task (nothing)
      } finally {
        state = "completed";
      }
    }());
    yield* clock.timer.sleep(5);
    assert.equal(state, "pending");
    yield* root;
    assert.equal(state, "completed");
  });
});
