import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  CancellationToken,
  CancelledError,
  type Coroutine,
  fromPromise,
  LocalExecutor,
  pending,
  ready,
  scoped,
  SpindleError,
  STREAM_END,
  TaskScope,
  yieldNow,
} from "./mod.ts";
import { listenerCount } from "./cancellation-token.ts";
import { within } from "@spindle/test-support";

function* afterYields<T>(yields: number, value: T, log?: string[]): Coroutine<T> {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  log?.push(`done ${String(value)}`);
  return value;
}

function* failAfter(yields: number, error: Error): Coroutine<never> {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  throw error;
}

/** Waits forever; its `finally` waits too (a host timer), then logs once. */
function* holds(name: string, log: string[]): Coroutine<never> {
  try {
    yield* pending<void>();
    log.push(`${name} after pending`);
    throw new Error("unreachable");
  } finally {
    yield* fromPromise(new Promise((resolve) => setTimeout(resolve, 2)));
    log.push(`${name} finally`);
  }
}

async function runOn<T>(work: Coroutine<T>): Promise<{ value: T; executor: LocalExecutor }> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(work);
  await within(executor.run(), 5_000, "the executor");
  return { value: await handle, executor };
}

test("joinNext yields results in completion order, then STREAM_END; more can be spawned after", async () => {
  function* main(): Coroutine<unknown[]> {
    const scope = new TaskScope<string>();
    const seen: unknown[] = [];
    try {
      scope.spawn(afterYields(6, "slow"));
      scope.spawn(afterYields(0, "first"));
      scope.spawn(afterYields(3, "middle"));
      for (let item; (item = yield* scope.joinNext()) !== STREAM_END;) seen.push(item);
      seen.push("end", scope.size);
      scope.spawn(ready("again"));
      seen.push(yield* scope.joinNext(), yield* scope.joinNext());
      return seen;
    } finally {
      yield* scope.close();
    }
  }
  const { value } = await runOn(main());
  assert.deepEqual(value, ["first", "middle", "slow", "end", 0, "again", STREAM_END]);
});

test("tasks run while the parent waits elsewhere (they are tasks of the executor)", async () => {
  const log: string[] = [];
  function* main(): Coroutine<number> {
    const scope = new TaskScope<number>();
    scope.spawn(afterYields(2, 1, log));
    yield* fromPromise(new Promise((resolve) => setTimeout(resolve, 5)));
    log.push("parent waited");
    const all = yield* scope.joinAll();
    yield* scope.close();
    return all.length;
  }
  const { value } = await runOn(main());
  assert.equal(value, 1);
  assert.deepEqual(log, ["done 1", "parent waited"]);
});

test("close() aborts the running tasks and completes only after every finally ran, once", async () => {
  const log: string[] = [];
  function* main(): Coroutine<void> {
    const scope = new TaskScope();
    scope.spawn(holds("a", log));
    scope.spawn(holds("b", log));
    scope.spawn(afterYields(1, "quick", log));
    yield* yieldNow();
    yield* yieldNow();
    yield* scope.close();
    log.push("closed");
    assert.equal(scope.isClosed, true);
    yield* scope.close(); // again: at once
  }
  const { executor } = await runOn(main());
  assert.deepEqual(log.slice().sort(), ["a finally", "b finally", "closed", "done quick"]);
  assert.equal(log.at(-1), "closed");
  assert.equal(executor.taskCount, 0);
});

test("onError 'abort': the first failure aborts the siblings and is re-thrown once", async () => {
  const log: string[] = [];
  const boom = new Error("boom");
  function* main(): Coroutine<unknown> {
    const scope = new TaskScope();
    scope.spawn(holds("sibling", log));
    scope.spawn(failAfter(2, boom));
    try {
      yield* scope.joinAll();
      return "no error";
    } catch (error) {
      log.push("joinAll threw");
      yield* scope.close(); // taken already: not re-thrown
      return error;
    }
  }
  const { value } = await runOn(main());
  assert.equal(value, boom);
  assert.deepEqual(log, ["sibling finally", "joinAll threw"]);

  function* viaClose(): Coroutine<unknown> {
    const scope = new TaskScope();
    scope.spawn(failAfter(0, boom));
    yield* yieldNow();
    yield* yieldNow();
    assert.throws(() => scope.spawn(ready(1)), (e) => e instanceof SpindleError && e.code === "SCOPE_CLOSED");
    try {
      yield* scope.close();
    } catch (error) {
      return error;
    }
  }
  assert.equal((await runOn(viaClose())).value, boom);

  function* viaJoinNext(): Coroutine<unknown> {
    const scope = new TaskScope<number>();
    scope.spawn(afterYields(0, 1));
    scope.spawn(failAfter(1, boom));
    const first = yield* scope.joinNext();
    try {
      yield* scope.joinNext();
    } catch (error) {
      yield* scope.close();
      return [first, error];
    }
  }
  assert.deepEqual((await runOn(viaJoinNext())).value, [1, boom]);
});

test("onError 'collect': the others go on and close() throws an AggregateError of the failures", async () => {
  const log: string[] = [];
  function* main(): Coroutine<unknown> {
    const scope = new TaskScope<string>({ onError: "collect" });
    scope.spawn(failAfter(0, new Error("one")));
    scope.spawn(afterYields(3, "survivor", log));
    scope.spawn(failAfter(1, new Error("two")));
    const values: unknown[] = [];
    try {
      values.push(yield* scope.joinNext());
    } catch (error) {
      values.push((error as Error).message);
    }
    try {
      yield* scope.joinAll();
    } catch (error) {
      values.push((error as AggregateError).errors.map((e: Error) => e.message));
    }
    yield* scope.close();
    return values;
  }
  const { value } = await runOn(main());
  assert.deepEqual(value, ["one", ["two"]]);
  assert.deepEqual(log, ["done survivor"]);
});

test("an aborted task yields nothing; its handle aborts it alone", async () => {
  const log: string[] = [];
  function* main(): Coroutine<unknown[]> {
    const scope = new TaskScope<string>();
    const held = scope.spawn(holds("held", log));
    scope.spawn(afterYields(2, "kept"));
    yield* yieldNow();
    held.abort();
    const all = yield* scope.joinAll();
    yield* scope.close();
    return [all, held.isFinished];
  }
  assert.deepEqual((await runOn(main())).value, [["kept"], true]);
  assert.deepEqual(log, ["held finally"]);
});

test("under blockOn the scope runs its tasks itself; close waits for clean-up that waits", () => {
  const log: string[] = [];
  function* cleanUp(): Coroutine<never> {
    try {
      yield* pending<void>();
      throw new Error("unreachable");
    } finally {
      yield* yieldNow();
      log.push("clean-up done");
    }
  }
  function* body(scope: TaskScope<number>): Coroutine<number> {
    scope.spawn(cleanUp());
    scope.spawn(afterYields(3, 2));
    scope.spawn(afterYields(1, 1));
    const a = yield* scope.joinNext();
    const b = yield* scope.joinNext();
    return (a as number) * 10 + (b as number);
  }
  assert.equal(blockOn(scoped(body)), 12);
  assert.deepEqual(log, ["clean-up done"]);
});

test("scoped() closes the scope when its body is cancelled, waiting for the tasks' finally", async () => {
  const log: string[] = [];
  function* body(scope: TaskScope): Coroutine<void> {
    scope.spawn(holds("child", log));
    yield* pending<void>();
  }
  const executor = new LocalExecutor();
  const handle = executor.spawn(scoped(body));
  const run = executor.run();
  await new Promise((resolve) => setTimeout(resolve, 1));
  handle.abort();
  await assert.rejects(within(Promise.resolve(handle), 5_000, "the cancelled scope"), CancelledError);
  assert.deepEqual(log, ["child finally"]);
  await run;
  assert.equal(executor.taskCount, 0);
});

test("a cancelled token option aborts the scope's tasks; scope.token is cancelled with the scope", async () => {
  const log: string[] = [];
  const parent = new CancellationToken();
  function* main(): Coroutine<boolean[]> {
    const scope = new TaskScope({ token: parent });
    const own = scope.token;
    scope.spawn(holds("t", log));
    yield* yieldNow();
    parent.cancel();
    const cancelled = own.isCancelled;
    assert.throws(() => scope.spawn(ready(1)), (e) => e instanceof SpindleError && /aborted/.test(e.message));
    yield* scope.close();
    return [cancelled, log.includes("t finally")];
  }
  assert.deepEqual((await runOn(main())).value, [true, true]);
});

test("[Symbol.dispose] aborts at once; [Symbol.asyncDispose] waits for the clean-up", async () => {
  const log: string[] = [];
  const executor = new LocalExecutor();
  const scope = new TaskScope({ executor });
  scope.spawn(holds("disposed", log));
  const run = executor.run();
  await new Promise((resolve) => setTimeout(resolve, 1));
  scope[Symbol.dispose]();
  assert.deepEqual(log, [], "the finally waits on a timer: dispose does not wait for it");
  await within(run, 5_000, "the executor");
  assert.deepEqual(log, ["disposed finally"]);
  assert.equal(scope.isClosed, true);

  const asyncScope = new TaskScope({ executor });
  asyncScope.spawn(holds("async", log));
  await new Promise((resolve) => setTimeout(resolve, 1));
  await within(asyncScope[Symbol.asyncDispose](), 5_000, "asyncDispose");
  assert.deepEqual(log, ["disposed finally", "async finally"]);
});

test("`await using` closes a scope where the runtime parses it (Node 22 cannot: the explicit method is tested above)", async () => {
  let parses = true;
  try {
    new Function("{ using x = null; }");
  } catch (error) {
    // Measured: Node 22.23 throws a SyntaxError for `using` declarations; Node 24, Deno and Bun parse them.
    assert.ok(error instanceof SyntaxError);
    parses = false;
  }
  assert.equal(parses, !process.version.startsWith("v22.") || "Deno" in globalThis || "Bun" in globalThis);
  if (!parses) return;
  const log: string[] = [];
  const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
  const body = new AsyncFunction(
    "TaskScope",
    "holds",
    "log",
    "executor",
    `{ await using scope = new TaskScope({ executor }); scope.spawn(holds("using", log)); await new Promise((r) => setTimeout(r, 1)); }
     log.push("left the block");`,
  );
  const executor = new LocalExecutor();
  void executor.run();
  await within(body(TaskScope, holds, log, executor), 5_000, "await using");
  assert.deepEqual(log, ["using finally", "left the block"]);
});

test("adopt(handle) joins a task spawned elsewhere and aborts it (waiting for it) on close", async () => {
  const log: string[] = [];
  const other = new LocalExecutor();
  const otherRun = other.run();
  function* main(): Coroutine<unknown[]> {
    const scope = new TaskScope<string>();
    scope.adopt(other.spawn(afterYields(1, "adopted")));
    scope.adopt(other.spawn(holds("adopted held", log)));
    const first = yield* scope.joinNext();
    yield* scope.close();
    return [first, log.slice()];
  }
  assert.deepEqual((await runOn(main())).value, ["adopted", ["adopted held finally"]]);
  await otherRun;
  const closed = new TaskScope({ executor: other });
  blockOn(closed.close());
  const late = other.spawn(pending<string>());
  assert.throws(() => closed.adopt(late), (e) => e instanceof SpindleError && e.code === "SCOPE_CLOSED");
  await assert.rejects(Promise.resolve(late), CancelledError);
});

test("bad input: typed errors naming the value", () => {
  const code = (c: string, pattern: RegExp) => (e: unknown) =>
    e instanceof SpindleError && e.code === c && pattern.test(e.message);
  assert.throws(() => new TaskScope({ onError: "ignore" as never }), code("INVALID_ARGUMENT", /"ignore"/));
  assert.throws(() => new TaskScope({ executor: {} as never }), code("INVALID_ARGUMENT", /a Object/));
  assert.throws(() => new TaskScope({ token: "t" as never }), code("INVALID_ARGUMENT", /"t"/));
  assert.throws(() => new TaskScope(7 as never), code("INVALID_ARGUMENT", /got 7/));
  const scope = new TaskScope();
  assert.throws(() => scope.spawn(42 as never), code("NOT_A_FUTURE", /got 42/));
  assert.throws(() => scope.adopt({} as never), code("INVALID_ARGUMENT", /a Object/));
  scope[Symbol.dispose]();
  assert.throws(() => scope.spawn(ready(1)), code("SCOPE_CLOSED", /closed/));
  assert.throws(() => blockOn(scoped(5 as never)), code("INVALID_ARGUMENT", /got 5/));
});

/** A small deterministic generator (xorshift) so that a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Counts {
  started: number;
  finally: number;
  after: number;
}

function* randomChild(yields: number, finallyYields: number, counts: Counts): Coroutine<number> {
  try {
    counts.started++;
    for (let i = 0; i < yields; i++) yield* yieldNow();
    counts.after++;
    return yields;
  } finally {
    // Counted on entry: a child that returned and waits in its finally when the scope aborts it
    // gets the CancelledError at that wait (as Trio's Cancelled), which ends the finally there.
    counts.finally++;
    for (let i = 0; i < finallyYields; i++) yield* yieldNow();
  }
}

function* randomScope(
  next: () => number,
  parent: CancellationToken,
  counts: Counts & { spawned: number },
): Coroutine<void> {
  const scope = new TaskScope({ token: parent });
  try {
    const children = Math.floor(next() * 4);
    for (let i = 0; i < children; i++) {
      scope.spawn(randomChild(Math.floor(next() * 6), Math.floor(next() * 3), counts));
      counts.spawned++;
    }
    const wait = Math.floor(next() * 6);
    for (let i = 0; i < wait; i++) yield* yieldNow();
    if (next() < 0.3) yield* scope.joinNext();
  } finally {
    yield* scope.close();
  }
}

test("100,000 scopes opened and closed at random points leave no task, waker or listener", async () => {
  const next = random(0x5eed);
  const parent = new CancellationToken();
  const counts = { started: 0, finally: 0, after: 0, spawned: 0 };
  const executor = new LocalExecutor();
  const handles = [];
  for (let batch = 0; batch < 100; batch++) {
    for (let i = 0; i < 1_000; i++) {
      const handle = executor.spawn(randomScope(next, parent, counts));
      handles.push(handle);
      if (next() < 0.2) handle.abort(); // cancelled at a random point: before it starts or later
    }
    await within(executor.run(), 30_000, `batch ${batch}`);
  }
  assert.equal(executor.taskCount, 0);
  assert.equal(counts.finally, counts.started, "every started child's finally ran exactly once");
  assert.ok(counts.started > counts.spawned / 2, "most children started before their scope closed");
  assert.equal(listenerCount(parent), 0, "no scope left a listener on the shared token");
  for (const handle of handles) assert.equal(handle.isFinished, true);
});

test("cancellation races at random points: each child's finally runs once, nothing runs after a cancelled yield*", async () => {
  for (let seed = 1; seed <= 200; seed++) {
    const next = random(seed);
    const counts = { started: 0, finally: 0, after: 0 };
    const log: string[] = [];
    function* parent(): Coroutine<void> {
      const scope = new TaskScope();
      try {
        for (let i = 0; i < 3; i++) {
          scope.spawn(randomChild(Math.floor(next() * 5) + 1, Math.floor(next() * 3), counts));
        }
        yield* scope.joinAll();
        log.push("joined");
      } finally {
        yield* scope.close();
        log.push("closed");
      }
    }
    const executor = new LocalExecutor();
    const handle = executor.spawn(parent());
    const run = executor.run();
    const abortAfter = Math.floor(next() * 8);
    for (let i = 0; i < abortAfter; i++) await Promise.resolve();
    handle.abort();
    await within(run, 5_000, `seed ${seed}`);
    assert.equal(counts.finally, counts.started, `seed ${seed}: every started child's finally once`);
    assert.equal(log.at(-1), "closed", `seed ${seed}`);
    const outcome = await Promise.resolve(handle).then(() => "ok", (e) => e);
    if (outcome !== "ok") {
      assert.ok(outcome instanceof CancelledError, `seed ${seed}`);
      assert.deepEqual(log, ["closed"], `seed ${seed}: nothing after the cancelled joinAll`);
    }
  }
});
