import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CancelledError,
  type Coroutine,
  fromPromise,
  LocalExecutor,
  PENDING,
  pending,
  pollFn,
  sharedWaker,
  SpindleError,
  tasksAwaitHostTurn,
  type Waker,
  WakeTable,
  yieldNow,
} from "./mod.ts";
import { random, within } from "@spindle/test-support";

test("a future that wakes its own waker during poll and returns pending is polled again", async () => {
  const executor = new LocalExecutor();
  let polls = 0;
  const handle = executor.spawn(
    pollFn((cx) => {
      if (++polls === 3) return "done";
      cx.waker.wakeByRef();
      return PENDING;
    }),
  );
  await executor.run();
  assert.equal(await handle, "done");
  assert.equal(polls, 3);
});

test("a wake from a clone taken during poll, fired after poll returned, reschedules once", async () => {
  const executor = new LocalExecutor();
  let polls = 0;
  let stored: Waker | null = null;
  const handle = executor.spawn(
    pollFn((cx) => {
      polls++;
      if (stored !== null) return polls;
      stored = cx.waker.clone();
      queueMicrotask(() => {
        stored?.wakeByRef();
        stored?.wake();
      });
      return PENDING;
    }),
  );
  await executor.run();
  assert.equal(await handle, 2);
});

test("spawn works from inside a task", async () => {
  const executor = new LocalExecutor();
  function* child(n: number): Coroutine<number> {
    yield* yieldNow();
    return n * 2;
  }
  function* parent(): Coroutine<number> {
    const handles = [1, 2, 3].map((n) => executor.spawn(child(n)));
    let sum = 0;
    for (const handle of handles) sum += yield* handle;
    return sum;
  }
  const handle = executor.spawn(parent());
  await executor.run();
  assert.equal(await handle, 12);
});

test("100,000 tasks woken in random order from several sources each complete exactly once", async () => {
  const executor = new LocalExecutor();
  const count = 100_000;
  const completions = new Uint8Array(count);
  const wakers: (Waker | null)[] = new Array(count).fill(null);
  const next = random(42);
  const table = WakeTable.forThisThread();
  let registered = 0;
  let parked = 0;
  function* waiting(i: number): Coroutine<void> {
    let woken = false;
    yield* pollFn((cx) => {
      if (woken) return undefined;
      woken = true;
      wakers[i] = cx.waker.clone();
      parked++;
      return PENDING;
    });
    completions[i]!++;
  }
  for (let i = 0; i < count; i++) executor.spawn(waiting(i));
  const run = executor.run();
  // Let every task park first, then wake them in a shuffled order through four different paths.
  while (parked < count) await new Promise((resolve) => setImmediate(resolve));
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const handles = [];
  for (const [k, i] of order.entries()) {
    const waker = wakers[i]!;
    switch (k % 4) {
      case 0: // synchronously, from outside the executor
        waker.wake();
        break;
      case 1: // from a microtask
        queueMicrotask(() => waker.wake());
        break;
      case 2: // from a macrotask
        setTimeout(() => waker.wake(), 0);
        break;
      case 3: {
        // through shared memory, as another thread would
        const handle = table.register(waker);
        registered++;
        handles.push(handle);
        waker.drop();
        sharedWaker(handle).wake();
        break;
      }
    }
  }
  await run;
  for (const handle of handles) table.unregister(handle);
  assert.equal(registered, count / 4);
  assert.equal(executor.taskCount, 0);
  assert.equal(completions.every((n) => n === 1), true);
});

test("the executor shares the thread with the host event loop while many tasks are ready", async () => {
  const executor = new LocalExecutor({ timeSliceMs: 1 });
  let pollsWhenTimerRan = -1;
  let polls = 0;
  function* busy(): Coroutine<void> {
    for (let i = 0; i < 100; i++) {
      polls++;
      const end = performance.now() + 0.02; // 20 µs of work per poll: 40 ms in all
      while (performance.now() < end);
      yield* yieldNow();
    }
  }
  for (let i = 0; i < 20; i++) executor.spawn(busy());
  setTimeout(() => (pollsWhenTimerRan = polls), 1);
  await executor.run();
  assert.notEqual(pollsWhenTimerRan, -1, "the host timer never ran");
  assert.ok(pollsWhenTimerRan < 1000, `the host timer ran only after ${pollsWhenTimerRan} of 2000 polls`);
});

test("tasksAwaitHostTurn() tells while an executor whose slice ended waits for the host's turn", async () => {
  const executor = new LocalExecutor({ timeSliceMs: 1 });
  const seenAfterDrives: boolean[] = [];
  function* busy(): Coroutine<void> {
    for (let i = 0; i < 3; i++) {
      const end = performance.now() + 0.1; // 100 µs a poll: 40 polls use a slice up many times
      while (performance.now() < end);
      // Runs once the drive that polled this task returned.
      queueMicrotask(() => seenAfterDrives.push(tasksAwaitHostTurn()));
      yield* yieldNow();
    }
  }
  assert.equal(tasksAwaitHostTurn(), false, "no executor waits before any runs");
  for (let i = 0; i < 40; i++) executor.spawn(busy());
  await executor.run();
  assert.ok(seenAfterDrives.includes(true), "a drive ended with its slice used up and tasks ready");
  assert.equal(tasksAwaitHostTurn(), false, "no executor waits once every task settled");
});

test("run() parks while no task is ready and resumes on a wake from a promise", async () => {
  const executor = new LocalExecutor();
  function* waitForTimer(): Coroutine<string> {
    return yield* fromPromise(new Promise<string>((resolve) => setTimeout(() => resolve("fired"), 20)));
  }
  const handle = executor.spawn(waitForTimer());
  await executor.run();
  assert.equal(await handle, "fired");
});

test("onIdle runs only when no task is ready, and the tasks it wakes run before the executor parks", async () => {
  const parked: Waker[] = [];
  const idleCalls: number[] = [];
  let released = 0;
  const executor = new LocalExecutor({
    onIdle: () => {
      idleCalls.push(parked.length);
      parked.shift()?.wake();
    },
  });
  const waitOnce = () => {
    let waited = false;
    return pollFn((cx) => {
      if (waited) return ++released;
      waited = true;
      parked.push(cx.waker.clone());
      return PENDING;
    });
  };
  executor.spawn(waitOnce());
  executor.spawn(waitOnce());
  await executor.run();
  assert.equal(released, 2);
  // Called once with both tasks parked and once with one; never while a task was ready.
  assert.deepEqual(idleCalls, [2, 1]);
});

test("close() cancels every task and later spawns throw EXECUTOR_CLOSED", async () => {
  const executor = new LocalExecutor();
  let finallyRan = false;
  function* forever(): Coroutine<void> {
    try {
      yield* pending<void>();
    } finally {
      finallyRan = true;
    }
  }
  const handle = executor.spawn(forever());
  const run = executor.run();
  await new Promise((resolve) => setImmediate(resolve));
  executor.close();
  await run;
  assert.equal(finallyRan, true);
  await assert.rejects(Promise.resolve(handle), CancelledError);
  assert.throws(
    () => executor.spawn(pending()),
    (e: unknown) => e instanceof SpindleError && e.code === "EXECUTOR_CLOSED",
  );
});

test("close() reaches tasks never polled, waiting tasks, and the task whose poll called it, each settling once", async () => {
  const executor = new LocalExecutor();
  const finallies: string[] = [];
  function* waits(name: string): Coroutine<void> {
    try {
      yield* pending<void>();
    } finally {
      finallies.push(name);
    }
  }
  // Closes the executor from its own poll, then keeps running to its end in that poll.
  function* closer(): Coroutine<string> {
    try {
      executor.close();
      return "returned after close";
    } finally {
      finallies.push("closer");
    }
  }
  const waiting = executor.spawn(waits("waiting"));
  const run = executor.run();
  await new Promise((resolve) => setImmediate(resolve)); // `waiting` was polled: it waits
  const closing = executor.spawn(closer());
  const neverPolled = executor.spawn(waits("never polled")); // queued behind `closing`
  await within(run, 5_000, "run() after close()");
  await assert.rejects(Promise.resolve(waiting), CancelledError);
  await assert.rejects(Promise.resolve(neverPolled), CancelledError);
  // The closing task completed within the poll that closed the executor: its outcome stands.
  assert.equal(await closing, "returned after close");
  // A generator that never started has no `finally` to run yet.
  assert.deepEqual(finallies.sort(), ["closer", "waiting"]);
  assert.equal(executor.taskCount, 0);

  // A task that closes its executor and then waits is cancelled once that poll returns.
  const second = new LocalExecutor();
  let waiterFinally = 0;
  function* closerThatWaits(): Coroutine<void> {
    try {
      second.close();
      yield* pending<void>();
    } finally {
      waiterFinally++;
    }
  }
  const waiter = second.spawn(closerThatWaits());
  await within(second.run(), 5_000, "run() after close() from a task that then waits");
  await assert.rejects(Promise.resolve(waiter), CancelledError);
  assert.equal(waiterFinally, 1);
  assert.equal(second.taskCount, 0);
});

/** Waits for `until` (for ever when `null`), then returns `value`; its `finally` records `value` in `finallies`. */
function* waitThenReturn<T>(value: T, until: Promise<void> | null, finallies: T[]): Coroutine<T> {
  try {
    if (until === null) yield* pending<void>();
    else yield* fromPromise(until);
    return value;
  } finally {
    finallies.push(value);
  }
}

test("close() reaches every waiting task after tasks that waited in other batches settled, in any order", async () => {
  const executor = new LocalExecutor();
  const finallies: string[] = [];
  const waits = (name: string, until: Promise<void> | null) => waitThenReturn(name, until, finallies);
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const run = executor.run();
  // Three batches of tasks that wait: the first and last wait for ever, the middle one settles.
  const first = [executor.spawn(waits("first 0", null)), executor.spawn(waits("first 1", null))];
  await turn();
  const middle = [0, 1, 2].map((i) => executor.spawn(waits(`middle ${i}`, released)));
  await turn();
  const last = [executor.spawn(waits("last 0", null)), executor.spawn(waits("last 1", null))];
  await turn();
  first[1]?.abort(); // settles the newest of the first batch's tasks on its own
  await assert.rejects(Promise.resolve(first[1]), CancelledError);
  release();
  assert.deepEqual(await Promise.all(middle), ["middle 0", "middle 1", "middle 2"]);
  assert.equal(executor.taskCount, 3);
  executor.close();
  await within(run, 5_000, "run() after close()");
  for (const handle of [first[0], ...last]) await assert.rejects(Promise.resolve(handle), CancelledError);
  assert.deepEqual(finallies.sort(), ["first 0", "first 1", "last 0", "last 1", "middle 0", "middle 1", "middle 2"]);
  assert.equal(executor.taskCount, 0);
});

test("close() reaches the tasks still waiting in a batch whose other waiting tasks settled in any order", async () => {
  // 100 tasks wait in one batch; 97 settle, in an order unrelated to the order they waited in, so
  // the executor's list of waiting tasks loses members from everywhere in it while 3 still wait.
  const executor = new LocalExecutor();
  const finallies: number[] = [];
  const waits = (index: number, until: Promise<void> | null) => waitThenReturn(index, until, finallies);
  const forever = new Set([0, 50, 99]);
  const releases: (() => void)[] = [];
  const handles = Array.from({ length: 100 }, (_, i) => {
    if (forever.has(i)) return executor.spawn(waits(i, null));
    return executor.spawn(waits(i, new Promise<void>((resolve) => releases.push(resolve))));
  });
  const run = executor.run();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(executor.taskCount, 100);
  for (let k = 0; k < releases.length; k++) (releases[(k * 37) % releases.length] as () => void)();
  const settled = handles.filter((_, i) => !forever.has(i));
  assert.deepEqual(await Promise.all(settled), [...Array(100).keys()].filter((i) => !forever.has(i)));
  assert.equal(executor.taskCount, 3);
  executor.close();
  await within(run, 5_000, "run() after close()");
  for (const i of forever) await assert.rejects(Promise.resolve(handles[i]), CancelledError);
  assert.deepEqual(finallies.sort((a, b) => a - b), [...Array(100).keys()]);
  assert.equal(executor.taskCount, 0);
});

test("bad options and bad spawn arguments get typed errors naming the value", () => {
  assert.throws(() => new LocalExecutor({ timeSliceMs: 0 }), /timeSliceMs must be a finite number > 0, got 0/);
  assert.throws(() => new LocalExecutor({ timeSliceMs: Number.NaN }), /got NaN/);
  assert.throws(() => new LocalExecutor({ onIdle: "later" as never }), /onIdle must be a function, got "later"/);
  assert.throws(
    () => new LocalExecutor().spawn(42 as never),
    (e: unknown) => e instanceof SpindleError && e.code === "NOT_A_FUTURE" && /got 42/.test(e.message),
  );
});

test("spawn takes what has a poll method as a future, an iterator with next, throw and Symbol.iterator as a coroutine, and refuses the rest", async () => {
  const executor = new LocalExecutor();
  // A function with a poll method is a future; so is an object that also iterates itself.
  const fn = Object.assign(() => {}, { poll: () => "function future" });
  const both = { poll: () => "poll wins", next: () => assert.fail("driven as a coroutine"), throw: () => {} };
  const iterator = {
    next(): IteratorResult<never, string> {
      return { done: true, value: "hand-made coroutine" };
    },
    throw(error: unknown): never {
      throw error;
    },
    [Symbol.iterator]() {
      return this;
    },
  };
  const handles = [executor.spawn(fn as never), executor.spawn(both as never), executor.spawn(iterator as never)];
  await executor.run();
  assert.deepEqual(await Promise.all(handles), ["function future", "poll wins", "hand-made coroutine"]);
  // An iterable without throw, a plain function, a string: none is a future or a coroutine.
  for (
    const [value, shown] of [[[1, 2], /got an Array/], [() => {}, /got function/], ["text", /got "text"/]] as const
  ) {
    assert.throws(
      () => executor.spawn(value as never),
      (e: unknown) => e instanceof SpindleError && e.code === "NOT_A_FUTURE" && shown.test(e.message),
    );
  }
});

test("a task whose coroutine yields a value that is not a future gets NOT_A_FUTURE thrown in at that yield", async () => {
  const executor = new LocalExecutor();
  const caught: string[] = [];
  // `yield` (not `yield*`) of a plain object, of an object without poll, of a primitive, of null.
  function* wrong(value: unknown): Coroutine<string> {
    try {
      yield value as never;
    } catch (error) {
      assert.ok(error instanceof SpindleError && error.code === "NOT_A_FUTURE", String(error));
      caught.push(error.message);
      return "caught";
    }
    return "not thrown";
  }
  const values = [{}, { poll: 1 }, 5, null, undefined];
  const handles = values.map((value) => executor.spawn(wrong(value)));
  await executor.run();
  for (const handle of handles) assert.equal(await handle, "caught");
  assert.equal(caught.length, values.length);
  assert.match(caught[0] as string, /a coroutine yielded .*; use `yield\*` on a future/);
  assert.match(caught[2] as string, /yielded 5/);
});

test("a task spawned after run() resolved runs without another run() call, and run() again waits for it", async () => {
  const executor = new LocalExecutor();
  function* twice(n: number): Coroutine<number> {
    yield* yieldNow();
    const m: number = yield* fromPromise(new Promise<number>((resolve) => setTimeout(() => resolve(n), 1)));
    return 2 * m;
  }
  const first = executor.spawn(twice(1));
  await executor.run();
  assert.equal(await first, 2);
  const late = executor.spawn(twice(2));
  assert.equal(await within(Promise.resolve(late), 5000, "the task spawned after run() resolved"), 4);
  const later = executor.spawn(twice(3));
  await within(executor.run(), 5000, "a second run()");
  assert.equal(later.isFinished, true);
  assert.equal(await later, 6);
  assert.equal(executor.taskCount, 0);
});

test("a task spawned after run() resolved can join another such task, and spawn more", async () => {
  const executor = new LocalExecutor();
  await executor.run();
  function* leaf(n: number): Coroutine<number> {
    yield* yieldNow();
    return n;
  }
  function* parent(): Coroutine<number> {
    const handles = [1, 2, 3].map((n) => executor.spawn(leaf(n)));
    let sum = 0;
    for (const handle of handles) sum += yield* handle;
    return sum;
  }
  assert.equal(await within(Promise.resolve(executor.spawn(parent())), 5000, "the late parent"), 6);
});

test("after a detached failure rejected run(), the other tasks still run when woken", async () => {
  const executor = new LocalExecutor();
  let release!: (value: string) => void;
  const gate = new Promise<string>((resolve) => (release = resolve));
  function* waiter(): Coroutine<string> {
    return yield* fromPromise(gate);
  }
  function* failing(): Coroutine<never> {
    yield* yieldNow();
    throw new RangeError("detached failure");
  }
  const waiting = executor.spawn(waiter());
  executor.spawn(failing()).detach();
  await assert.rejects(executor.run(), RangeError);
  assert.equal(executor.taskCount, 1);
  release("released");
  assert.equal(await within(Promise.resolve(waiting), 5000, "the task woken after run() rejected"), "released");
});

test("before the first run(), a spawned task waits for it", async () => {
  const executor = new LocalExecutor();
  let polled = false;
  const handle = executor.spawn(pollFn(() => {
    polled = true;
    return "ran";
  }));
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(polled, false);
  await executor.run();
  assert.equal(await handle, "ran");
});
