import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  CancelledError,
  type Coroutine,
  drop,
  fromPromise,
  Future,
  LocalExecutor,
  PENDING,
  pending,
  type Poll,
  scoped,
  SpindleError,
  TaskLocal,
  type TaskScope,
  toPromise,
  yieldNow,
} from "./mod.ts";

const requestId = new TaskLocal<string>("requestId");
const user = new TaskLocal<number>("user");

function* report(label: string, log: string[], yields = 1): Coroutine<void> {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  log.push(`${label}: ${requestId.get()} ${user.get()}`);
}

test("scope sets the value during every poll, at every depth; interleaved tasks keep their own", async () => {
  const log: string[] = [];
  function* handler(name: string): Coroutine<void> {
    yield* report(`${name} first`, log, 2);
    yield* user.scope(7, report(`${name} nested`, log, 1));
    yield* report(`${name} after`, log, 1);
  }
  const executor = new LocalExecutor();
  executor.spawn(requestId.scope("r-1", handler("a")));
  executor.spawn(requestId.scope("r-2", handler("b")));
  await executor.run();
  assert.deepEqual(log, [
    "a first: r-1 undefined",
    "b first: r-2 undefined",
    "a nested: r-1 7",
    "b nested: r-2 7",
    "a after: r-1 undefined",
    "b after: r-2 undefined",
  ]);
  assert.equal(requestId.get(), undefined);
  assert.equal(requestId.isSet, false);
  assert.equal(blockOn(requestId.scope("outer", requestId.scope("inner", report("nested", log, 0)))), undefined);
  assert.equal(log.at(-1), "nested: inner undefined");
});

test("spawned tasks inherit the values where they were spawned: executor.spawn, TaskScope.spawn, toPromise, blockOn scopes", async () => {
  const log: string[] = [];
  function* parent(executor: LocalExecutor): Coroutine<void> {
    yield* executor.spawn(report("spawned", log));
    function* body(scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(report("scope child", log));
      yield* scope.joinAll();
    }
    yield* scoped(body);
    yield* fromPromise(toPromise(report("toPromise", log)));
  }
  const executor = new LocalExecutor();
  executor.spawn(requestId.scope("r-9", parent(executor)));
  await executor.run();
  function* inline(scope: TaskScope<void>): Coroutine<void> {
    scope.spawn(report("inline child", log));
    yield* scope.joinAll();
  }
  blockOn(requestId.scope("r-blocked", scoped(inline)));
  assert.deepEqual(log, [
    "spawned: r-9 undefined",
    "scope child: r-9 undefined",
    "toPromise: r-9 undefined",
    "inline child: r-blocked undefined",
  ]);
});

test("an aborted scoped coroutine unwinds with its values, and its finally may still wait", async () => {
  const log: string[] = [];
  function* guarded(): Coroutine<void> {
    try {
      yield* pending<void>();
    } finally {
      log.push(`finally: ${requestId.get()}`);
      yield* yieldNow();
      log.push(`after wait: ${requestId.get()}`);
    }
  }
  const executor = new LocalExecutor();
  const handle = executor.spawn(requestId.scope("r-abort", guarded()));
  const run = executor.run();
  await Promise.resolve();
  handle.abort();
  await assert.rejects(Promise.resolve(handle), CancelledError);
  await run;
  assert.deepEqual(log, ["finally: r-abort", "after wait: r-abort"]);
});

test("a scoped plain future is dropped with its values in force: by an abort, and by hand", async () => {
  const seen: Array<string | undefined> = [];
  class ReadsOnDrop extends Future<void> {
    poll(): Poll<void> {
      return PENDING;
    }
    override [Symbol.dispose](): void {
      seen.push(requestId.get());
    }
  }
  const executor = new LocalExecutor();
  const handle = executor.spawn(requestId.scope("r-drop", new ReadsOnDrop()));
  const run = executor.run();
  await Promise.resolve();
  handle.abort();
  await assert.rejects(Promise.resolve(handle), CancelledError);
  await run;
  drop(requestId.scope("r-by-hand", new ReadsOnDrop()));
  assert.deepEqual(seen, ["r-drop", "r-by-hand"]);
  assert.equal(requestId.get(), undefined, "the frame before the drop is restored");
});

test("bad input: a name that is not a string, work that is not a future", () => {
  assert.throws(
    () => new TaskLocal(3 as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /got 3/.test(e.message),
  );
  assert.throws(
    () => requestId.scope("x", 5 as never),
    (e) => e instanceof SpindleError && e.code === "NOT_A_FUTURE" && /got 5/.test(e.message),
  );
});
