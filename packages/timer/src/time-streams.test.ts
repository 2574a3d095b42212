import assert from "node:assert/strict";
import { test } from "node:test";
import { CountingStream } from "@spindle/test-support";
import {
  consumeBudget,
  Context,
  type Coroutine,
  fromIterable,
  LocalExecutor,
  next,
  PENDING,
  type Poll,
  SpindleError,
  Stream,
  STREAM_END,
  type StreamEnd,
  take,
  toAsyncIterable,
} from "@spindle/core";
import {
  chunksTimeout,
  debounce,
  ElapsedError,
  Instant,
  type Sleep,
  throttle,
  ticks,
  timeoutEach,
  type Timer,
  TimerReactor,
  VirtualClock,
} from "./mod.ts";

/** Yields `value` at each scheduled virtual time, then ends at `endAt`. */
class Scheduled<T> extends Stream<T> {
  readonly #timer: Timer;
  readonly #items: [number, T][];
  readonly #endAt: number;
  #sleep: Sleep | null = null;
  constructor(timer: Timer, items: [number, T][], endAt: number) {
    super();
    this.#timer = timer;
    this.#items = items.slice();
    this.#endAt = endAt;
  }
  pollNext(cx: Context): Poll<T | StreamEnd> {
    const due = this.#items[0]?.[0] ?? this.#endAt;
    this.#sleep ??= this.#timer.sleepUntil(Instant.fromMillis(due));
    if (this.#sleep.poll(cx) === PENDING) return PENDING;
    this.#sleep = null;
    const item = this.#items.shift();
    return item === undefined ? STREAM_END : item[1];
  }
}

/** Drains `stream` on an executor that advances the virtual clock when idle: [time, item or error]. */
async function timeline<T>(clock: VirtualClock, stream: Stream<T>, keepOnError = false): Promise<[number, unknown][]> {
  function* drain(): Coroutine<[number, unknown][]> {
    const seen: [number, unknown][] = [];
    for (;;) {
      try {
        const item = yield* next(stream);
        if (item === STREAM_END) return seen;
        seen.push([clock.now().millis, item]);
      } catch (error) {
        seen.push([clock.now().millis, (error as Error).name]);
        if (!keepOnError) return seen;
      }
    }
  }
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  const handle = executor.spawn(drain());
  await executor.run();
  return await handle;
}

test("ticks(interval) is a stream of the scheduled instants; dropping it drops the interval", () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const stream = ticks(clock.timer.interval(10));
  return timeline(clock, take(stream, 3)).then((seen) => {
    assert.deepEqual(seen.map(([at, tick]) => [at, (tick as Instant).millis]), [[0, 0], [10, 10], [20, 20]]);
    assert.equal(clock.timer.pendingCount, 0);
  });
});

test("for await over an interval on the timer thread", async () => {
  const reactor = await TimerReactor.start();
  try {
    const start = performance.now();
    const seen: number[] = [];
    for await (const tick of toAsyncIterable(take(ticks(reactor.timer.interval(5)), 4))) seen.push(tick.millis);
    const elapsed = performance.now() - start;
    assert.equal(seen.length, 4);
    for (let i = 1; i < seen.length; i++) assert.equal(Math.round((seen[i] as number) - (seen[i - 1] as number)), 5);
    assert.ok(elapsed >= 14, `three periods passed (${elapsed.toFixed(1)} ms)`);
    assert.equal(reactor.timer.pendingCount, 0, "the finished stream dropped its interval");
  } finally {
    reactor.close();
  }
});

test("throttle delays items to one per period, losing none", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const seen = await timeline(clock, throttle(fromIterable(["a", "b", "c"]), clock.timer, 100));
  assert.deepEqual(seen, [[0, "a"], [100, "b"], [200, "c"]]);
});

test("debounce lets out the latest item after a quiet period, and the last one at the end", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const source = new Scheduled(clock.timer, [[0, "h"], [10, "he"], [20, "hel"], [130, "help"], [260, "helps"]], 280);
  const seen = await timeline(clock, debounce(source, clock.timer, 50));
  assert.deepEqual(seen, [[70, "hel"], [180, "help"], [280, "helps"]]);
});

test("timeoutEach fails a wait longer than the timeout with ElapsedError, and the stream goes on", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const source = new Scheduled(clock.timer, [[0, 1], [10, 2], [110, 3]], 120);
  const seen = await timeline(clock, timeoutEach(source, clock.timer, 50), true);
  assert.deepEqual(seen, [[0, 1], [10, 2], [60, "ElapsedError"], [110, 3]]);
  assert.ok(new ElapsedError(1) instanceof Error);
});

test("bad input: a non-interval, a non-timer, negative or NaN periods", () => {
  const clock = new VirtualClock();
  const s = fromIterable([1]);
  const invalid = (pattern: RegExp) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && pattern.test(e.message);
  assert.throws(() => ticks(5 as never), invalid(/got 5/));
  assert.throws(() => throttle(s, {} as never, 10), invalid(/an object/));
  assert.throws(() => debounce([1] as never, clock.timer, 10), invalid(/an Array/));
  assert.throws(() => throttle(s, clock.timer, -1), (e) => e instanceof RangeError && /-1/.test(e.message));
  assert.throws(() => debounce(s, clock.timer, NaN), (e) => e instanceof RangeError && /NaN/.test(e.message));
  assert.throws(() => timeoutEach(s, clock.timer, -5), (e) => e instanceof RangeError && /-5/.test(e.message));
});

test("chunksTimeout: a chunk comes out when full or when the duration since its first item passed; the last at the end", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  // 1, 2, 3 at once (full at 3), 4 at 0 then a lull (out at 0 + 40), 5 and 6 within 40 of 5, end at 200.
  const source = new Scheduled(clock.timer, [[0, 1], [0, 2], [0, 3], [0, 4], [100, 5], [130, 6]], 200);
  const seen = await timeline(clock, chunksTimeout(source, clock.timer, 3, 40));
  assert.deepEqual(seen, [[0, [1, 2, 3]], [40, [4]], [140, [5, 6]]]);
  assert.equal(clock.timer.pendingCount, 0, "no deadline is left registered");
  const ending = new Scheduled(clock.timer, [[210, "a"]], 220);
  const atEnd = await timeline(clock, chunksTimeout(ending, clock.timer, 5, 1_000));
  assert.deepEqual(atEnd, [[220, ["a"]]], "the end lets the last chunk out at once, before its deadline");
  assert.deepEqual(await timeline(clock, chunksTimeout(fromIterable([]), clock.timer, 2, 10)), [], "no empty chunk");
});

/** A stream that is always ready (each item takes a unit of the task's budget) and moves `clock` 1 ms per item. */
class Busy extends Stream<number> {
  #next = 0;
  readonly #clock: VirtualClock;
  readonly #count: number;
  constructor(clock: VirtualClock, count: number) {
    super();
    this.#clock = clock;
    this.#count = count;
  }
  pollNext(cx: Context): Poll<number | StreamEnd> {
    if (this.#next === this.#count) return STREAM_END;
    if (!consumeBudget(cx)) return PENDING;
    this.#clock.advance(1);
    return this.#next++;
  }
}

test("chunksTimeout lets a chunk out at its deadline when the source is always ready (it uses the task's budget up in each poll)", async () => {
  // 10,000 items, 1 ms apart, chunks of up to 1,000,000 within 50 ms: the deadline, polled after the
  // source took the budget's last unit, was refused in every poll, so one chunk came at the end.
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const seen = await timeline(clock, chunksTimeout(new Busy(clock, 10_000), clock.timer, 1_000_000, 50));
  const sizes = seen.map(([, chunk]) => (chunk as number[]).length);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 10_000, "every item once");
  assert.ok(
    sizes.length > 1 && Math.max(...sizes) < 10_000,
    `chunks cut at their deadlines, got sizes ${sizes.slice(0, 5)}`,
  );
});

test("chunksTimeout keeps the items taken when the source throws, and intoRemainder hands them and the source back", () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const cx = Context.noop();
  const failure = new Error("source failed");
  let step = 0;
  class Flaky extends Stream<number> {
    pollNext(): Poll<number | StreamEnd> {
      step++;
      if (step === 2) throw failure;
      return step <= 4 ? step : PENDING;
    }
  }
  const source = new Flaky();
  let disposed = false;
  source[Symbol.dispose] = () => void (disposed = true);
  const chunked = chunksTimeout(source, clock.timer, 10, 50);
  assert.throws(() => chunked.pollNext(cx), (e) => e === failure);
  assert.equal(chunked.pollNext(cx), PENDING, "items 3 and 4 taken, waiting for more");
  assert.equal(clock.timer.pendingCount, 1, "the chunk's deadline runs");
  assert.deepEqual(chunked.intoRemainder(), [1, 3, 4], "nothing taken was lost to the error");
  assert.equal(clock.timer.pendingCount, 0, "the deadline was dropped");
  assert.equal(disposed, false, "the source is the caller's again");
  assert.equal(chunked.pollNext(cx), STREAM_END);
  const dropped = chunksTimeout(fromIterable([1]), clock.timer, 1, 5);
  dropped[Symbol.dispose]();
  assert.equal(dropped.pollNext(cx), STREAM_END);
});

test("chunksTimeout bad input: typed errors naming the value", () => {
  const clock = new VirtualClock();
  const s = fromIterable([1]);
  const invalid = (pattern: RegExp) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && pattern.test(e.message);
  const range = (pattern: RegExp) => (e: unknown) => e instanceof RangeError && pattern.test(e.message);
  assert.throws(
    () => chunksTimeout(7 as never, clock.timer, 2, 10),
    invalid(/chunksTimeout\(\) needs a stream, got 7/),
  );
  assert.throws(() => chunksTimeout(s, null as never, 2, 10), invalid(/needs a Timer, got null/));
  for (const max of [0, -1, 1.5, NaN, "3"]) {
    assert.throws(() => chunksTimeout(s, clock.timer, max as never, 10), range(/chunksTimeout\(\)'s max .*got/));
  }
  assert.throws(() => chunksTimeout(s, clock.timer, 2, -3), range(/duration.*-3/));
  assert.throws(() => chunksTimeout(s, clock.timer, 2, NaN), range(/duration.*NaN/));
});

test("dropping a time stream twice drops its source once", () => {
  // throttle and timeoutEach dropped their source on every drop.
  const { timer } = new VirtualClock();
  const cx = Context.noop();
  const makers: [string, (source: Stream<number>) => Stream<unknown>][] = [
    ["throttle", (s) => throttle(s, timer, 10)],
    ["debounce", (s) => debounce(s, timer, 10)],
    ["timeoutEach", (s) => timeoutEach(s, timer, 10)],
    ["chunksTimeout", (s) => chunksTimeout(s, timer, 2, 10)],
  ];
  for (const [name, make] of makers) {
    const source = new CountingStream(3);
    const stream = make(source);
    assert.equal(stream.pollNext(cx), PENDING);
    stream[Symbol.dispose]();
    stream[Symbol.dispose]();
    assert.equal(source.dropped, 1, name);
    assert.equal(timer.pendingCount, 0, `${name} left no timer behind`);
  }
});
