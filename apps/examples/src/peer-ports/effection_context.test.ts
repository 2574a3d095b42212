// Port of Effection's test/context.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/core's `TaskLocal`, written from the core
// README: Effection's `yield* context.set(v)` for the rest of a scope is `local.scope(v, work)`
// around the work, `yield* context.get()` is `local.get()` (`undefined` outside any scope of it).
// Differs: a `TaskLocal` has no default value (`createContext(name, 3)`): the ports read
// `get() ?? 3`; and no `expect()` that throws `MissingContextError` when it is missing: `isSet`
// tells whether a value is in force.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, TaskLocal } from "@spindle/core";
import { pausedTask } from "./paused-clock.ts";

const numbers = new TaskLocal<number>("number");
const numberOr3 = (): number => numbers.get() ?? 3;

test("has the initial value available at all times", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.equal(
      yield* executor.spawn(function* (): Coroutine<number> {
        return numberOr3();
      }()),
      3,
    );
  });
});

test("can be set within a given scope, but reverts after", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const values = yield* executor.spawn(function* (): Coroutine<number[]> {
      const before = numberOr3();
      const within = yield* numbers.scope(
        22,
        function* (): Coroutine<number> {
          return numberOr3();
        }(),
      );
      const after = numberOr3();
      return [before, within, after];
    }());
    assert.deepEqual(values, [3, 22, 3]);
  });
});

test("is safe to get() when context is not defined", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const missing = new TaskLocal<unknown>("missing");
    assert.equal(
      yield* executor.spawn(function* (): Coroutine<unknown> {
        return missing.get();
      }()),
      undefined,
    );
  });
});

test("is an error to expect() when context is missing", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const missing = new TaskLocal<unknown>("missing");
    const [outside, inside] = yield* executor.spawn(function* (): Coroutine<boolean[]> {
      return [
        missing.isSet,
        yield* missing.scope(
          undefined,
          function* (): Coroutine<boolean> {
            return missing.isSet; // set, to undefined
          }(),
        ),
      ];
    }());
    assert.deepEqual([outside, inside], [false, true]);
  });
});
