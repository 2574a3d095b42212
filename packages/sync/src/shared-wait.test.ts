// The cross-thread wait protocol (shared-signal.ts, shared-wait.ts) on one thread, step by step: a
// waiter that stops waiting (a pending future dropped, a blocking call timed out) leaves nothing
// that stops the next signal from waking the waiters still waiting. A protocol that undid a
// waiter's announcement on drop or on timeout (clearing the waiting flag, or giving back a count
// that a signaller had already taken over) would let that signal skip its notify, and the live
// waiter's `waitAsync` would never settle. Each case runs twice, with the drop last and with the
// timeout last before the signal, so that an undo of either kind is the one the signal meets.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Future, PENDING } from "@spindle/core";
import { sharedChannel, SharedNotify, SharedSemaphore } from "./mod.ts";
import { TestTask } from "./test-support/harness.ts";

/** A bound for a wake that goes through this thread's event loop, generous for a loaded machine. */
const LIMIT_MS = 10_000;

/** Turns the event loop until `task` was woken, or fails after LIMIT_MS. */
async function woken(task: TestTask, what: string): Promise<void> {
  const deadline = performance.now() + LIMIT_MS;
  while (task.wakes === 0) {
    if (performance.now() > deadline) assert.fail(`${what}: not woken within ${LIMIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

interface WaitCase<T> {
  /** A future that waits (the primitive is in a state where it must). */
  readonly wait: () => Future<T>;
  /** A blocking call of the same wait that times out (the main thread may block on every runtime of the matrix). */
  readonly timeOut: () => void;
  /** What the live waiter waits for, from this thread. */
  readonly signal: () => void;
  /** Checks the live waiter's output, and sets the primitive up to wait again. */
  readonly check: (output: T) => void;
}

/** A live waiter, then the other waiters going away in `order`, then the signal: the live one wakes. */
async function liveWaiterWoken<T>(what: string, c: WaitCase<T>): Promise<void> {
  for (const order of ["the drop last", "the timeout last"]) {
    const live = new TestTask();
    const waiting = c.wait();
    try {
      assert.equal(live.poll(waiting), PENDING);
      const dropped = c.wait();
      if (order === "the drop last") c.timeOut();
      assert.equal(new TestTask().poll(dropped), PENDING);
      dropped[Symbol.dispose]();
      if (order === "the timeout last") c.timeOut();
      c.signal();
      await woken(live, `${what}, ${order}`);
      const output = live.poll(waiting);
      assert.notEqual(output, PENDING);
      c.check(output as T);
    } finally {
      waiting[Symbol.dispose](); // on failure: no pending wait holds the process open
    }
  }
}

test("shared channel: a recv dropped while waiting and a recvBlocking that timed out leave the next send's wake to the recv still waiting", async () => {
  const [tx, rx] = sharedChannel<number>(4);
  let sent = 0;
  await liveWaiterWoken("the waiting recv", {
    wait: () => rx.recv(),
    timeOut: () => assert.equal(rx.recvBlocking(1), PENDING),
    signal: () => assert.ok(tx.trySend(++sent)),
    check: (value) => assert.equal(value, sent),
  });
});

test("shared channel: a send dropped while waiting for room and a sendBlocking that timed out leave the next freed slot's wake to the send still waiting", async () => {
  const [tx, rx] = sharedChannel<number>(1);
  assert.ok(tx.trySend(0));
  await liveWaiterWoken("the waiting send", {
    wait: () => tx.send(1),
    timeOut: () => assert.equal(tx.sendBlocking(2, 1), false),
    signal: () => assert.notEqual(rx.tryRecv(), PENDING), // frees the slot
    check: () => assert.equal(rx.length, 1), // the live send's value fills the channel again
  });
  assert.equal(rx.tryRecv(), 1);
});

test("SharedSemaphore: an acquire dropped while waiting and an acquireBlocking that timed out leave the next release's wake to the acquire still waiting", async () => {
  const semaphore = new SharedSemaphore(0);
  await liveWaiterWoken("the waiting acquire", {
    wait: () => semaphore.acquire(),
    timeOut: () => assert.equal(semaphore.acquireBlocking(1, 1), null),
    signal: () => semaphore.addPermits(1),
    check: (permit) => { // kept: none is free again for the next round
      assert.equal(permit.permits, 1);
      assert.equal(semaphore.availablePermits, 0);
    },
  });
});

test("SharedNotify: a notified() dropped while waiting and a notifiedBlocking that timed out leave notifyOne's wake to the one still waiting", async () => {
  const notify = new SharedNotify();
  await liveWaiterWoken("the waiting notified()", {
    wait: () => notify.notified(),
    timeOut: () => assert.equal(notify.notifiedBlocking(1), false),
    signal: () => notify.notifyOne(),
    check: () => assert.equal(notify.notifiedBlocking(0), false, "the live waiter took the permit"),
  });
});
