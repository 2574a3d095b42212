// Port of Effection's test/signal.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/sync's unbounded `mpsc` channel, written
// from the sync README: Effection's signal is sent from plain code (no operation), as an unbounded
// sender's `send(v)` is, and `signal.close()` is dropping the sender.
// Not portable: "should use custom Queue impl": Effection lets a scope's `SignalQueueFactory`
// context replace the queue behind every signal; Spindle's channels have no pluggable queue
// (the closest form is a combinator on the receiver, core's `filter(rx, predicate)`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, forEach, scoped, type TaskScope } from "@spindle/core";
import { mpsc } from "@spindle/sync";
import { pausedTask } from "./paused-clock.ts";

test("should send and receive messages", async () => {
  const msgs: string[] = [];
  const [signal, rx] = mpsc.unbounded<string>();
  await pausedTask(function* (executor): Coroutine<void> {
    yield* executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(forEach(rx, (msg) => void msgs.push(msg)));
      signal.send("msg1");
      signal.send("msg2");
      signal.drop();
      yield* scope.joinAll();
    }));
  });
  assert.deepEqual(msgs, ["msg1", "msg2"]);
});
