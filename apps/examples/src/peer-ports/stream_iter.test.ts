// Port of tokio-stream/tests/stream_iter.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's fromIterable, written from the core README. tokio_test's mock task runs
// inside a runtime, so it has a budget; core's budget applies only to a task of an executor, so
// the stream is polled by hand with the context of a LocalExecutor task.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Context,
  type Coroutine,
  fromIterable,
  LocalExecutor,
  PENDING,
  pollFn,
  STREAM_END,
  yieldNow,
} from "@spindle/core";
import { MockTask } from "./support.ts";

function* repeat<T>(value: T): Generator<T> {
  for (;;) yield value;
}

/** Runs `body` as a task of a LocalExecutor. */
async function inTaskWithContext<T>(body: () => Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(body());
  await executor.run();
  return await handle;
}

/** A future ready at once with the context of the task poll it is in (for polling by hand). */
const here = () => pollFn<Context>((cx) => cx);

test("coop", async () => {
  await inTaskWithContext(function* (): Coroutine<void> {
    const stream = fromIterable(repeat(1));
    const cx = yield* here();
    for (let i = 0; i < 10_000; i++) {
      if (stream.pollNext(cx) === PENDING) {
        yield* yieldNow();
        return;
      }
    }
    assert.fail("did not yield");
  });
});

test("test_iter_coop_budget", async () => {
  await inTaskWithContext(function* (): Coroutine<void> {
    const stream = fromIterable(repeat(1));
    const cx = yield* here();
    let ready = 0;
    while (stream.pollNext(cx) !== PENDING && ready < 10_000) ready++;
    assert.equal(ready, 128, "the budget is 128 ready operations per task poll (core README)");
    yield* yieldNow();
  });
});

test("test_iter_eof_behavior", () => {
  const stream = fromIterable([1]);
  const task = new MockTask(pollFn<unknown>((cx) => stream.pollNext(cx)));
  assert.equal(task.poll(), 1);
  assert.equal(stream.pollNext(task.cx), STREAM_END); // EOF is ready
});
