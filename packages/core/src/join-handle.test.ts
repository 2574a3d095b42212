import assert from "node:assert/strict";
import { test } from "node:test";
import { countingWaker } from "@spindle/test-support";
import {
  CancelledError,
  Context,
  type Coroutine,
  fromPromise,
  Future,
  joinAll,
  JoinHandle,
  LocalExecutor,
  PENDING,
  pending,
  pollFn,
  race,
  SpindleError,
  yieldNow,
} from "./mod.ts";

function* value(n: number): Coroutine<number> {
  yield* yieldNow();
  return n;
}

test("a joining task never reads an empty result slot", async () => {
  const executor = new LocalExecutor();
  const seen: number[] = [];
  function* joiner(i: number): Coroutine<void> {
    // Joiners spawned before and after their target, so both orders of completion occur.
    const handle = executor.spawn(value(i));
    seen.push(yield* handle);
  }
  for (let i = 0; i < 1000; i++) executor.spawn(joiner(i));
  await executor.run();
  assert.equal(seen.length, 1000);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
});

test("an error thrown in a task reaches the joiner as the same error", async () => {
  const executor = new LocalExecutor();
  const error = new TypeError("task failed");
  function* failing(): Coroutine<number> {
    yield* yieldNow();
    throw error;
  }
  const handle = executor.spawn(failing());
  function* joiner(): Coroutine<unknown> {
    try {
      return yield* handle;
    } catch (caught) {
      return caught;
    }
  }
  const joined = executor.spawn(joiner());
  await executor.run();
  assert.equal(await joined, error);
  await assert.rejects(Promise.resolve(handle), (e: unknown) => e === error);
});

test("a handle is awaitable from async code and can also be polled", async () => {
  const executor = new LocalExecutor();
  const handle = executor.spawn(value(7));
  const viaPromise = Promise.resolve(handle);
  function* viaPoll(): Coroutine<number> {
    return (yield* handle) + 1;
  }
  const polled = executor.spawn(viaPoll());
  await executor.run();
  assert.equal(await viaPromise, 7);
  assert.equal(await polled, 8);
});

test("a spawned task's handle is a JoinHandle and a Future (by its prototype chain) and drops by detaching", async () => {
  const executor = new LocalExecutor();
  const handle = executor.spawn(value(3));
  assert.ok(handle instanceof JoinHandle);
  assert.ok(handle instanceof Future);
  assert.equal(typeof handle[Symbol.iterator], "function", "yield* handle works");
  handle[Symbol.dispose](); // JoinHandle's dispose: detaches, the task runs on
  await executor.run();
  assert.equal(handle.isFinished, true);
  assert.equal(await handle, 3);
});

test("polling a handle after it returned throws FUTURE_COMPLETED", async () => {
  const executor = new LocalExecutor();
  const handle = executor.spawn(value(1));
  await executor.run();
  const cx = { waker: null } as never;
  assert.equal(handle.poll(cx), 1);
  assert.throws(() => handle.poll(cx), (e: unknown) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
});

test("a handle polled after detach() or its drop is FUTURE_COMPLETED: it neither waits again nor takes the outcome", async () => {
  // It registered its joiner again and took the result, hiding a detached failure from onUnhandledError.
  const unhandled: unknown[] = [];
  const executor = new LocalExecutor({ onUnhandledError: (error) => unhandled.push(error) });
  const boom = new Error("boom");
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const failing = executor.spawn(fromPromise(gate.then(() => Promise.reject(boom))));
  const dropped = executor.spawn(fromPromise(gate.then(() => 2)));
  const waker = countingWaker();
  const cx = new Context(waker.waker);
  assert.equal(failing.poll(cx), PENDING);
  failing.detach();
  dropped[Symbol.dispose]();
  const completed = (e: unknown) =>
    e instanceof SpindleError && e.code === "FUTURE_COMPLETED" && /detached or dropped/.test(e.message);
  for (const handle of [failing, dropped]) assert.throws(() => handle.poll(cx), completed);
  assert.equal(waker.counter.live, 1, "the handle keeps no clone of the waker, only the original lives");
  release();
  await executor.run();
  for (const handle of [failing, dropped]) assert.throws(() => handle.poll(cx), completed);
  assert.deepEqual(unhandled, [boom], "the detached failure still reaches onUnhandledError");
  assert.equal(waker.counter.wakes + waker.counter.wakesByRef, 0);
});

test("abort runs finally blocks, including one that waits while unwinding", async () => {
  const executor = new LocalExecutor();
  const log: string[] = [];
  function* cleanup(): Coroutine<void> {
    try {
      try {
        yield* pending<void>();
      } finally {
        log.push("inner finally starts");
        yield* fromPromise(new Promise<void>((resolve) => setTimeout(resolve, 5)));
        yield* yieldNow();
        log.push("inner finally done");
      }
    } finally {
      log.push("outer finally");
    }
  }
  const handle = executor.spawn(cleanup());
  const aborter = executor.spawn(
    pollFn((cx) => {
      if (log.length === 0 && !handle.isFinished) {
        log.push("aborted");
        handle.abort(); // runs the finally synchronously up to its first wait
        cx.waker.wakeByRef();
        return PENDING;
      }
      return undefined;
    }),
  );
  await executor.run();
  await aborter;
  assert.deepEqual(log, ["aborted", "inner finally starts", "inner finally done", "outer finally"]);
  await assert.rejects(Promise.resolve(handle), (e: unknown) => e instanceof CancelledError && e.code === "CANCELLED");
});

test("aborting a task that is not a coroutine drops its future", async () => {
  const executor = new LocalExecutor();
  let dropped = 0;
  const handle = executor.spawn(pollFn(() => PENDING, () => dropped++));
  handle.abort();
  handle.abort();
  await executor.run();
  assert.equal(dropped, 1);
  await assert.rejects(Promise.resolve(handle), CancelledError);
});

test("a task can abort itself from inside its own poll", async () => {
  const executor = new LocalExecutor();
  let finallyRan = false;
  const box: { handle?: { abort(): void } } = {};
  function* selfAborting(): Coroutine<void> {
    try {
      box.handle?.abort();
      yield* yieldNow();
      yield* pending<void>();
    } finally {
      finallyRan = true;
    }
  }
  const handle = executor.spawn(selfAborting());
  box.handle = handle;
  await executor.run();
  assert.equal(finallyRan, true);
  await assert.rejects(Promise.resolve(handle), CancelledError);
});

test("a detached task's failure goes to onUnhandledError", async () => {
  const reported: unknown[] = [];
  const executor = new LocalExecutor({ onUnhandledError: (error) => reported.push(error) });
  const error = new Error("nobody joins me");
  function* failing(): Coroutine<void> {
    yield* yieldNow();
    throw error;
  }
  executor.spawn(failing()).detach();
  await executor.run();
  assert.deepEqual(reported, [error]);
});

test("an aborted or dropped task's cancellation is not reported to onUnhandledError", async () => {
  const reported: unknown[] = [];
  const executor = new LocalExecutor({ onUnhandledError: (error) => reported.push(error) });
  const aborted = executor.spawn(pending());
  aborted.abort();
  const dropped = executor.spawn(pending());
  dropped[Symbol.dispose]();
  dropped.abort();
  await executor.run();
  assert.deepEqual(reported, []);
  await assert.rejects(Promise.resolve(aborted), CancelledError);
});

test("without onUnhandledError, a detached failure rejects run()", async () => {
  const executor = new LocalExecutor();
  const error = new Error("loud");
  function* failing(): Coroutine<void> {
    yield* yieldNow();
    throw error;
  }
  executor.spawn(failing()).detach();
  await assert.rejects(executor.run(), (e: unknown) => e === error);
});

test("joinAll over join handles takes each output as its task settles and wakes its task once, when the last is in", async () => {
  const executor = new LocalExecutor();
  function* slow(n: number, turns: number): Coroutine<number> {
    for (let i = 0; i < turns; i++) yield* yieldNow();
    return n;
  }
  let parentPolls = 0;
  function* parent(): Coroutine<number[]> {
    const handles = [executor.spawn(slow(1, 3)), executor.spawn(slow(2, 1)), executor.spawn(slow(3, 2))];
    const all = joinAll(handles);
    const counted = pollFn((cx) => {
      parentPolls++;
      return all.poll(cx);
    });
    return yield* counted;
  }
  const outputs = executor.spawn(parent());
  await executor.run();
  assert.deepEqual(await outputs, [1, 2, 3]);
  // The first poll registers on the three handles; each settling task hands its output to the
  // joinAll, and only the last one wakes the parent (it woke it once per child before).
  assert.equal(parentPolls, 2, `the parent was polled ${parentPolls} times`);

  // 1,000 children settling after the parent's first poll: still one wake, not one poll per
  // 128 children (the cooperative budget limited the parent's second poll of every handle).
  const many = new LocalExecutor();
  let manyPolls = 0;
  function* manyParent(): Coroutine<number> {
    const handles = [];
    for (let i = 0; i < 1000; i++) handles.push(many.spawn(slow(i, i % 3)));
    const all = joinAll(handles);
    const outputs: number[] = yield* pollFn((cx) => {
      manyPolls++;
      return all.poll(cx);
    });
    return outputs.reduce((sum, n, i) => (n === i ? sum + 1 : sum), 0);
  }
  const inOrder = many.spawn(manyParent());
  await many.run();
  assert.equal(await inOrder, 1000, "every output at its child's index");
  assert.equal(manyPolls, 2, `the parent was polled ${manyPolls} times`);

  // A child that fails wakes the parent at once, which fails with that error; the values taken
  // from the others before are dropped with the joinAll.
  const failing = new LocalExecutor();
  function* fails(): Coroutine<number> {
    yield* yieldNow();
    throw new Error("child 2 failed");
  }
  function* failingParent(): Coroutine<number[]> {
    return yield* joinAll([failing.spawn(slow(1, 0)), failing.spawn(fails()), failing.spawn(slow(3, 5))]);
  }
  const failed = failing.spawn(failingParent());
  await failing.run();
  await assert.rejects(Promise.resolve(failed), /child 2 failed/);
});

test("a joinAll child that polls a task handle itself (a pollFn mapping its value) gets the task's outcome through its own poll", async () => {
  const executor = new LocalExecutor();
  function* parent(): Coroutine<number[]> {
    const handles = [executor.spawn(value(1)), executor.spawn(value(2))];
    // Child 0 is the handle itself; child 1 a future that polls the other handle and doubles it.
    const first = handles[0] as JoinHandle<number>;
    const second = handles[1] as JoinHandle<number>;
    const doubled = pollFn<number>((cx) => {
      const output = second.poll(cx);
      return output === PENDING ? PENDING : 2 * output;
    });
    return yield* joinAll<number>([first, doubled]);
  }
  const outputs = executor.spawn(parent());
  await executor.run();
  assert.deepEqual(await outputs, [1, 4]);
});

test("a handle polled by a joinAll and then by another waker wakes only the latest one", async () => {
  const executor = new LocalExecutor();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const handle = executor.spawn(fromPromise(gate));
  // First joined by a joinAll polled by hand with a counting waker...
  const first = countingWaker();
  const all = joinAll([handle]);
  assert.equal(all.poll(new Context(first.waker)), PENDING);
  // ...then polled directly with a second waker: the latest waker replaces the set's registration.
  const second = countingWaker();
  assert.equal(handle.poll(new Context(second.waker)), PENDING);
  release();
  await executor.run();
  assert.equal(second.counter.wakes, 1, "the latest waker is woken once");
  assert.equal(first.counter.wakes + first.counter.wakesByRef, 0, "the joinAll's parent is not woken any more");
  assert.equal(second.counter.clones, 1);
  // A handle joined by a race that lost is detached: the task runs on and its outcome is not lost.
  const executor2 = new LocalExecutor();
  let release2!: () => void;
  const gate2 = new Promise<void>((resolve) => (release2 = resolve));
  const loser = executor2.spawn(fromPromise(gate2.then(() => 7)));
  const winner = race([loser, pollFn(() => 5)]);
  assert.equal(winner.poll(Context.noop()), 5);
  release2();
  await executor2.run();
  assert.equal(loser.isFinished, true);
  assert.equal(await loser, 7);
});

test("joinAll over handles of tasks settled, waiting and detached: a waiting task registers, a settled one is polled, a detached one fails the join", async () => {
  const executor = new LocalExecutor();
  const settled = executor.spawn(value(1));
  await executor.run(); // `settled` completed before the joinAll is polled
  function* parent(): Coroutine<number[]> {
    // A settled handle between runs of waiting ones: each run registers, the settled one is polled.
    return yield* joinAll([executor.spawn(value(2)), settled, executor.spawn(value(3)), executor.spawn(value(4))]);
  }
  const outputs = executor.spawn(parent());
  await executor.run();
  assert.deepEqual(await outputs, [2, 1, 3, 4]);

  const detached = executor.spawn(value(5));
  detached.detach();
  function* withDetached(): Coroutine<number[]> {
    return yield* joinAll([executor.spawn(value(6)), detached]);
  }
  const failing = executor.spawn(withDetached());
  await executor.run();
  await assert.rejects(Promise.resolve(failing), (error: unknown) => {
    assert.ok(error instanceof SpindleError);
    assert.equal(error.code, "FUTURE_COMPLETED");
    return true;
  });
});
