// Port of Effection's test/channel.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/sync's `broadcast` channel, written from
// the sync README: Effection's channel hands each message to the subscriptions open when it is
// sent, as a broadcast channel hands each value to the receivers subscribed then
// (`tx.subscribe()`); `subscription.next()` is `rx.recv()` (`STREAM_END` for `{ done: true }`);
// `channel.close()` is dropping the sender. Sleeps are a VirtualClock's (`pausedTask`).
// Differs: Effection's `send` resumes the subscribers before it returns, so a subscriber can
// subscribe again between two sends; here the sender yields between them to let it.
// Not portable: "closes subscriptions with the argument": a Spindle channel ends with
// `STREAM_END` and carries no close value (send a last item, or keep it in a `watch`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, scoped, STREAM_END, type TaskScope, yieldNow } from "@spindle/core";
import { broadcast } from "@spindle/sync";
import { pausedTask } from "./paused-clock.ts";

test("does not use the same event twice when serially subscribed to a channel", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const actual: string[] = [];
    yield* executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      const [tx, first] = broadcast<string>(16);
      scope.spawn(function* (): Coroutine<void> {
        yield* clock.timer.sleep(10);
        tx.send("one");
        yield* yieldNow(); // Effection's send resumes the subscriber here
        tx.send("two");
      }());
      let subscription = first;
      actual.push(String(yield* subscription.recv()));
      subscription.drop();
      subscription = tx.subscribe();
      actual.push(String(yield* subscription.recv()));
    }));
    assert.deepEqual(actual, ["one", "two"]);
  });
});

test("receives message on subscription", async () => {
  await pausedTask(function* (): Coroutine<void> {
    const [tx, initial] = broadcast<string>(16);
    initial.drop();
    const subscription = tx.subscribe();
    tx.send("hello");
    assert.equal(yield* subscription.recv(), "hello");
  });
});

test("receives message on subscription done", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const [tx, subscription] = broadcast<string>(16);
    const result = executor.spawn(subscription.recv());
    yield* clock.timer.sleep(10);
    tx.send("hello");
    assert.equal(yield* result, "hello");
  });
});

test("receives messages in order", async () => {
  await pausedTask(function* (): Coroutine<void> {
    const [tx, subscription] = broadcast<string>(16);
    const send = (value: string) => tx.send(value);
    send("hello");
    send("foo");
    send("bar");
    assert.equal(yield* subscription.recv(), "hello");
    assert.equal(yield* subscription.recv(), "foo");
    assert.equal(yield* subscription.recv(), "bar");
  });
});

test("receives message on subscribable end", async () => {
  await pausedTask(function* (): Coroutine<void> {
    // The ends come split: the receiver made with the channel is a subscription already.
    const [tx, subscription] = broadcast<unknown>(16);
    tx.send("hello");
    assert.equal(yield* subscription.recv(), "hello");
  });
});

test("closes subscriptions", async () => {
  await pausedTask(function* (): Coroutine<void> {
    const [tx, subscription] = broadcast<unknown>(16);
    tx.send("foo");
    tx.drop();
    assert.equal(yield* subscription.recv(), "foo");
    assert.equal(yield* subscription.recv(), STREAM_END);
  });
});
