// Port of Effection's test/all.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/core's `joinAll` (and `join` for the
// typed tuple), written from the core README: the outputs in the children's order, or the first
// failure, the other children dropped. Sleeps are a VirtualClock's (`pausedTask`); Effection's
// resource is `useResource` (effection_support.ts), given the scope of its caller. Effection's
// type test is a compile-time assignment here, checked by the examples package's typecheck.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, type Future, join, joinAll, ready, scoped, type TaskScope } from "@spindle/core";
import type { Timer } from "@spindle/timer";
import { pausedTask } from "./paused-clock.ts";
import {
  asyncReject,
  asyncResolve,
  failure,
  messageOf,
  syncReject,
  syncResolve,
  useResource,
} from "./effection_support.ts";

test("resolves when the given list is empty", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.deepEqual(yield* executor.spawn(joinAll([])), []);
  });
});

test("resolves when all of the given operations resolve", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const { timer } = clock;
    const result = yield* executor.spawn(joinAll([
      syncResolve("quox"),
      asyncResolve(timer, 10, "foo"),
      asyncResolve(timer, 5, "bar"),
      asyncResolve(timer, 15, "baz"),
    ]));
    assert.deepEqual(result, ["quox", "foo", "bar", "baz"]);
  });
});

test("rejects when one of the given operations rejects asynchronously first", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const { timer } = clock;
    const result = executor.spawn(joinAll([
      asyncResolve(timer, 10, "foo"),
      asyncReject(timer, 5, "bar"),
      asyncResolve(timer, 15, "baz"),
    ]));
    assert.equal(messageOf(yield* failure(result)), "boom: bar");
  });
});

test("rejects when one of the given operations rejects asynchronously and another operation does not complete", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const result = executor.spawn(
      joinAll([clock.timer.sleep(0) as Future<unknown>, asyncReject(clock.timer, 5, "bar")]),
    );
    assert.equal(messageOf(yield* failure(result)), "boom: bar");
  });
});

test("resolves when all of the given operations resolve synchronously", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const result = executor.spawn(joinAll([syncResolve("foo"), syncResolve("bar"), syncResolve("baz")]));
    assert.deepEqual(yield* result, ["foo", "bar", "baz"]);
  });
});

test("rejects when one of the given operations rejects synchronously first", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const result = executor.spawn(joinAll([syncResolve("foo"), syncReject("bar"), syncResolve("baz")]));
    assert.equal(messageOf(yield* failure(result)), "boom: bar");
  });
});

/**
 * suite.ts `asyncResource`: a resource with a child that makes it "active" `ms + 10` after it
 * starts, giving `value` after `ms`. It runs in a scope of its own, which ends with it.
 */
function* asyncResource(timer: Timer, ms: number, value: string, status: { status: string }): Coroutine<string> {
  return yield* scoped(function* (scope: TaskScope<unknown>): Coroutine<string> {
    return yield* useResource<string>(scope, function* (provide): Coroutine<void> {
      yield* scoped(function* (own: TaskScope<void>): Coroutine<void> {
        own.spawn(function* (): Coroutine<void> {
          yield* timer.sleep(ms + 10);
          status.status = "active";
        }());
        yield* timer.sleep(ms);
        yield* provide(value);
      });
    });
  });
}

test("rejects when one of the operations reject", async () => {
  await pausedTask(function* (_executor, clock): Coroutine<void> {
    const { timer } = clock;
    const fooStatus = { status: "pending" };
    let error: unknown;
    try {
      yield* joinAll([asyncResource(timer, 20, "foo", fooStatus), asyncReject(timer, 10, "bar")]);
    } catch (err) {
      error = err;
    }
    assert.equal(fooStatus.status, "pending");
    assert.equal(messageOf(error), "boom: bar");
    // The same task goes on: the dropped resource's scope aborted its child (it ran on before).
    yield* timer.sleep(40);
    assert.equal(fooStatus.status, "pending", "the resource's child was torn down with it");
  });
});

test("has a type signature equivalent to Promise.all()", async () => {
  // Compile-time: `join` types each position (`joinAll` gives an array of the union).
  const three: Future<[string, number, string]> = join(ready("hello"), ready(42), ready("world"));
  const two: Future<[string, number]> = join(ready("hello"), ready(42));
  await pausedTask(function* (executor): Coroutine<void> {
    assert.deepEqual(yield* executor.spawn(three), ["hello", 42, "world"]);
    assert.deepEqual(yield* executor.spawn(two), ["hello", 42]);
  });
});
