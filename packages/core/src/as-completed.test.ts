import assert from "node:assert/strict";
import { test } from "node:test";
import {
  asCompleted,
  blockOn,
  type Coroutine,
  fromPromise,
  LocalExecutor,
  next,
  pending,
  ready,
  SpindleError,
  STREAM_END,
  toAsyncIterable,
  yieldNow,
} from "./mod.ts";

function* after<T>(yields: number, value: T): Coroutine<T> {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return value;
}

function* fail(yields: number): Coroutine<never> {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  throw new Error(`failed after ${yields}`);
}

test("asCompleted yields outputs in completion order; a failure fails its poll and the rest go on", () => {
  function* drain(): Coroutine<unknown[]> {
    const stream = asCompleted<string>([after(4, "d"), after(1, "b"), fail(2), after(0, "a")]);
    const seen: unknown[] = [];
    for (;;) {
      try {
        const item = yield* next(stream);
        if (item === STREAM_END) return seen;
        seen.push(item);
      } catch (error) {
        seen.push((error as Error).message);
      }
    }
  }
  assert.deepEqual(blockOn(drain()), ["a", "b", "failed after 2", "d"]);
  assert.equal(blockOn(next(asCompleted([]))), STREAM_END);
});

test("for await over the join handles of tasks, and dropping the stream detaches the rest", async () => {
  const executor = new LocalExecutor();
  // Each task completes only after the one before it was received, so the order is the
  // completions' (5, 15, 30), not the handles' (30, 5, 15), however loaded the machine is.
  const finish = new Map<number, (n: number) => void>();
  const later = (n: number) => fromPromise(new Promise<number>((resolve) => finish.set(n, resolve)));
  const handles = [later(30), later(5), later(15)].map((work) => executor.spawn(work));
  const run = executor.run();
  const completions = [5, 15, 30];
  const order: number[] = [];
  finish.get(completions[0]!)!(completions[0]!);
  for await (const n of toAsyncIterable(asCompleted(handles))) {
    order.push(n);
    const following = completions[order.length];
    if (following !== undefined) finish.get(following)!(following);
  }
  assert.deepEqual(order, [5, 15, 30]);
  await run;
  const forever = executor.spawn(pending<number>());
  const stream = asCompleted([ready(0), forever]);
  assert.equal(blockOn(next(stream)), 0);
  stream[Symbol.dispose]();
  forever.abort();
});

test("bad input: a non-iterable names the value; a non-future item is NOT_A_FUTURE", () => {
  assert.throws(
    () => asCompleted(7 as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /got 7/.test(e.message),
  );
  assert.throws(() => asCompleted([5 as never]), (e) => e instanceof SpindleError && e.code === "NOT_A_FUTURE");
});
