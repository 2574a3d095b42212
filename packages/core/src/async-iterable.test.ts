import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Context,
  type Coroutine,
  fromAsyncIterable,
  fromIterable,
  LocalExecutor,
  next,
  PENDING,
  type Poll,
  SpindleError,
  Stream,
  STREAM_END,
  type StreamEnd,
  toAsyncIterable,
  toPromise,
} from "./mod.ts";
import { within } from "@spindle/test-support";

/** Items 0..count-1, each after a host timer wakes the waker; counts items taken and drops. */
class TimedCounter extends Stream<number> {
  taken = 0;
  dropped = 0;
  readonly count: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #due = false;
  constructor(count: number) {
    super();
    this.count = count;
  }
  pollNext(cx: Context): Poll<number | StreamEnd> {
    if (this.taken === this.count) return STREAM_END;
    if (this.#due) {
      this.#due = false;
      return this.taken++;
    }
    if (this.#timer === null) {
      const waker = cx.waker.clone();
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#due = true;
        waker.wake();
      }, 1);
    }
    return PENDING;
  }
  override [Symbol.dispose](): void {
    this.dropped++;
    if (this.#timer !== null) clearTimeout(this.#timer);
  }
}

test("for await over toAsyncIterable(stream) gets every item of a stream that waits between items", async () => {
  const source = new TimedCounter(5);
  const seen: number[] = [];
  for await (const n of toAsyncIterable(source)) seen.push(n);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.equal(source.dropped, 1, "the ended stream is dropped once");
});

test("leaving a for await early drops the stream; nothing more is taken from it", async () => {
  const source = new TimedCounter(100);
  const seen: number[] = [];
  for await (const n of toAsyncIterable(source)) {
    seen.push(n);
    if (n === 2) break;
  }
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(source.taken, 3, "no item was taken that the loop did not get");
  assert.equal(source.dropped, 1);
});

test("a stream's error rejects next() and ends the iteration; calls made together are served in order", async () => {
  class Failing extends Stream<number> {
    #n = 0;
    pollNext(): Poll<number | StreamEnd> {
      if (this.#n === 2) throw new Error("source failed");
      return this.#n++;
    }
  }
  const iterator = toAsyncIterable(new Failing());
  const [a, b, c] = [iterator.next(), iterator.next(), iterator.next()];
  assert.deepEqual(await a, { done: false, value: 0 });
  assert.deepEqual(await b, { done: false, value: 1 });
  await assert.rejects(c, /source failed/);
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });

  const timed = toAsyncIterable(new TimedCounter(3));
  const results = await within(Promise.all([timed.next(), timed.next(), timed.next(), timed.next()]), 2_000, "next()");
  assert.deepEqual(results.map((r) => r.value), [0, 1, 2, undefined]);
});

test("fromAsyncIterable is lazy, yields every item to a coroutine, and calls return() when dropped", async () => {
  const log: string[] = [];
  async function* produce(): AsyncGenerator<number> {
    log.push("started");
    try {
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        yield i;
      }
    } finally {
      log.push("generator finally");
    }
  }
  const stream = fromAsyncIterable(produce());
  await new Promise((resolve) => setTimeout(resolve, 1));
  assert.deepEqual(log, [], "nothing read before the first poll");
  function* takeThree(): Coroutine<number[]> {
    const got: number[] = [];
    try {
      for (let i = 0; i < 3; i++) got.push((yield* next(stream)) as number);
      return got;
    } finally {
      stream[Symbol.dispose]();
    }
  }
  assert.deepEqual(await within(toPromise(takeThree()), 2_000, "three items"), [0, 1, 2]);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(log, ["started", "generator finally"]);
});

test("a task aborted while waiting on fromAsyncIterable drops it in its finally: return() runs", async () => {
  let closed = false;
  const iterable: AsyncIterable<number> = {
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<number>>(() => {}),
      return: () => {
        closed = true;
        return Promise.resolve({ done: true as const, value: undefined });
      },
    }),
  };
  function* consume(): Coroutine<void> {
    const stream = fromAsyncIterable(iterable);
    try {
      yield* next(stream);
    } finally {
      stream[Symbol.dispose]();
    }
  }
  const executor = new LocalExecutor();
  const handle = executor.spawn(consume());
  const run = executor.run();
  await Promise.resolve();
  handle.abort();
  await run;
  assert.equal(closed, true);
});

test("fromAsyncIterable: the iterator's error fails the poll once, then the stream has ended; sync iterables work too", async () => {
  async function* failing(): AsyncGenerator<number> {
    yield 1;
    throw new Error("iterator failed");
  }
  function* drain(stream: Stream<number>): Coroutine<unknown[]> {
    const got: unknown[] = [];
    for (;;) {
      try {
        const item = yield* next(stream);
        if (item === STREAM_END) return got;
        got.push(item);
      } catch (error) {
        got.push((error as Error).message);
      }
    }
  }
  assert.deepEqual(await toPromise(drain(fromAsyncIterable(failing()))), [1, "iterator failed"]);
  assert.deepEqual(await toPromise(drain(fromAsyncIterable(new Set([4, 5])))), [4, 5]);
  assert.deepEqual(await toPromise(drain(fromIterable([6, 7]))), [6, 7]);
  const roundTrip: number[] = [];
  async function* three(): AsyncGenerator<number> {
    yield* [1, 2, 3];
  }
  for await (const n of toAsyncIterable(fromAsyncIterable(three()))) roundTrip.push(n);
  assert.deepEqual(roundTrip, [1, 2, 3]);
});

test("bad input: a non-iterable, a non-stream", () => {
  const invalid = (pattern: RegExp) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && pattern.test(e.message);
  assert.throws(() => fromAsyncIterable(42 as never), invalid(/got 42/));
  assert.throws(() => fromAsyncIterable(null as never), invalid(/got null/));
  assert.throws(() => fromIterable({} as never), invalid(/got an object/));
  assert.throws(() => toAsyncIterable([1] as never), invalid(/got an Array/));
});

test("a stream that wakes its waker during the poll that returns PENDING is polled again", async () => {
  class WakesAtOnce extends Stream<number> {
    #n = 0;
    #ready = false;
    pollNext(cx: Context): Poll<number | StreamEnd> {
      if (this.#n === 3) return STREAM_END;
      if (!(this.#ready = !this.#ready)) return this.#n++;
      cx.waker.wakeByRef();
      return PENDING;
    }
  }
  const seen: number[] = [];
  const loop = (async () => {
    for await (const n of toAsyncIterable(new WakesAtOnce())) seen.push(n);
  })();
  await within(loop, 2_000, "the loop");
  assert.deepEqual(seen, [0, 1, 2]);
});
