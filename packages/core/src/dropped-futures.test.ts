import assert from "node:assert/strict";
import { test } from "node:test";
import { CountingStream, countingWaker } from "@spindle/test-support";
import {
  CancellationToken,
  filter,
  fromIterable,
  fromPromise,
  type Future,
  map,
  PENDING,
  pollChunk,
  pollFn,
  SpindleError,
  type Stream,
  STREAM_END,
} from "./mod.ts";

const isCompletedError = (e: unknown): boolean => e instanceof SpindleError && e.code === "FUTURE_COMPLETED";

test("a future polled after its drop throws FUTURE_COMPLETED and keeps no waker, even once its source settles", async () => {
  const { promise, resolve } = Promise.withResolvers<number>();
  let onDropCalls = 0;
  const token = new CancellationToken();
  const futures: Record<string, Future<unknown>> = {
    "fromPromise(promise)": fromPromise(promise),
    "fromPromise(fn)": fromPromise(() => promise),
    "token.cancelled()": token.cancelled(),
    "pollFn()": pollFn(() => PENDING, () => onDropCalls++),
  };
  const wakers = Object.keys(futures).map(() => countingWaker());
  for (const [i, [name, future]] of Object.entries(futures).entries()) {
    const { cx, counter } = wakers[i]!;
    assert.equal(future.poll(cx), PENDING, name);
    future[Symbol.dispose]();
    assert.throws(() => future.poll(cx), isCompletedError, name);
    assert.equal(counter.live, 1, `${name}: it keeps no waker after its drop`);
  }
  assert.equal(onDropCalls, 1);
  resolve(1);
  token.cancel();
  await promise;
  await Promise.resolve();
  for (const [i, [name, future]] of Object.entries(futures).entries()) {
    assert.equal(wakers[i]!.woken(), 0, `${name}: nothing woke it after its drop`);
    assert.throws(() => future.poll(wakers[i]!.cx), isCompletedError, `${name}: still inert once settled`);
  }
});

test("a dropped map or filter stream has ended: neither pollNext nor pollChunk polls its source again", () => {
  for (
    const [name, wrap] of [["map", (s: Stream<number>) => map(s, (n) => n)], [
      "filter",
      (s: Stream<number>) => filter(s, () => true),
    ]] as const
  ) {
    const source = new CountingStream(10);
    const stream = wrap(source);
    const { cx } = countingWaker();
    assert.equal(stream.pollNext(cx), PENDING, name);
    stream[Symbol.dispose]();
    const polls = source.polls;
    assert.equal(stream.pollNext(cx), STREAM_END, name);
    assert.equal(pollChunk(stream, cx, 8), STREAM_END, name);
    assert.equal(source.polls, polls, `${name}: its source was not polled after its drop`);
  }
});

test("a dropped fromIterable stream ends without throwing an error its iterator left for the next poll", () => {
  function* failing(): Generator<number> {
    yield 1;
    throw new Error("iterator failed");
  }
  const stream = fromIterable(failing());
  const { cx } = countingWaker();
  assert.deepEqual(pollChunk(stream, cx, 8), [1]); // the error waits for the next poll
  stream[Symbol.dispose]();
  assert.equal(stream.pollNext(cx), STREAM_END);
});
