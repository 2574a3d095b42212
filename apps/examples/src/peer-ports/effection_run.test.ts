// Port of Effection's test/run.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/core, written from the core README and
// the structured concurrency guide. `run(op)` is a task of a LocalExecutor whose idle turns advance
// a VirtualClock (`pausedTask`); `yield* promise` is `yield* fromPromise(promise)`; `task.halt()`
// is `handle.abort()`, and "halted" a `CancelledError`; an operation that spawns is `scoped`.
// Differs: a `finally` block that waits forever while its task is aborted keeps the task
// unsettled (each `finally` is polled to completion), where Effection's `suspend()` in a `finally`
// returns at once; a child's failure reaches a body that waits elsewhere only through
// `untilChildFails` (effection_support.ts); a function that throws before it makes its generator
// throws at the call, since a task is spawned from the coroutine, not from the function.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, fromPromise, type JoinHandle, pending, scoped, type TaskScope, yieldNow } from "@spindle/core";
import type { VirtualClock } from "@spindle/timer";
import { pausedTask } from "./paused-clock.ts";
import {
  blowUp,
  createNumber,
  failure,
  failureMessage,
  haltOnceWaiting,
  isHalted,
  messageOf,
  untilChildFails,
} from "./effection_support.ts";

test("can run an operation", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.equal(
      yield* executor.spawn(function* (): Coroutine<string> {
        return "hello";
      }()),
      "hello",
    );
  });
});

test("can compose multiple promises via generator", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const result = yield* executor.spawn(function* (): Coroutine<number> {
      const one = yield* fromPromise(Promise.resolve(12));
      const two = yield* fromPromise(Promise.resolve(55));
      return one + two;
    }());
    assert.equal(result, 67);
  });
});

test("can compose operations", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const result = yield* executor.spawn(function* (): Coroutine<number> {
      const one = yield* createNumber(clock.timer, 12);
      const two = yield* createNumber(clock.timer, 55);
      return one + two;
    }());
    assert.equal(result, 67);
  });
});

test("rejects generator if subtask promise fails", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const task = executor.spawn(function* (): Coroutine<number> {
      const one = yield* createNumber(clock.timer, 12);
      const two = yield* blowUp<number>(clock.timer);
      return one + two;
    }());
    assert.equal(messageOf(yield* failure(task)), "boom");
  });
});

test("rejects generator if generator creation fails", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    function operation(): Coroutine<void> {
      throw new Error("boom");
    }
    // Effection calls the function inside the task; here it is called to make the work, so it
    // throws at the call, or inside the task where a coroutine calls it.
    assert.throws(() => executor.spawn(operation()), { message: "boom" });
    const task = executor.spawn(function* (): Coroutine<void> {
      yield* operation();
    }());
    assert.equal(messageOf(yield* failure(task)), "boom");
  });
});

test("can recover from errors in promise", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const error = new Error("boom");
    const task = executor.spawn(function* (): Coroutine<number> {
      const one = yield* fromPromise(Promise.resolve(12));
      let two;
      try {
        yield* fromPromise(Promise.reject(error));
        two = 9;
      } catch {
        two = yield* fromPromise(Promise.resolve(8)); // waits in the catch block
      }
      const three = yield* fromPromise(Promise.resolve(55));
      return one + two + three;
    }());
    assert.equal(yield* task, 75);
  });
});

test("can recover from errors in operation", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const task = executor.spawn(function* (): Coroutine<number> {
      const one = yield* fromPromise(Promise.resolve(12));
      let two;
      try {
        yield* blowUp<void>(clock.timer);
        two = 9;
      } catch {
        two = yield* fromPromise(Promise.resolve(8));
      }
      const three = yield* fromPromise(Promise.resolve(55));
      return one + two + three;
    }());
    assert.equal(yield* task, 75);
  });
});

test("can halt generator", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    let halted = false;
    assert.ok(isHalted(
      yield* haltOnceWaiting(
        executor,
        function* (): Coroutine<void> {
          try {
            yield* pending<void>();
          } finally {
            halted = true;
          }
        }(),
      ),
    ));
    assert.equal(halted, true);
  });
});

test("halts task when halted generator", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    let parent = "running";
    let child = "running";
    assert.ok(isHalted(
      yield* haltOnceWaiting(
        executor,
        function* (): Coroutine<void> {
          try {
            yield* function* (): Coroutine<void> {
              try {
                yield* pending<void>();
              } finally {
                child = "halted";
              }
            }();
          } finally {
            parent = "halted";
          }
        }(),
      ),
    ));
    assert.equal(child, "halted");
    assert.equal(parent, "halted");
  });
});

test("can perform async operations in a finally block", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    let completed = false;
    assert.ok(isHalted(
      yield* haltOnceWaiting(
        executor,
        function* (): Coroutine<void> {
          try {
            yield* pending<void>();
          } finally {
            yield* clock.timer.sleep(10);
            completed = true;
          }
        }(),
      ),
    ));
    assert.equal(completed, true);
  });
});

test("cannot explicitly suspend in a finally block", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    let done = false;
    const task = executor.spawn(function* (): Coroutine<void> {
      try {
        yield* pending<void>();
      } finally {
        yield* pending<void>();
        done = true;
      }
    }());
    yield* yieldNow();
    task.abort();
    // Effection's suspend() returns at once in a finally; here the finally is polled to completion,
    // so a task that waits forever there stays unsettled (closing the executor drops it).
    yield* clock.timer.sleep(1000);
    assert.equal(task.isFinished, false);
    assert.equal(done, false);
  });
});

test("can suspend in yielded finally block", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const things: string[] = [];
    assert.ok(isHalted(
      yield* haltOnceWaiting(
        executor,
        function* (): Coroutine<void> {
          try {
            yield* function* (): Coroutine<void> {
              try {
                yield* pending<void>();
              } finally {
                yield* clock.timer.sleep(5);
                things.push("first");
              }
            }();
          } finally {
            things.push("second");
          }
        }(),
      ),
    ));
    assert.deepEqual(things, ["first", "second"]);
  });
});

/** Effection's Boomer: a child that fails with "boom" after `ms`. */
function* boomer(clock: VirtualClock, ms: number): Coroutine<void> {
  yield* clock.timer.sleep(ms);
  throw new Error("boom");
}

test("can be halted while in the generator", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const task = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(boomer(clock, 2));
      yield* untilChildFails(scope, pending<void>());
    }));
    assert.equal(messageOf(yield* failure(task)), "boom");
  });
});

test("can halt itself", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    let after = false;
    const self: { handle?: JoinHandle<void> } = {};
    const task = self.handle = executor.spawn(function* (): Coroutine<void> {
      yield* clock.timer.sleep(3);
      self.handle!.abort();
      yield* yieldNow(); // the abort takes effect at the next wait
      after = true;
    }());
    assert.ok(isHalted(yield* failure(task)));
    assert.equal(after, false);
  });
});

test("can halt itself between yield points", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const task: JoinHandle<void> = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      yield* clock.timer.sleep(1);
      scope.spawn(function* (): Coroutine<void> {
        task.abort();
      }());
      yield* pending<void>();
    }));
    assert.ok(isHalted(yield* failure(task)));
  });
});

test("can delay halt if child fails", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    let didRun = false;
    const task = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(boomer(clock, 5));
      try {
        yield* untilChildFails(scope, pending<void>());
      } finally {
        yield* clock.timer.sleep(20);
        didRun = true;
      }
    }));
    yield* clock.timer.sleep(10);
    assert.equal(task.isFinished, false, "the finally is still waiting");
    assert.equal(messageOf(yield* failure(task)), "boom");
    assert.equal(didRun, true);
  });
});

test("can throw error when child blows up", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const task = executor.spawn(scoped(function* (scope: TaskScope<void>): Coroutine<void> {
      scope.spawn(boomer(clock, 5));
      try {
        yield* untilChildFails(scope, pending<void>());
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw new Error("bang");
      }
    }));
    assert.equal(messageOf(yield* failure(task)), "bang");
  });
});

test("propagates errors", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.equal(
      yield* failureMessage(
        executor,
        function* (): Coroutine<void> {
          throw new Error("boom");
        }(),
      ),
      "boom",
    );
  });
});

test("propagates errors from promises", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    assert.equal(
      yield* failureMessage(
        executor,
        function* (): Coroutine<void> {
          yield* fromPromise(Promise.reject(new Error("boom")));
        }(),
      ),
      "boom",
    );
  });
});

test("successfully halts when task fails, but shutdown succeeds", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const task = executor.spawn(function* (): Coroutine<void> {
      throw new Error("boom!");
    }());
    assert.equal(messageOf(yield* failure(task)), "boom!");
    task.abort(); // halting a failed task does nothing and throws nothing
    assert.equal(task.isFinished, true);
  });
});
