// Port of tokio/tests/time_timeout.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/timer's timeout and timeoutAt, written from the timer README: tokio's paused clock
// is a VirtualClock moved by `advance`; `Err(Elapsed)` is an `ElapsedError` thrown by the poll.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor, pending as pendingFuture, ready as readyFuture } from "@spindle/core";
import { oneshot, Semaphore } from "@spindle/sync";
import { ElapsedError, MAX_DURATION_MS, TimerReactor, VirtualClock } from "@spindle/timer";
import { pending, ready, spawn } from "./support.ts";

test("simultaneous_deadline_future_completion", () => {
  const clock = new VirtualClock();
  const fut = spawn(clock.timer.timeoutAt(readyFuture(undefined), clock.now()));
  ready(fut.poll());
});

test("completed_future_past_deadline", () => {
  const clock = new VirtualClock();
  const fut = spawn(clock.timer.timeoutAt(readyFuture(undefined), clock.now().subtract(1000)));
  ready(fut.poll());
});

test("future_and_deadline_in_future", () => {
  const clock = new VirtualClock();
  const [tx, rx] = oneshot<null>();
  const fut = spawn(clock.timer.timeoutAt(rx, clock.now().add(100)));
  pending(fut.poll());
  clock.advance(90);
  pending(fut.poll());
  tx.send(null);
  assert.ok(fut.isWoken());
  assert.equal(ready(fut.poll()), null);
});

test("future_and_timeout_in_future", () => {
  const clock = new VirtualClock();
  const [tx, rx] = oneshot<null>();
  const fut = spawn(clock.timer.timeout(rx, 100));
  pending(fut.poll());
  clock.advance(90);
  pending(fut.poll());
  tx.send(null);
  assert.equal(ready(fut.poll()), null);
});

test("very_large_timeout", () => {
  // Duration::MAX is beyond the timer's range: the longest timeout it takes is MAX_DURATION_MS.
  const clock = new VirtualClock();
  const [tx, rx] = oneshot<null>();
  const fut = spawn(clock.timer.timeout(rx, MAX_DURATION_MS));
  pending(fut.poll());
  clock.advance(86_400_000 * 365 * 10);
  pending(fut.poll());
  tx.send(null);
  assert.equal(ready(fut.poll()), null);
});

test("deadline_now_elapses", () => {
  const clock = new VirtualClock();
  const fut = spawn(clock.timer.timeoutAt(pendingFuture<void>(), clock.now()));
  clock.advance(1);
  assert.throws(() => fut.poll(), ElapsedError);
});

test("deadline_future_elapses", () => {
  const clock = new VirtualClock();
  const fut = spawn(clock.timer.timeoutAt(pendingFuture<void>(), clock.now().add(300)));
  pending(fut.poll());
  clock.advance(301);
  assert.ok(fut.isWoken());
  assert.throws(() => fut.poll(), ElapsedError);
});

test("timeout_is_not_exhausted_by_future", async () => {
  // tokio's loop reads io::empty(), always ready and spending the task's budget; here a semaphore
  // nobody else wants is always ready and spends a unit of the budget per acquire.
  const reactor = await TimerReactor.start();
  try {
    const semaphore = new Semaphore(1);
    function* spin(): Coroutine<never> {
      for (;;) (yield* semaphore.acquire()).release();
    }
    const executor = new LocalExecutor();
    const outcome = executor.spawn(function* (): Coroutine<unknown> {
      try {
        return yield* reactor.timer.timeout(spin(), 1);
      } catch (error) {
        return error;
      }
    }());
    await executor.run();
    assert.ok((await outcome) instanceof ElapsedError);
  } finally {
    reactor.close();
  }
});
