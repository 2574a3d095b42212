// tokio's paused clock for the peer ports: a LocalExecutor whose idle turns jump a VirtualClock to
// its next deadline (tokio's `start_paused`), and tokio_test's `assert_elapsed!`. Public API only.
import assert from "node:assert/strict";
import { type Coroutine, type Future, LocalExecutor } from "@spindle/core";
import { type Instant, VirtualClock } from "@spindle/timer";

/** Runs `body` as a task on an executor whose idle turns jump `clock` to its next deadline. */
export async function paused<T>(clock: VirtualClock, body: Future<T> | Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  const task = executor.spawn(body);
  await executor.run();
  return await task;
}

/**
 * Runs `body` as a task on such an executor with a clock of its own; once the body settles the
 * executor is closed, so a failed assertion cannot leave the tasks it spawned pending. Errors of
 * detached tasks go to `unhandled`.
 */
export async function pausedTask(
  body: (executor: LocalExecutor, clock: VirtualClock) => Coroutine<void>,
  unhandled: unknown[] = [],
): Promise<void> {
  const clock = new VirtualClock();
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance, onUnhandledError: (e) => unhandled.push(e) });
  const handle = executor.spawn(body(executor, clock));
  const running = executor.run();
  try {
    await handle;
  } finally {
    executor.close();
    await running;
  }
}

/** tokio_test's `assert_elapsed!`: at least `ms` since `since`, and less than 1 ms more. */
export function assertElapsed(clock: VirtualClock, since: Instant, ms: number): void {
  const elapsed = clock.now().since(since);
  assert.ok(elapsed >= ms && elapsed < ms + 1, `expected ${ms} ms to have elapsed, got ${elapsed}`);
}
