// Port of Effection's test/lift.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6), written from the core and sync READMEs. Effection's
// `yield* lift(fn)()` makes a plain call a point where the operation can be stopped; here the call
// is plain and the next `yield*` is that point (an abort throws a `CancelledError` in there).
// The signal is an unbounded `mpsc` channel; `signal.close` is dropping its sender.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, next, scoped, STREAM_END, type TaskScope, yieldNow } from "@spindle/core";
import { mpsc } from "@spindle/sync";
import { pausedTask } from "./paused-clock.ts";

test("safely does not continue if the call stops the operation", async () => {
  let reached = false;
  await pausedTask(function* (executor, clock): Coroutine<void> {
    yield* executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      const [signal, rx] = mpsc.unbounded<void>();
      scope.spawn(function* (): Coroutine<void> {
        yield* clock.timer.sleep(0);
        signal.drop(); // ends the parent's loop: the parent returns and its scope aborts this task
        yield* yieldNow();
        reached = true;
      }());
      while ((yield* next(rx)) !== STREAM_END);
    }));
  });
  assert.equal(reached, false);
});
