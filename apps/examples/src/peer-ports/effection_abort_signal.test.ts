// Port of Effection's test/abort-signal.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6), written from the structured concurrency guide:
// Effection's `useAbortSignal()` (a signal aborted when the operation's scope ends) is the
// `signal` of a scope's token (`scope.token.signal`), cancelled when the scope aborts its tasks,
// its close included.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, scoped, type TaskScope } from "@spindle/core";
import { pausedTask } from "./paused-clock.ts";

test("aborts whenever it passes out of scope", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    let aborts = 0;
    const signal = yield* executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<AbortSignal> {
      const signal = scope.token.signal;
      signal.addEventListener("abort", () => aborts++);
      assert.equal(signal.aborted, false);
      return signal;
    }));
    assert.equal(signal.aborted, true);
    assert.equal(aborts, 1);
  });
});
