// Port of tokio/tests/task_abort.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's JoinHandle.abort(), written from the core README ("Choices where Rust and
// JavaScript differ"); tokio's time is @spindle/timer's VirtualClock, Rust's Drop is a `finally`.
// Differs: a JoinHandle cannot cross threads (JavaScript objects live on one thread), so the two
// tests that abort from another thread keep their same-thread part (3662) or are not portable
// (3929: every value is dropped on its own thread). A `finally` that throws while its task is
// aborted (Rust's panic in Drop) fails the task with a CancelledError whose `cause` is the thrown
// error, where tokio's JoinError is_panic(); a dropped handle's task then ends as a cancellation,
// which is never reported (tokio contains the panic the same way). tokio's JoinError Display and
// Debug texts have no counterpart (a handle rejects with the task's own error).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, type Coroutine, type JoinHandle, pending, yieldNow } from "@spindle/core";
import { pausedTask } from "./paused-clock.ts";

/** What joining `handle` threw, or `null` when it completed (`handle.await.unwrap_err()`). */
function* joinError(handle: JoinHandle<void>): Coroutine<unknown> {
  try {
    yield* handle;
    return null;
  } catch (error) {
    return error;
  }
}

test("test_abort_without_panic_3157: a task asleep in the timer can be aborted", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const handle = executor.spawn(clock.timer.sleep(100_000));
    yield* clock.timer.sleep(10); // wait for the task to sleep
    handle.abort();
    assert.ok((yield* joinError(handle)) instanceof CancelledError);
  });
});

test("test_abort_without_panic_3662: an aborted task's clean-up runs and its join fails as cancelled", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    let dropped = false;
    const handle = executor.spawn(function* (): Coroutine<void> {
      try {
        yield* pending<void>();
      } finally {
        dropped = true;
      }
    }());
    yield* yieldNow(); // the task starts and waits
    assert.equal(dropped, false);
    handle.abort();
    const error = yield* joinError(handle);
    assert.equal(dropped, true);
    assert.ok(error instanceof CancelledError, `got ${String(error)}`);
    // the executor goes on running other tasks
    yield* executor.spawn(yieldNow());
  });
});

test("test_abort_wakes_task_3964: a task aborted and its handle dropped at once still ends", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    let released = false;
    const handle = executor.spawn(function* (): Coroutine<void> {
      try {
        yield* clock.timer.sleep(100_000);
      } finally {
        released = true;
      }
    }());
    yield* clock.timer.sleep(10);
    handle.abort();
    handle[Symbol.dispose](); // drop(handle): detaches
    yield* clock.timer.sleep(10); // wait for the task to abort
    assert.equal(released, true);
  });
});

test("test_abort_task_that_panics_on_drop_contained: a clean-up that throws in a dropped, aborted task is contained", async () => {
  const unhandled: unknown[] = [];
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const handle = executor.spawn(function* (): Coroutine<void> {
      try {
        yield* clock.timer.sleep(100_000);
      } finally {
        // deno-lint-ignore no-unsafe-finally -- Rust's PanicOnDrop
        throw new Error("Well what did you expect would happen...");
      }
    }());
    yield* clock.timer.sleep(10);
    handle.abort();
    handle[Symbol.dispose]();
    yield* clock.timer.sleep(10);
  }, unhandled);
  assert.deepEqual(unhandled, [], "a cancellation is never reported as a failure");
});

test("test_abort_task_that_panics_on_drop_returned: the join gives the clean-up's error", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const thrown = new Error("Well what did you expect would happen...");
    const handle = executor.spawn(function* (): Coroutine<void> {
      try {
        yield* clock.timer.sleep(100_000);
      } finally {
        // deno-lint-ignore no-unsafe-finally -- Rust's PanicOnDrop
        throw thrown;
      }
    }());
    yield* clock.timer.sleep(10);
    handle.abort();
    const error = yield* joinError(handle);
    assert.ok(error instanceof CancelledError, `got ${String(error)}`);
    assert.equal(error.cause, thrown);
  });
});
