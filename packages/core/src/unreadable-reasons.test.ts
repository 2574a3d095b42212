// What a task throws or returns can be any value, also one that cannot be read (a revoked Proxy; a
// Proxy whose traps throw), on which `instanceof` throws. Such a
// value is a reason like any other: it reaches whoever receives the task's outcome, unchanged.
// Before, a scope's or the executor's `instanceof CancelledError` on it threw out of the task's
// settlement: `run()` rejected with the engine's TypeError instead of reporting the reason, and a
// scope under `blockOn` never finished (DEADLOCK).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  asCompleted,
  blockOn,
  CancelledError,
  caughtInstanceOf,
  type Coroutine,
  drop,
  LocalExecutor,
  next,
  permissionDenied,
  ready,
  scoped,
  TaskScope,
  toPromise,
} from "./mod.ts";
import { unreadableValues } from "@spindle/test-support";

function* fails(reason: unknown): Coroutine<never> {
  yield* ready(0);
  throw reason;
}

/**
 * The reason `promise` rejects with, boxed: `assert.rejects` reads properties of it, and an async
 * function returning it would read its `then`, both of which throw.
 */
async function rejectionOf(promise: Promise<unknown>): Promise<{ reason: unknown }> {
  try {
    await promise;
  } catch (reason) {
    return { reason };
  }
  assert.fail("resolved");
}

function* returns<T>(value: T): Coroutine<T> {
  yield* ready(0);
  return value;
}

for (const [name, reason] of unreadableValues()) {
  test(`a detached task that throws ${name}: reported as it is, to onUnhandledError or by run()`, async () => {
    const reported: unknown[] = [];
    const executor = new LocalExecutor({ onUnhandledError: (error) => reported.push(error) });
    drop(executor.spawn(fails(reason)));
    await executor.run();
    assert.equal(reported.length, 1);
    assert.ok(reported[0] === reason);
    const bare = new LocalExecutor();
    drop(bare.spawn(fails(reason)));
    assert.ok((await rejectionOf(bare.run())).reason === reason);
  });

  test(`a scope's task that throws ${name}: joinAll, joinNext and scoped() throw it; collect keeps it`, () => {
    assert.throws(() =>
      blockOn(scoped((scope: TaskScope) => {
        scope.spawn(fails(reason));
        return scope.joinAll();
      })), (error) => error === reason);
    const next1 = new TaskScope();
    next1.spawn(fails(reason));
    assert.throws(() => blockOn(next1.joinNext()), (error) => error === reason);
    next1[Symbol.dispose]();
    const collect = new TaskScope({ onError: "collect" });
    collect.spawn(fails(reason));
    collect.spawn(returns(2));
    assert.throws(() => blockOn(collect.joinAll()), (error) => {
      assert.ok(error instanceof AggregateError);
      assert.equal(error.errors.length, 1);
      return error.errors[0] === reason;
    });
  });

  test(`a task whose value is ${name} is a value, not a failure: scopes and asCompleted return it`, () => {
    const scope = new TaskScope();
    scope.spawn(returns(reason));
    assert.ok(blockOn(scope.joinNext()) === reason);
    scope[Symbol.dispose]();
    assert.ok(blockOn(next(asCompleted([returns(reason)]))) === reason);
  });

  test(`toPromise with a signal rejects with ${name} as thrown`, async () => {
    const controller = new AbortController();
    assert.ok((await rejectionOf(toPromise(fails(reason), { signal: controller.signal }))).reason === reason);
  });

  test(`caughtInstanceOf(${name}, CancelledError) is false, where instanceof is false or throws`, () => {
    let plain: unknown;
    try {
      plain = reason instanceof CancelledError;
    } catch (error) {
      plain = error;
    }
    assert.ok(plain !== true);
    assert.equal(caughtInstanceOf(reason, CancelledError), false);
  });
}

test("permissionDenied() of what cannot be read is null (no refusal), not the engine's TypeError", () => {
  const unreadableName = Object.defineProperty(new Error("x"), "name", {
    get() {
      throw new Error("getter");
    },
  });
  for (const value of [...unreadableValues().map(([, value]) => value), unreadableName]) {
    assert.equal(permissionDenied(value, "starting the runtime's worker threads"), null);
  }
});
