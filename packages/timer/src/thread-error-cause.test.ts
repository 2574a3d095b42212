// When the timer thread throws, its error is the cause of every timer that fails for it, on every
// thread, however its close and its `error` event interleave with the clients' polls.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING } from "@spindle/core";
import { within } from "@spindle/test-support";
import { TimerClosedError, TimerReactor } from "./mod.ts";
import { SharedTimerState } from "./thread/shared-state.ts";
import { nextThreadFault, timerThreads } from "./thread/reactor-workers.ts";
import { recordingContext } from "./test-support/recording-waker.ts";
import { blockUntil } from "./test-support/block-until.ts";

const FAULT_MESSAGE = "injected timer thread fault (code 0)";

/** Whether `error` is a timer's failure for the thread's death, with the thread's own error as cause. */
function failedWithTheThreadsError(error: unknown): boolean {
  assert.ok(error instanceof TimerClosedError, String(error));
  assert.equal(error.reason, "thread-exited");
  const cause = error.cause;
  assert.ok(cause instanceof Error, `the cause is the thread's error, got ${String(cause)}`);
  assert.equal(cause.message, FAULT_MESSAGE);
  assert.equal(cause.name, "Error");
  // Thrown on the timer thread, in its module (timer-thread.ts from source, .js built).
  assert.match(String(cause.stack), /timer-thread\.[jt]s/, "the stack is the thread's");
  return true;
}

test("a creator that polls after its timer thread threw and closed the timer, before the thread's error event, fails with the thread's error as cause", async () => {
  nextThreadFault.fault = { kind: "throw", code: 0, whenArmed: 0 };
  const reactor = await TimerReactor.start({ driver: "thread" });
  const thread = timerThreads.get(reactor)!;
  const exited = within(new Promise((resolve) => thread.once("exit", resolve)), 10_000, "the timer thread's exit");
  try {
    const state = SharedTimerState.attach(reactor.timer.share().buffer);
    const { cx } = recordingContext();
    const armed = reactor.timer.sleep(60_000);
    assert.equal(armed.poll(cx), PENDING); // arms this client: the thread dies of its fault now
    // The window: the thread closed the timer, and its error event cannot reach this thread
    // before this synchronous stretch ends. Before the fix every failure here said only that
    // "the timer thread exited unexpectedly".
    blockUntil(() => state.isClosed, "the timer thread to close the timer as it dies");
    assert.equal(reactor.closeReason, "thread-exited");
    assert.throws(() => reactor.timer.sleep(1).poll(cx), failedWithTheThreadsError, "a first poll");
    assert.throws(() => armed.poll(cx), failedWithTheThreadsError, "a sleep armed before the close");
    assert.throws(() => blockOn(reactor.timer.sleep(5)), failedWithTheThreadsError, "a blockOn");
    // Once the thread's error and exit events came: the runtime's copy of the error where it is as
    // complete as the thread's summary (Node), else the summary.
    await exited;
    assert.throws(() => reactor.timer.sleep(1).poll(cx), failedWithTheThreadsError, "after the exit event");
  } finally {
    reactor.close();
  }
});

test("a thread's error summary keeps name, code, message and stack, cuts what does not fit, and reads once per thread", () => {
  class QuotaError extends Error {
    readonly code = "E_QUOTA";
    constructor(message: string) {
      super(message);
      this.name = "QuotaError";
    }
  }
  const error = new QuotaError("résumé: über 9000 ✓\nsecond line");
  const state = SharedTimerState.create();
  const reader = SharedTimerState.attach(state.buffer);
  state.recordThreadError(error);
  assert.equal(reader.threadError, null, "read only once the timer closed as thread-exited");
  state.recordThreadError(new Error("a second error")); // the first summary stays
  state.close("thread-exited");
  const summary = reader.threadError!;
  assert.equal(summary.name, "QuotaError");
  assert.equal((summary as Error & { code?: string }).code, "E_QUOTA");
  assert.equal(summary.message, error.message);
  assert.equal(summary.stack, error.stack);
  assert.equal(reader.threadError, summary, "one Error per thread");

  const huge = new Error("€".repeat(5_000)); // 15,000 UTF-8 bytes: more than the region holds
  const cut = SharedTimerState.create();
  cut.recordThreadError(huge);
  cut.close("thread-exited");
  const cutError = cut.threadError!;
  assert.match(cutError.message, /^€+…$/, "cut at a character boundary, marked");
  assert.ok(cutError.message.length < huge.message.length);
  assert.equal(cutError.stack, "…", "no room left for the stack");

  const thrown = SharedTimerState.create();
  thrown.recordThreadError("a plain string");
  thrown.close("thread-exited");
  assert.equal(thrown.threadError!.message, "a plain string");
  assert.match(thrown.threadError!.stack!, /without a stack/);
});
