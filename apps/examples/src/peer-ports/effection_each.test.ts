// Port of Effection's test/each.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6), written from the core and sync READMEs. Effection's
// `for (const v of yield* each(stream)) { ...; yield* each.next(); }` is core's
// `for (let v; (v = yield* next(stream)) !== STREAM_END;) { ... }` (or `forEach(stream, fn)`);
// Effection's channel is a `broadcast` channel (@spindle/sync) whose receiver is subscribed before
// the values are sent, and `close()` is dropping the sender.
// Differs: an Effection channel can be subscribed again after it closed; a Spindle channel closes
// for good, so each round of the nested inner loop has a channel of its own.
// Not portable: "handles context correctly if you break out of a loop", "throws an error if you
// forget to invoke each.next()" and "throws an error if you invoke each.next() out of context"
// test Effection's `each.next()` protocol (an `IterationError` / `MissingContextError`): `next`
// here takes the stream it reads, so there is no loop context to get wrong.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, next, scoped, type Stream, STREAM_END, type TaskScope } from "@spindle/core";
import { broadcast } from "@spindle/sync";
import { pausedTask } from "./paused-clock.ts";

test("can be used to iterate a stream", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const actual: string[] = [];
    yield* executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      const [tx, rx] = broadcast<string>(16);
      scope.spawn(function* (): Coroutine<void> {
        for (let value; (value = yield* next(rx)) !== STREAM_END;) actual.push(value);
      }());
      tx.send("one");
      tx.send("two");
      tx.send("three");
      tx.drop();
      yield* scope.joinAll();
    }));
    assert.deepEqual(actual, ["one", "two", "three"]);
  });
});

test("can be used to iterate nested streams", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const actual: string[] = [];
    yield* executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      const [outer, outerRx] = broadcast<string>(16);
      const inners = [broadcast<string>(16), broadcast<string>(16)];
      scope.spawn(function* (): Coroutine<void> {
        let round = 0;
        for (let value; (value = yield* next(outerRx)) !== STREAM_END;) {
          actual.push(value);
          const innerRx: Stream<string> = inners[round++]![1];
          for (let value; (value = yield* next(innerRx)) !== STREAM_END;) actual.push(value);
        }
      }());
      outer.send("one");
      inners[0]![0].send("two");
      inners[0]![0].send("two and a half");
      inners[0]![0].drop();
      outer.send("three");
      inners[1]![0].send("four");
      inners[1]![0].drop();
      outer.drop();
      yield* scope.joinAll();
    }));
    assert.deepEqual(actual, ["one", "two", "two and a half", "three", "four"]);
  });
});
