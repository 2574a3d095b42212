import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  CancellationToken,
  CANCELLED,
  CancelledError,
  Context,
  type Coroutine,
  drop,
  LocalExecutor,
  PENDING,
  pending,
  pollFn,
  ready,
  SpindleError,
  yieldNow,
} from "./mod.ts";
import { listenerCount } from "./cancellation-token.ts";
import { within } from "@spindle/test-support";

test("a child token is cancelled with its parent and the same reason; cancelling a child leaves the parent", () => {
  const root = new CancellationToken();
  const child = root.child();
  const grandchild = child.child();
  const sibling = root.child();
  sibling.cancel("only me");
  assert.equal(root.isCancelled, false);
  assert.equal(child.isCancelled, false);
  const reason = new Error("shutdown");
  root.cancel(reason);
  for (const token of [root, child, grandchild]) {
    assert.equal(token.isCancelled, true);
    assert.equal(token.reason, reason);
  }
  assert.equal(sibling.reason, "only me");
  root.cancel("again"); // later calls do nothing
  assert.equal(root.reason, reason);
  assert.equal(root.child().reason, reason, "a child of a cancelled token starts cancelled");
});

test("cancel() without a reason uses a CancelledError; throwIfCancelled throws the reason", () => {
  const token = new CancellationToken();
  token.throwIfCancelled();
  token.cancel();
  assert.ok(token.reason instanceof CancelledError);
  assert.throws(() => token.throwIfCancelled(), (e) => e === token.reason);
});

test("cancelled() completes with the reason in a task, and a dropped one leaves no listener", async () => {
  const token = new CancellationToken();
  const dropped = token.cancelled();
  assert.equal(dropped.poll(Context.noop()), PENDING);
  assert.equal(listenerCount(token), 1);
  drop(dropped);
  assert.equal(listenerCount(token), 0);
  const executor = new LocalExecutor();
  const handle = executor.spawn(token.cancelled());
  const run = executor.run();
  await Promise.resolve();
  assert.equal(handle.isFinished, false);
  token.cancel("done");
  assert.equal(await within(Promise.resolve(handle), 2_000, "cancelled()"), "done");
  await run;
  assert.equal(blockOn(token.cancelled()), "done", "already cancelled: ready at once");
});

test("onCancel runs each callback once; a throwing callback does not stop the others", () => {
  const token = new CancellationToken();
  const calls: unknown[] = [];
  const removed = token.onCancel(() => calls.push("removed"));
  token.onCancel(() => {
    throw new Error("first failure");
  });
  token.onCancel((reason) => calls.push(reason));
  removed[Symbol.dispose]();
  assert.throws(() => token.cancel("r"), /first failure/);
  token.cancel("again");
  assert.deepEqual(calls, ["r"]);
  token.onCancel((reason) => calls.push(`late ${reason}`));
  assert.deepEqual(calls, ["r", "late r"]);
});

test("token.signal aborts with the token's reason; fromSignal cancels with the signal's reason", () => {
  const token = new CancellationToken();
  const signal = token.signal;
  assert.equal(token.signal, signal);
  assert.equal(signal.aborted, false);
  token.cancel("stop");
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, "stop");
  const cancelled = new CancellationToken();
  cancelled.cancel("early");
  assert.equal(cancelled.signal.reason, "early");

  const controller = new AbortController();
  const fromSignal = CancellationToken.fromSignal(controller.signal);
  const child = fromSignal.child();
  controller.abort("from the platform");
  assert.equal(fromSignal.reason, "from the platform");
  assert.equal(child.reason, "from the platform");
  assert.equal(CancellationToken.fromSignal(AbortSignal.abort("was")).reason, "was");
});

test("a disposed token is detached from its parent and its signal", () => {
  const parent = new CancellationToken();
  const child = parent.child();
  child[Symbol.dispose]();
  assert.equal(listenerCount(parent), 0);
  parent.cancel();
  assert.equal(child.isCancelled, false);
  const controller = new AbortController();
  const token = CancellationToken.fromSignal(controller.signal);
  token[Symbol.dispose]();
  controller.abort();
  assert.equal(token.isCancelled, false);
});

test("a disposed token keeps its own listeners: its cancel() still completes its cancelled() futures and cancels its children", () => {
  const parent = new CancellationToken();
  const token = parent.child();
  const grandchild = token.child();
  const waiting = token.cancelled();
  const cx = Context.noop();
  assert.equal(waiting.poll(cx), PENDING);
  token[Symbol.dispose]();
  assert.equal(listenerCount(parent), 0, "the parent holds nothing for a disposed child");
  token.cancel("by hand");
  assert.equal(waiting.poll(cx), "by hand", "a future pending before the dispose completes");
  assert.equal(grandchild.isCancelled, true);
  assert.equal(grandchild.reason, "by hand");
});

test("100,000 children made and disposed (or cancelled) leave the parent with no listener", () => {
  const parent = new CancellationToken();
  for (let i = 0; i < 100_000; i++) {
    const child = parent.child();
    if (i % 3 === 0) child.cancel();
    else if (i % 3 === 1) child[Symbol.dispose]();
    else {
      const waiting = child.cancelled();
      waiting.poll(Context.noop());
      drop(waiting);
      child[Symbol.dispose]();
    }
  }
  assert.equal(listenerCount(parent), 0);
});

test("bad input is a typed error naming the value", () => {
  assert.throws(
    () => CancellationToken.fromSignal({ aborted: false } as unknown as AbortSignal),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /got an object/.test(e.message),
  );
  assert.throws(
    () => new CancellationToken().onCancel("x" as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /"x"/.test(e.message),
  );
});

test("runUntilCancelled: the work's output, or CANCELLED once the token is cancelled first (the work dropped, its finally run)", () => {
  const cx = Context.noop();
  const token = new CancellationToken();
  let polls = 0;
  const log: string[] = [];
  function* work(): Coroutine<number> {
    try {
      yield* pollFn<void>(() => {
        polls++;
        return PENDING;
      });
      return 1;
    } finally {
      log.push("finally");
    }
  }
  const running = token.runUntilCancelled(work());
  assert.equal(running.poll(cx), PENDING);
  assert.equal(listenerCount(token), 1, "waiting on the token");
  token.cancel();
  assert.equal(running.poll(cx), CANCELLED);
  assert.equal(polls, 1, "the work is not polled once the token is cancelled");
  assert.deepEqual(log, ["finally"], "the work was dropped");
  assert.throws(() => running.poll(cx), (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");

  const open = new CancellationToken();
  assert.equal(blockOn(open.runUntilCancelled(ready(42))), 42);
  assert.equal(listenerCount(open), 0, "a completed run leaves no listener on the token");
  const failure = new Error("work failed");
  assert.throws(() =>
    blockOn(open.runUntilCancelled(pollFn(() => {
      throw failure;
    }))), (e) => e === failure);
  assert.equal(listenerCount(open), 0);
  const dropped = open.runUntilCancelled(pending<number>());
  assert.equal(dropped.poll(cx), PENDING);
  drop(dropped);
  assert.equal(listenerCount(open), 0, "a dropped run leaves no listener");

  const already = new CancellationToken();
  already.cancel();
  let polled = false;
  const never = pollFn<number>(() => {
    polled = true;
    return 1;
  });
  assert.equal(blockOn(already.runUntilCancelled(never)), CANCELLED);
  assert.equal(polled, false, "a cancelled token never lets the work be polled");
});

test("runUntilCancelled in a task: cancelled from another task while the work waits", async () => {
  const token = new CancellationToken();
  const executor = new LocalExecutor();
  const run = executor.spawn(token.runUntilCancelled(pending<string>()));
  executor.spawn(function* () {
    yield* yieldNow();
    token.cancel();
  }());
  await within(executor.run(), 5_000, "the executor");
  assert.equal(await run, CANCELLED);
});

test("runUntilCancelled names what is not a future", () => {
  const token = new CancellationToken();
  assert.throws(
    () => token.runUntilCancelled(42 as never),
    (e) => e instanceof SpindleError && e.code === "NOT_A_FUTURE" && /got 42/.test(e.message),
  );
});

test("cancelled() polled again after it completed throws FUTURE_COMPLETED instead of giving the reason again", () => {
  const token = new CancellationToken();
  const when = token.cancelled();
  const cx = Context.noop();
  assert.equal(when.poll(cx), PENDING);
  token.cancel("stop");
  assert.equal(when.poll(cx), "stop");
  assert.throws(
    () => when.poll(cx),
    (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED" && /cancelled\(\)/.test(e.message),
  );
  assert.equal(listenerCount(token), 0);
});
