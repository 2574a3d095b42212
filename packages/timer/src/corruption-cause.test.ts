// When the timer thread finds the shared state corrupted, what it found is the cause of every timer
// that fails for it, on every thread, from the first failure: the creator's too, before the
// thread's `corrupted` message reaches it (polling in that window, or parked in blockOn, where no
// message can reach it).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING, WakeTable } from "@spindle/core";
import { nextMessage, startWorker, until, within } from "@spindle/test-support";
import { clockNow } from "./clock.ts";
import { TimerClosedError, TimerReactor, TimerStateError } from "./mod.ts";
import { SharedTimerState } from "./thread/shared-state.ts";
import { timerThreads } from "./thread/reactor-workers.ts";
import { blockUntil } from "./test-support/block-until.ts";
import { recordingContext } from "./test-support/recording-waker.ts";

/** The pattern of the finder's stack: the timer thread's loop (timer-thread.ts from source, .js built). */
const THREAD_STACK = /timer-thread\.[jt]s/;

/**
 * Whether `error` is a timer's failure for the corruption the timer thread found in `field`
 * (holding a value that `isValue` accepts), with the thread's finding as cause.
 */
function failedWithTheFinding(field: string, isValue: (value: unknown) => boolean): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TimerClosedError, String(error));
    assert.equal(error.reason, "corrupted");
    const cause = error.cause;
    assert.ok(cause instanceof TimerStateError, `the cause is the thread's finding, got ${String(cause)}`);
    assert.equal(cause.field, field);
    assert.ok(isValue(cause.value), `the value found, got ${String(cause.value)}`);
    assert.match(String(cause.stack), THREAD_STACK, "the stack is the finder's");
    return true;
  };
}

/** Under the timer's lock: `change`, then wakes the timer thread to rescan every deadline. */
function changeUnderLock(state: SharedTimerState, change: () => void): void {
  assert.ok(state.lock());
  change();
  state.sleepingUntil = -Infinity;
  state.unlock();
  state.notifyThread();
}

test("a creator that polls after its timer thread found the shared state corrupted and closed the timer, before the thread's message, fails with the thread's finding as cause, as do other threads", async () => {
  const reactor = await TimerReactor.start({ driver: "thread" });
  const thread = timerThreads.get(reactor)!;
  const exited = within(new Promise((resolve) => thread.once("exit", resolve)), 10_000, "the timer thread's end");
  const shared = reactor.timer.share();
  const worker = startWorker(new URL("./test-support/sleeping-worker.ts", import.meta.url), shared);
  try {
    assert.deepEqual(await within(nextMessage(worker), 20_000, "the worker's start"), { ready: true });
    const state = SharedTimerState.attach(shared.buffer);
    const { cx } = recordingContext();
    const armed = reactor.timer.sleep(60_000);
    assert.equal(armed.poll(cx), PENDING);
    // Another thread's sleep, parked in blockOn: client 1 (the creator is client 0).
    const workerFailed = within(nextMessage<{ error: Record<string, string> }>(worker), 10_000, "the worker's reply");
    worker.postMessage({ ms: 60_000, causeMessage: true });
    const workerArmed = (): boolean => {
      assert.ok(state.lock());
      const armed = state.clientCount === 2 && state.deadline(1) !== Infinity;
      state.unlock();
      return armed;
    };
    await until(workerArmed, "the worker to arm its sleep");
    // The creator's deadline word corrupted: only the timer thread reads it (this thread no longer
    // does), at its rescan, and it wakes the creator for it (the NaN reads as due), closing the
    // timer first.
    changeUnderLock(state, () => state.setDeadline(0, Number.NaN));
    // The window: the thread closed the timer, and its `corrupted` message cannot reach this thread
    // before this synchronous stretch ends. Before the fix every failure here said only that
    // "another thread found the timer's shared state corrupted".
    blockUntil(() => state.isClosed, "the timer thread to close the timer as corrupted");
    assert.equal(reactor.closeReason, "corrupted");
    const deadlineNaN = failedWithTheFinding("the deadline of client 0", Number.isNaN);
    assert.throws(() => reactor.timer.sleep(1).poll(cx), deadlineNaN, "a first poll");
    assert.throws(() => armed.poll(cx), deadlineNaN, "a sleep armed before the close");
    assert.throws(() => blockOn(reactor.timer.sleep(5)), deadlineNaN, "a blockOn");
    // The other thread's sleep failed with the same finding (its message read once this turn ends).
    const { error } = await workerFailed;
    assert.equal(error.name, "TimerClosedError");
    assert.equal(error.reason, "corrupted");
    assert.equal(error.cause, "TimerStateError");
    assert.match(error.causeMessage!, /the deadline of client 0 is NaN/);
    assert.match(error.causeStack!, THREAD_STACK);
    // Once the message came and the creator ended the thread: the same finding.
    await exited;
    assert.throws(() => reactor.timer.sleep(1).poll(cx), deadlineNaN, "after the thread's end");
  } finally {
    reactor.close();
    await worker.terminate();
  }
});

test("a creator parked in blockOn when its timer thread finds a client's wake slot corrupted fails with the thread's finding as cause", async () => {
  const reactor = await TimerReactor.start({ driver: "thread" });
  const shared = reactor.timer.share();
  const channel = new BroadcastChannel(shared.channel);
  try {
    const state = SharedTimerState.attach(shared.buffer);
    // A client of the test's own, introduced to the thread as Timer.fromShared's are, and armed far
    // off: the thread reads the introduction of an armed client it does not know.
    const client = state.allocateClient();
    channel.postMessage({ kind: "client", index: client, buffer: WakeTable.forThisThread().buffer });
    changeUnderLock(state, () => {
      state.setWakeSlot(client, 0);
      state.setDeadline(client, clockNow() + 60_000);
    });
    await until(() => state.isIntroduced(client), "the thread to read the test client's introduction");
    const armed = reactor.timer.sleep(60_000);
    assert.equal(armed.poll(recordingContext().cx), PENDING);
    // Its slot corrupted before its deadline is moved, both under the lock: the thread reads the
    // slot only once that deadline is due, after this thread parked (or, if this thread is paused
    // past it first, before its first poll). The client's words are the test's own, so a spurious
    // wake of the creator (which re-arms it, rewriting the creator's words) cannot undo them. The
    // parked creator's park check finds the timer closed, and no message of the thread can reach
    // it meanwhile.
    changeUnderLock(state, () => {
      state.setWakeSlot(client, -5);
      state.setDeadline(client, clockNow() + 300);
    });
    const slotCorrupted = failedWithTheFinding(`the wake slot of client ${client}`, (value) => value === -5);
    assert.throws(() => blockOn(armed), slotCorrupted);
  } finally {
    channel.close();
    reactor.close();
  }
});
