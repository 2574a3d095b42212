// Port of Effection's test/queue.test.ts (thefrontside/effection
// 4982887c1677b847d256402e8709f2b1d49437e6) onto @spindle/sync's unbounded `mpsc` channel, written
// from the sync README: `q.add(v)` is the unbounded sender's `send(v)` (it never waits), `q.next()`
// the receiver's `recv()` (`STREAM_END` for `{ done: true }`), `q.close()` dropping the sender.
// Effection's `abortAfter(op, ms)` is the timer's `timeout(op, ms)` (a VirtualClock's), which fails
// with `ElapsedError` where Effection's resolves with `undefined`.
// Differs: "can close" is ported in part: the receiver ends with `STREAM_END`, which carries no
// close value (Effection's `close(42)` hands 42 to the listener).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, STREAM_END, yieldNow } from "@spindle/core";
import { mpsc } from "@spindle/sync";
import { ElapsedError } from "@spindle/timer";
import { pausedTask } from "./paused-clock.ts";
import { settle } from "./effection_support.ts";

test("adds value to an already waiting listener", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const [tx, rx] = mpsc.unbounded<string>();
    const listener = executor.spawn(rx.recv());
    yield* yieldNow(); // the listener waits
    tx.send("hello");
    assert.equal(yield* listener, "hello");
  });
});

test("only adds value to one listener if there are multiple", async () => {
  await pausedTask(function* (executor, clock): Coroutine<void> {
    const [tx, rx] = mpsc.unbounded<string>();
    const listener1 = executor.spawn(clock.timer.timeout(rx.recv(), 10));
    const listener2 = executor.spawn(clock.timer.timeout(rx.recv(), 10));
    yield* yieldNow(); // both wait
    tx.send("hello");
    const results = [yield* settle(listener1), yield* settle(listener2)];
    assert.deepEqual(results.filter((r) => r.ok).map((r) => r.ok && r.value), ["hello"]);
    assert.ok(results.some((r) => !r.ok && r.error instanceof ElapsedError));
  });
});

test("queues value if there is no listener", async () => {
  await pausedTask(function* (): Coroutine<void> {
    const [tx, rx] = mpsc.unbounded<string>();
    tx.send("hello");
    assert.equal(yield* rx.recv(), "hello");
  });
});

test("can close", async () => {
  await pausedTask(function* (executor): Coroutine<void> {
    const [tx, rx] = mpsc.unbounded<string>();
    const listener = executor.spawn(rx.recv());
    yield* yieldNow();
    tx.drop(); // Effection: q.close(42); no close value here
    assert.equal(yield* listener, STREAM_END);
  });
});
