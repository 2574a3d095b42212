// Port of Effection's test/race.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/core's `race`, written from the core
// README: `race([...])` completes with the first child to complete or fail and drops the others.
// Sleeps are a VirtualClock's (`pausedTask`). Effection's type test is a compile-time assignment
// here, checked by the examples package's typecheck.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, type Future, race, ready } from "@spindle/core";
import { pausedTask } from "./paused-clock.ts";
import { asyncReject, asyncResolve, failure, messageOf, syncReject, syncResolve } from "./effection_support.ts";

test("resolves when one of the given operations resolves asynchronously first", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const { timer } = clock;
    const result = executor.spawn(race([
      asyncResolve(timer, 10, "foo"),
      asyncResolve(timer, 5, "bar"),
      asyncReject(timer, 15, "baz"),
    ]));
    assert.equal(yield* result, "bar");
  });
});

test("rejects when one of the given operations rejects asynchronously first", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const { timer } = clock;
    const result = executor.spawn(race([
      asyncResolve(timer, 10, "foo"),
      asyncReject(timer, 5, "bar"),
      asyncReject(timer, 15, "baz"),
    ]));
    assert.equal(messageOf(yield* failure(result)), "boom: bar");
  });
});

test("resolves when one of the given operations resolves synchronously first", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const result = executor.spawn(race([syncResolve("foo"), syncResolve("bar"), syncReject("baz")]));
    assert.equal(yield* result, "foo");
  });
});

test("rejects when one of the given operations rejects synchronously first", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const result = executor.spawn(race([syncReject("foo"), syncResolve("bar"), syncReject("baz")]));
    assert.equal(messageOf(yield* failure(result)), "boom: foo");
  });
});

test("has a type signature equivalent to Promise.race()", async () => {
  // Compile-time: the output is the union of the children's outputs (the typecheck fails otherwise).
  const three: Future<string | number> = race([ready("hello"), ready(42), ready("world")]);
  const two: Future<string | number> = race([ready("hello"), ready(42)]);
  const four: Future<string | number | boolean> = race([ready("hello"), ready(42), ready("world"), ready(true)]);
  await pausedTask(function* (executor): Coroutine<void> {
    assert.deepEqual([yield* executor.spawn(three), yield* executor.spawn(two), yield* executor.spawn(four)], [
      "hello",
      "hello",
      "hello",
    ]);
  });
});
