// Port of tokio/tests/task_join_set.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's TaskScope (a JoinSet), written from the core README and the
// structured-concurrency guide; tokio's paused clock is @spindle/timer's VirtualClock.
// Differs: `joinNext()` yields nothing for a task aborted through its handle or by the scope
// (README), where tokio's join_next gives Err(JoinError::Cancelled); `joinNextWithId()` yields
// every task (tokio's join_next_with_id), so the ports that count cancellations use it. tokio's
// `try_join_next()` is None both while tasks run and once none is left; `tryJoinNext()` tells
// PENDING from STREAM_END. Every task here is "local" (one thread), so tokio's spawn_local and
// spawn tests are the same port.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Coroutine,
  type Future,
  LocalExecutor,
  PENDING,
  pending,
  pollFn,
  ready,
  STREAM_END,
  TaskScope,
  yieldNow,
} from "@spindle/core";
import { ClosedError, oneshot, type OneshotReceiver, Semaphore, watch, type WatchReceiver } from "@spindle/sync";
import { VirtualClock } from "@spindle/timer";

/**
 * Runs `body` as a task on a LocalExecutor whose virtual clock jumps when it is idle. Once the
 * body settles the executor is closed, so a failed assertion cannot leave scope tasks pending
 * (and the run unsettled) behind it.
 */
async function paused<T>(body: (clock: VirtualClock) => Coroutine<T>): Promise<T> {
  const clock = new VirtualClock();
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  const handle = executor.spawn(body(clock));
  const running = executor.run();
  try {
    return await handle;
  } finally {
    executor.close();
    await running.catch(() => {});
  }
}

function* sleepThen<T>(clock: VirtualClock, ms: number, value: T): Coroutine<T> {
  yield* clock.timer.sleep(ms);
  return value;
}

/** Tasks that wait forever holding a oneshot sender, dropped in their finally (Rust's drop). */
function spawnPendingTasks(scope: TaskScope<void>, n: number): OneshotReceiver<void>[] {
  const receivers: OneshotReceiver<void>[] = [];
  for (let i = 0; i < n; i++) {
    const [tx, rx] = oneshot<void>();
    receivers.push(rx);
    scope.spawn(function* (): Coroutine<void> {
      try {
        yield* pending<void>();
      } finally {
        tx.drop();
      }
    }());
  }
  return receivers;
}

function* awaitReceiversClosed(receivers: OneshotReceiver<void>[]): Coroutine<void> {
  for (const rx of receivers) {
    try {
      yield* rx;
      assert.fail("the task should have been aborted and the sender dropped");
    } catch (e) {
      assert.ok(e instanceof ClosedError);
    }
  }
}

function* drainAndAssert(scope: TaskScope<number>, n: number): Coroutine<void> {
  const seen = new Array<boolean>(n).fill(false);
  for (let idx; (idx = yield* scope.joinNext()) !== STREAM_END;) seen[idx] = true;
  assert.ok(seen.every(Boolean));
  assert.equal(scope.size, 0);
}

test("test_with_sleep", async () => {
  await paused(function* (clock): Coroutine<void> {
    const scope = new TaskScope<number>();
    for (let i = 0; i < 10; i++) {
      scope.spawn(ready(i));
      assert.equal(scope.size, 1 + i);
    }
    scope.detachAll();
    assert.equal(scope.size, 0);
    assert.equal(yield* scope.joinNext(), STREAM_END);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 10; i++) {
        scope.spawn(sleepThen(clock, i * 1000, i));
        assert.equal(scope.size, 1 + i);
      }
      const seen = new Array<boolean>(10).fill(false);
      for (let i; (i = yield* scope.joinNext()) !== STREAM_END;) seen[i] = true;
      assert.ok(seen.every(Boolean));
      assert.equal(yield* scope.joinNext(), STREAM_END);
    }
    yield* scope.close();
  });
});

test("test_abort_on_drop", async () => {
  await paused(function* (): Coroutine<void> {
    const scope = new TaskScope<void>();
    const receivers = spawnPendingTasks(scope, 16);
    yield* yieldNow(); // let the tasks start waiting
    scope[Symbol.dispose](); // Rust's drop(set): aborts every task
    yield* awaitReceiversClosed(receivers);
  });
});

// Differs: tokio's len() counts the tasks not joined yet; `size` counts the tasks not settled
// (core's TaskScope docs), so a finished task whose result waits for joinNext is not in it.
test("alternating (differs: size counts unsettled tasks)", async () => {
  await paused(function* (): Coroutine<void> {
    const scope = new TaskScope<void>();
    assert.equal(scope.size, 0);
    scope.spawn(ready(undefined));
    assert.equal(scope.size, 1);
    scope.spawn(ready(undefined));
    assert.equal(scope.size, 2);
    let joined = 0;
    for (let i = 0; i < 16; i++) {
      assert.equal(yield* scope.joinNext(), undefined);
      joined++;
      assert.ok(scope.size <= 1, `size ${scope.size} after a join`);
      const before: number = scope.size;
      scope.spawn(ready(undefined));
      assert.equal(scope.size, before + 1);
    }
    while ((yield* scope.joinNext()) !== STREAM_END) joined++;
    assert.equal(joined, 18, "every task spawned was joined once");
    yield* scope.close();
  });
});

// tokio's join_next counts the aborted tasks as Err(Cancelled): joinNextWithId here.
test("abort_tasks", async () => {
  await paused(function* (clock): Coroutine<void> {
    const scope = new TaskScope<number>();
    let numCanceled = 0;
    let numCompleted = 0;
    for (let i = 0; i < 16; i++) {
      const abort = scope.spawn(sleepThen(clock, i * 1000, i));
      if (i % 2 !== 0) abort.abort();
    }
    for (let res; (res = yield* scope.joinNextWithId()) !== STREAM_END;) {
      if (res.status === "fulfilled") {
        numCompleted++;
        assert.equal(res.value % 2, 0);
      } else {
        assert.equal(res.status, "cancelled");
        numCanceled++;
      }
    }
    assert.equal(numCanceled, 8);
    assert.equal(numCompleted, 8);
    assert.equal(scope.size, 0);
    yield* scope.close();
  });
});

// tokio drops the runtime under the set; here the scope's executor is closed, which cancels its
// tasks (unpolled), and the scope is joined from elsewhere (blockOn).
test("runtime_gone", () => {
  let scope: TaskScope<number>;
  {
    const executor = new LocalExecutor();
    scope = new TaskScope<number>({ executor });
    scope.spawn(ready(1));
    executor.close();
  }
  const outcome = blockOn(scope.joinNextWithId());
  assert.ok(outcome !== STREAM_END && outcome.status === "cancelled", "the task was cancelled with its executor");
});

test("join_all", async () => {
  await paused(function* (): Coroutine<void> {
    const scope = new TaskScope<number>();
    for (let i = 0; i < 5; i++) scope.spawn(ready(1));
    const res = yield* scope.joinAll();
    assert.deepEqual(res, [1, 1, 1, 1, 1]);
    yield* scope.close();
  });
});

test("task_panics", async () => {
  const [tx, rx] = oneshot<void>();
  const failure = new Error("panic");
  await paused(function* (clock): Coroutine<void> {
    const scope = new TaskScope<void>();
    scope.spawn(function* (): Coroutine<void> {
      yield* clock.timer.sleep(2000);
      tx.send();
    }());
    assert.equal(scope.size, 1);
    scope.spawn(function* (): Coroutine<void> {
      yield* clock.timer.sleep(1000);
      throw failure;
    }());
    assert.equal(scope.size, 2);
    try {
      yield* scope.joinAll();
      assert.fail("joinAll did not throw the failure");
    } catch (e) {
      assert.equal(e, failure);
    } finally {
      yield* scope.close();
    }
  });
  assert.notEqual(rx.tryRecv(), undefined, "the sibling was aborted before it sent");
  assert.equal(rx.tryRecv() === PENDING || rx.tryRecv() === STREAM_END, true);
});

// Differs: tokio's abort_all() leaves the set open; the counterpart here is close(), which aborts
// what is left, waits for it, and closes the scope.
test("abort_all", async () => {
  await paused(function* (clock): Coroutine<void> {
    const scope = new TaskScope<void>();
    for (let i = 0; i < 5; i++) scope.spawn(pending<void>());
    for (let i = 0; i < 5; i++) scope.spawn(clock.timer.sleep(1000));
    yield* clock.timer.sleep(2000);
    assert.equal(scope.size, 5, "the sleepers settled (tokio's len() still counts them: 10)");
    yield* scope.close();
    assert.equal(scope.size, 0);
    assert.equal(yield* scope.joinNext(), STREAM_END);
  });
});

test("join_set_coop", async () => {
  const TASK_NUM = 1000;
  await paused(function* (): Coroutine<void> {
    const sem = new Semaphore(0);
    const scope = new TaskScope<void>();
    for (let i = 0; i < TASK_NUM; i++) {
      scope.spawn(function* (): Coroutine<void> {
        sem.addPermits(1);
      }());
    }
    (yield* sem.acquire(TASK_NUM)).release();
    let count = 0;
    let coopCount = 0;
    for (;;) {
      // tokio's `now_or_never()`: one poll of joinNext with the task's own context (and budget).
      const once: unknown = yield* pollFn((cx) => {
        const joining: Future<void | typeof STREAM_END> = scope.joinNext();
        const out = joining.poll(cx);
        if (out === PENDING) joining[Symbol.dispose]();
        return out === PENDING ? "not ready" : { out };
      });
      if (once === "not ready") {
        coopCount++;
        yield* yieldNow();
        continue;
      }
      if ((once as { out: unknown }).out === STREAM_END) break;
      count++;
    }
    assert.ok(coopCount >= 1, "joinNext of finished tasks ran out of budget at least once");
    assert.equal(count, TASK_NUM);
    yield* scope.close();
  });
});

/** Watch receivers, one per task, each task done once the value changed (it then drops its receiver). */
function spawnWatchers(scope: TaskScope<void>, recv: WatchReceiver<void>, n: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const rx = recv.clone();
    const handle = scope.spawn(function* (): Coroutine<void> {
      try {
        yield* rx.changed();
      } finally {
        rx[Symbol.dispose]();
      }
    }());
    ids.push(handle.id);
  }
  return ids;
}

/** tokio's `send.closed().await`: until every receiver is gone (each task dropped its own). */
function* allReceiversGone(count: () => number): Coroutine<void> {
  while (count() > 0) yield* yieldNow();
}

test("try_join_next", async () => {
  const TASK_NUM = 1000;
  await paused(function* (): Coroutine<void> {
    const [send, recv] = watch<void>(undefined);
    const scope = new TaskScope<void>();
    spawnWatchers(scope, recv, TASK_NUM);
    recv[Symbol.dispose]();
    assert.equal(scope.tryJoinNext(), PENDING);
    send.sendReplace(undefined);
    yield* allReceiversGone(() => send.receiverCount);
    let count = 0;
    for (;;) {
      const res = scope.tryJoinNext();
      if (res === PENDING || res === STREAM_END) break;
      count++;
    }
    assert.equal(count, TASK_NUM);
    yield* scope.close();
  });
});

test("try_join_next_with_id", async () => {
  const TASK_NUM = 1000;
  await paused(function* (): Coroutine<void> {
    const [send, recv] = watch<void>(undefined);
    const scope = new TaskScope<void>();
    const spawned = new Set(spawnWatchers(scope, recv, TASK_NUM));
    recv[Symbol.dispose]();
    assert.equal(scope.tryJoinNextWithId(), PENDING);
    send.sendReplace(undefined);
    yield* allReceiversGone(() => send.receiverCount);
    let count = 0;
    const joined = new Set<number>();
    for (;;) {
      const res = scope.tryJoinNextWithId();
      if (res === PENDING || res === STREAM_END) break;
      assert.equal(res.status, "fulfilled", `failed: ${String(res.status !== "fulfilled" && res.reason)}`);
      count++;
      joined.add(res.id);
    }
    assert.equal(count, TASK_NUM);
    assert.deepEqual(joined, spawned);
    yield* scope.close();
  });
});

// tokio's `collect()` into a JoinSet and `set.extend(iter)`: TaskScope.from and spawnAll.
test("extend", async () => {
  await paused(function* (): Coroutine<void> {
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => ready(from + k));
    const scope = TaskScope.from(range(0, 5));
    scope.spawnAll(range(5, 10));
    const seen = new Array<boolean>(10).fill(false);
    for (let idx; (idx = yield* scope.joinNext()) !== STREAM_END;) seen[idx] = true;
    assert.ok(seen.every(Boolean));
    yield* scope.close();
  });
});

test("spawn_local::local_runtime::spawn_then_join_next", async () => {
  await paused(function* (): Coroutine<void> {
    const scope = new TaskScope<number>();
    for (let i = 0; i < 8; i++) scope.spawn(ready(i));
    assert.equal(scope.tryJoinNext(), PENDING);
    yield* drainAndAssert(scope, 8);
    yield* scope.close();
  });
});

// Differs: JavaScript cannot run the `finally` of a coroutine that never started, so a task
// aborted before its first poll does not drop what it holds (Rust drops an unpolled future's
// captures). The tasks are let start (one yield) before the scope is shut down.
test("spawn_local::local_runtime::spawn_then_shutdown", async () => {
  await paused(function* (): Coroutine<void> {
    const scope = new TaskScope<void>();
    const receivers = spawnPendingTasks(scope, 8);
    assert.equal(scope.tryJoinNext(), PENDING);
    yield* yieldNow();
    yield* scope.close(); // tokio's shutdown(): abort all and wait
    assert.equal(scope.size, 0);
    yield* awaitReceiversClosed(receivers);
  });
});

test("spawn_local::local_runtime::spawn_then_drop", async () => {
  await paused(function* (): Coroutine<void> {
    const scope = new TaskScope<void>();
    const receivers = spawnPendingTasks(scope, 8);
    assert.equal(scope.tryJoinNext(), PENDING);
    yield* yieldNow(); // as in spawn_then_shutdown: the tasks start before the drop
    scope[Symbol.dispose]();
    yield* awaitReceiversClosed(receivers);
  });
});

// tokio's spawn_local_on(fut, &local): the scope's tasks go to a given executor, spawned before it runs.
test("spawn_local_on::local_set::spawn_then_join_next", async () => {
  const executor = new LocalExecutor();
  const scope = new TaskScope<number>({ executor });
  for (let i = 0; i < 8; i++) scope.spawn(ready(i));
  assert.equal(scope.tryJoinNext(), PENDING);
  const drained = executor.spawn(function* (): Coroutine<void> {
    yield* drainAndAssert(scope, 8);
    yield* scope.close();
  }());
  await executor.run();
  await drained;
});

test("spawn_local_on::local_set::spawn_then_shutdown", async () => {
  const executor = new LocalExecutor();
  const scope = new TaskScope<void>({ executor });
  const receivers = spawnPendingTasks(scope, 8);
  assert.equal(scope.tryJoinNext(), PENDING);
  const done = executor.spawn(function* (): Coroutine<void> {
    yield* yieldNow(); // the tasks start first (see spawn_local::local_runtime::spawn_then_shutdown)
    yield* scope.close();
    assert.equal(scope.size, 0);
    yield* awaitReceiversClosed(receivers);
  }());
  await executor.run();
  await done;
});

test("spawn_local_on::local_set::spawn_then_drop", async () => {
  for (const dropInside of [false, true]) {
    const executor = new LocalExecutor();
    const scope = new TaskScope<void>({ executor });
    const receivers = spawnPendingTasks(scope, 8);
    assert.equal(scope.tryJoinNext(), PENDING);
    // tokio drops the set before the LocalSet runs (tasks never polled) or inside it; here the
    // tasks must have started for their finally to run (see spawn_then_shutdown above), so both
    // drops come from a task after one yield, outside or inside the scope's executor's first turn.
    const done = executor.spawn(function* (): Coroutine<void> {
      yield* yieldNow();
      if (!dropInside) scope[Symbol.dispose]();
      yield* yieldNow();
      if (dropInside) scope[Symbol.dispose]();
      yield* awaitReceiversClosed(receivers);
    }());
    await executor.run();
    await done;
  }
});
