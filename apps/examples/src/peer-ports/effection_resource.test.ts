// Port of Effection's test/resource.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/core's scopes, written from the core
// README and the structured concurrency guide. Spindle has no `resource()`: the closest form is
// `useResource(scope, body)` (effection_support.ts), a task of the caller's scope that hands its
// value over a oneshot (@spindle/sync) and holds the resource open until the scope closes, its
// `finally` being the teardown; the resource's own children are a `scoped` inside it. Sleeps are a
// VirtualClock's (`pausedTask`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, pending, scoped, type TaskScope, yieldNow } from "@spindle/core";
import type { Timer } from "@spindle/timer";
import { pausedTask } from "./paused-clock.ts";
import { failure, isHalted, messageOf, useResource } from "./effection_support.ts";

type State = { status: string };

/** The suite's `createResource`: a child makes it "active" after 5 ms; "finalized" at teardown. */
function createResource(scope: TaskScope<unknown>, timer: Timer, container: State): Coroutine<State> {
  return useResource<State>(scope, (provide) =>
    scoped(function* (own: TaskScope<void>): Coroutine<void> {
      own.spawn(function* (): Coroutine<void> {
        yield* timer.sleep(5);
        container.status = "active";
      }());
      yield* timer.sleep(1);
      try {
        yield* provide(container);
      } finally {
        container.status = "finalized";
      }
    }));
}

test("runs resource in task scope", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const state = { status: "pending" };
    yield* executor.spawn(scoped(function* (scope: TaskScope<unknown>): Coroutine<void> {
      const result = yield* createResource(scope, clock.timer, state);
      assert.equal(result, state);
      assert.equal(state.status, "pending");
      yield* clock.timer.sleep(10);
      assert.equal(state.status, "active");
    }));
    assert.equal(state.status, "finalized");
  });
});

test("throws init error", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const task = executor.spawn(scoped(function* (scope: TaskScope<unknown>): Coroutine<void> {
      yield* useResource<void>(scope, function* (): Coroutine<void> {
        throw new Error("moo");
      });
      yield* pending<void>();
    }));
    assert.equal(messageOf(yield* failure(task)), "moo");
  });
});

test("raises an error if an error occurs after init", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const task = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<unknown> {
      scope.spawn(function* (): Coroutine<void> {
        yield* clock.timer.sleep(5);
        throw new Error("moo");
      }());
      try {
        yield* clock.timer.sleep(10);
      } catch (error) {
        return error; // not reached: the failure does not interrupt the body
      }
    }));
    // The scope's close re-throws the failure once the body is done (Effection: at once).
    assert.equal(messageOf(yield* failure(task)), "moo");
  });
});

test("terminates resource when task completes", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const result = yield* executor.spawn(scoped(function* (scope: TaskScope<unknown>): Coroutine<State> {
      return yield* createResource(scope, clock.timer, { status: "pending" });
    }));
    assert.equal(result.status, "finalized");
  });
});

test("can halt the resource constructor if the containing task halts", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const state = { status: "pending" };
    const task = executor.spawn(scoped(function* (scope: TaskScope<unknown>): Coroutine<void> {
      yield* createResource(scope, clock.timer, state);
      yield* pending<void>();
    }));
    yield* yieldNow(); // the constructor starts, and waits in its 1 ms sleep
    task.abort();
    assert.ok(isHalted(yield* failure(task)));
    yield* clock.timer.sleep(10);
    assert.equal(state.status, "pending");
  });
});
