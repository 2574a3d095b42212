// @spindle/core's structured concurrency, @spindle/timer's new API and @spindle/codec, checked from
// their READMEs and docs/guides/structured-concurrency.md alone (the sync and work-stealing checks
// are in sync.test.ts, shared.test.ts and workstealing.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CorruptValueError,
  decodeValue,
  SharedBuffer,
  SharedHeap,
  UncloneableValueError,
  ValueEncoder,
} from "@spindle/codec";
import {
  abortable,
  asCompleted,
  blockOn,
  CancellationToken,
  CancelledError,
  chunks,
  type Coroutine,
  filter,
  fold,
  forEach,
  fromAsyncIterable,
  fromIterable,
  fromPromise,
  LocalExecutor,
  map,
  merge,
  next,
  PENDING,
  pending,
  race,
  ready,
  scoped,
  SpindleError,
  STREAM_END,
  take,
  takeUntil,
  TaskLocal,
  TaskScope,
  toAsyncIterable,
  toPromise,
  whenAborted,
  yieldNow,
  zip,
} from "@spindle/core";
import { mpsc, type UnboundedSender } from "@spindle/sync";
import {
  debounce,
  ElapsedError,
  Instant,
  throttle,
  ticks,
  timeoutEach,
  TimerReactor,
  VirtualClock,
} from "@spindle/timer";
import { CountingContext, runChild, within } from "./support.ts";

const invalid = (name: string) => (e: unknown) =>
  e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(name);

// ---- core: CancellationToken, AbortSignal both ways ----

test("CancellationToken: the first reason wins, reaches children made before and after, onCancel, signal", () => {
  const parent = new CancellationToken();
  const early = parent.child();
  let calls = 0;
  parent.onCancel(() => calls++);
  parent.cancel("first");
  parent.cancel("second");
  const late = parent.child();
  assert.equal(blockOn(early.cancelled()), "first");
  assert.equal(blockOn(late.cancelled()), "first");
  assert.equal(early.signal.reason, "first");
  assert.equal(calls, 1);
  const child = new CancellationToken().child();
  child.cancel();
  assert.ok(child.signal.reason instanceof CancelledError, "cancel() without a reason uses a CancelledError");
  const fromSignal = new AbortController();
  const token = CancellationToken.fromSignal(fromSignal.signal);
  fromSignal.abort("aborted");
  assert.equal(token.isCancelled, true);
  assert.throws(() => CancellationToken.fromSignal(5 as never), invalid("5"));
});

test("abortable / whenAborted: the signal's reason fails the future, work is dropped (finally runs)", async () => {
  const log: string[] = [];
  function* work(): Coroutine<number> {
    try {
      yield* pending<void>();
      return 1;
    } finally {
      log.push("finally");
    }
  }
  const controller = new AbortController();
  const answer = toPromise(abortable(work(), controller.signal));
  setTimeout(() => controller.abort(new Error("client went away")), 5);
  await assert.rejects(within("abortable", 10_000, answer), /client went away/);
  assert.deepEqual(log, ["finally"]);
  const already = new AbortController();
  already.abort(new Error("early"));
  assert.throws(() => blockOn(whenAborted(already.signal)), /early/);
  assert.throws(() => abortable(ready(1), 5 as never), invalid("5"));
  assert.throws(() => whenAborted(null as never), invalid("null"));
});

test("fromPromise(factory): a lost race aborts the promise's signal; toPromise(work, { signal }) unwinds then rejects", async () => {
  let abortedWith: unknown;
  function* slow(): Coroutine<string> {
    return yield* fromPromise((signal) =>
      new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve("slow"), 5_000);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          abortedWith = signal.reason;
        });
      })
    );
  }
  const fast = fromPromise(new Promise<string>((resolve) => setTimeout(() => resolve("fast"), 10)));
  assert.equal(await within("race", 10_000, toPromise(race([slow(), fast]))), "fast");
  assert.ok(abortedWith instanceof CancelledError);

  const log: string[] = [];
  function* cleanUpSlowly(): Coroutine<number> {
    try {
      yield* pending<void>();
      return 1;
    } finally {
      yield* fromPromise(Promise.resolve());
      log.push("unwound");
    }
  }
  const controller = new AbortController();
  const result = toPromise(cleanUpSlowly(), { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("stop")), 5);
  await assert.rejects(within("toPromise", 10_000, result), /stop/);
  assert.deepEqual(log, ["unwound"], "the promise rejects only once the task has unwound");
  assert.throws(() => toPromise(ready(1), { signal: 5 as never }), invalid("5"));
});

// ---- core: TaskScope / scoped ----

test("TaskScope: joinNext in completion order; close aborts the rest and waits for their finally blocks", async () => {
  const log: string[] = [];
  function* sleeper(name: string, ms: number): Coroutine<string> {
    try {
      yield* fromPromise(new Promise((resolve) => setTimeout(resolve, ms)));
      return name;
    } finally {
      yield* fromPromise(Promise.resolve());
      log.push(`${name} done`);
    }
  }
  function* main(): Coroutine<string> {
    const scope = new TaskScope<string>();
    try {
      scope.spawn(sleeper("slow", 5_000));
      scope.spawn(sleeper("fast", 5));
      return (yield* scope.joinNext()) as string;
    } finally {
      yield* scope.close();
      assert.throws(() => scope.spawn(ready("late")), (e) => e instanceof SpindleError && e.code === "SCOPE_CLOSED");
    }
  }
  const executor = new LocalExecutor();
  const first = executor.spawn(main());
  await within("scope", 10_000, executor.run());
  assert.equal(await first, "fast");
  assert.deepEqual(log.sort(), ["fast done", "slow done"]);
});

test("TaskScope 'abort': the first failure aborts the started siblings and is re-thrown once (the guide's Failures example, with the tasks started)", async () => {
  // The guide's example calls close() right after spawn: then neither task has started, close()
  // aborts both before their first poll, and the log stays empty (see the report). Here the body
  // waits with joinAll, so the failure happens and the sibling's clean-up runs.
  const log: string[] = [];
  function* sibling(): Coroutine<void> {
    try {
      yield* pending<void>();
    } finally {
      yield* fromPromise(Promise.resolve());
      log.push("sibling cleaned up");
    }
  }
  function* broken(): Coroutine<void> {
    yield* fromPromise(Promise.resolve());
    throw new Error("disk full");
  }
  function* main(): Coroutine<void> {
    const scope = new TaskScope();
    scope.spawn(sibling());
    scope.spawn(broken());
    try {
      yield* scope.joinAll();
    } catch (error) {
      log.push(`joinAll threw: ${(error as Error).message}`);
    } finally {
      yield* scope.close();
    }
  }
  const executor = new LocalExecutor();
  executor.spawn(main());
  await within("scope", 10_000, executor.run());
  assert.deepEqual(log, ["sibling cleaned up", "joinAll threw: disk full"]);
});

test("TaskScope 'collect': joinAll throws an AggregateError of every failure", async () => {
  function* fail(message: string): Coroutine<void> {
    yield* yieldNow();
    throw new Error(message);
  }
  function* main(): Coroutine<string[]> {
    const scope = new TaskScope({ onError: "collect" });
    try {
      scope.spawn(fail("a"));
      scope.spawn(fail("b"));
      scope.spawn(ready(undefined));
      yield* scope.joinAll();
      return [];
    } catch (error) {
      return (error as AggregateError).errors.map((e: Error) => e.message).sort();
    } finally {
      yield* scope.close();
    }
  }
  const executor = new LocalExecutor();
  const messages = executor.spawn(main());
  await executor.run();
  assert.deepEqual(await messages, ["a", "b"]);
  assert.throws(() => new TaskScope({ onError: "bogus" as never }), invalid("bogus"));
});

test("scoped under blockOn runs its own tasks and aborts the ones left when the body returns", () => {
  let cleaned = 0;
  function* forever(): Coroutine<number> {
    try {
      yield* pending<void>();
      return 0;
    } finally {
      cleaned++;
    }
  }
  function* body(scope: TaskScope<number>): Coroutine<number> {
    scope.spawn(forever());
    scope.spawn(ready(41));
    return (yield* scope.joinNext()) as number + 1;
  }
  assert.equal(blockOn(scoped(body)), 42);
  assert.ok(cleaned <= 1);
  assert.throws(() => blockOn(scoped(5 as never)), invalid("5"));
});

// ---- core: TaskLocal ----

test("TaskLocal: nested scopes restore the outer value; spawned tasks inherit; undefined outside", async () => {
  const local = new TaskLocal<string>("requestId");
  function* inner(): Coroutine<string | undefined> {
    yield* yieldNow();
    return local.get();
  }
  function* outer(): Coroutine<(string | undefined)[]> {
    const before = local.get();
    const nested = yield* local.scope("inner", inner());
    const scope = new TaskScope<string | undefined>();
    try {
      scope.spawn(inner());
      const inherited = yield* scope.joinNext();
      return [before, nested, local.get(), inherited as string];
    } finally {
      yield* scope.close();
    }
  }
  const executor = new LocalExecutor();
  const values = executor.spawn(local.scope("outer", outer()));
  await executor.run();
  assert.deepEqual(await values, ["outer", "inner", "outer", "outer"]);
  assert.equal(local.get(), undefined);
});

// ---- core: streams ----

test("streams: the guide's pipeline, merge of all items, zip until the shorter ends, chunks' last shorter", async () => {
  async function* readings() {
    for (let i = 1; i <= 100; i++) yield i;
  }
  const batches: number[][] = [];
  const pipeline = chunks(take(filter(map(fromAsyncIterable(readings()), (n) => n * 10), (n) => n % 20 === 0), 5), 2);
  for await (const batch of toAsyncIterable(pipeline)) batches.push(batch);
  assert.deepEqual(batches, [[20, 40], [60, 80], [100]]);
  const merged = blockOn(
    fold(merge(fromIterable([1, 2, 3]), fromIterable([10, 20])), [] as number[], (all, n) => (all.push(n), all)),
  );
  assert.deepEqual(merged.sort((a, b) => a - b), [1, 2, 3, 10, 20]);
  const pairs = blockOn(
    fold(
      zip(fromIterable(["a", "b", "c"]), fromIterable([1, 2])),
      [] as [string, number][],
      (all, p) => (all.push(p), all),
    ),
  );
  assert.deepEqual(pairs, [["a", 1], ["b", 2]]);
});

test("streams: dropping a stream calls the source's return() (take, for-await break, a throwing fold or forEach)", async () => {
  let returns = 0;
  function* counting(): Generator<number> {
    try {
      for (let i = 0;; i++) yield i;
    } finally {
      returns++;
    }
  }
  assert.deepEqual(blockOn(fold(take(fromIterable(counting()), 3), [] as number[], (all, n) => (all.push(n), all))), [
    0,
    1,
    2,
  ]);
  for await (const n of toAsyncIterable(fromIterable(counting()))) if (n === 2) break;
  assert.throws(() =>
    blockOn(fold(fromIterable(counting()), 0, (_, n) => {
      if (n === 3) throw new Error("reducer");
      return n;
    })), /reducer/);
  assert.throws(() =>
    blockOn(forEach(fromIterable(counting()), (n) => {
      if (n === 3) throw new Error("callback");
    })), /callback/);
  assert.equal(returns, 4);
});

test("streams: takeUntil a token's cancelled(); asCompleted gives outputs and failures in completion order", async () => {
  const [tx, rx] = mpsc.unbounded<number>();
  const stop = new CancellationToken();
  const executor = new LocalExecutor();
  const seen = executor.spawn(fold(takeUntil(rx, stop.cancelled()), [] as number[], (all, n) => (all.push(n), all)));
  function* feed(tx: UnboundedSender<number>): Coroutine<string> {
    tx.send(1);
    tx.send(2);
    yield* yieldNow();
    stop.cancel();
    yield* yieldNow();
    try {
      tx.send(3);
      return "sent";
    } catch (error) {
      return (error as Error).name;
    }
  }
  const fed = executor.spawn(feed(tx));
  await within("takeUntil", 10_000, executor.run());
  assert.deepEqual(await seen, [1, 2]);
  assert.equal(await fed, "SendError", "the finished fold dropped the stream, and with it the receiver");

  const jobs = new LocalExecutor();
  const handles = [
    jobs.spawn(fromPromise(new Promise<string>((resolve) => setTimeout(() => resolve("slow"), 30)))),
    jobs.spawn(function* (): Coroutine<string> {
      yield* yieldNow();
      throw new Error("failed");
    }()),
    jobs.spawn(ready("fast")),
  ];
  const order: string[] = [];
  jobs.spawn(function* (): Coroutine<void> {
    const results = asCompleted(handles);
    for (;;) {
      try {
        const item = yield* next(results);
        if (item === STREAM_END) return;
        order.push(item);
      } catch (error) {
        order.push(`error: ${(error as Error).message}`);
      }
    }
  }());
  await within("asCompleted", 10_000, jobs.run());
  assert.deepEqual(order, ["fast", "error: failed", "slow"]);
});

test("streams hostile input: sizes are RangeErrors naming the value; non-streams and non-functions INVALID_ARGUMENT", () => {
  for (const bad of [-1, Number.NaN, 1.5, Infinity]) {
    assert.throws(
      () => take(fromIterable([1]), bad),
      (e) => e instanceof RangeError && e.message.includes(String(bad)),
    );
    assert.throws(
      () => chunks(fromIterable([1]), bad),
      (e) => e instanceof RangeError && e.message.includes(String(bad)),
    );
  }
  assert.throws(() => chunks(fromIterable([1]), 0), RangeError);
  assert.throws(() => map(42 as never, (x) => x), invalid("42"));
  assert.throws(() => filter(fromIterable([1]), 1 as never), invalid("1"));
  assert.throws(() => fromIterable(5 as never), invalid("5"));
  assert.throws(() => fromAsyncIterable(5 as never), invalid("5"));
  assert.throws(() => merge(1 as never), invalid("1"));
  assert.throws(() => zip(fromIterable([1]), null as never), invalid("null"));
  assert.throws(() => fold(5 as never, 0, (a) => a), invalid("5"));
  assert.throws(() => forEach(fromIterable([1]), 5 as never), invalid("5"));
  assert.throws(() => asCompleted(5 as never), invalid("5"));
});

// ---- timer ----

test("timer streams on a VirtualClock: throttle delays (not drops), debounce keeps the latest, timeoutEach goes on after ElapsedError", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const timer = clock.timer;
  async function collect(
    plan: [number, number][],
    wrap: (rx: ReturnType<typeof mpsc.unbounded<number>>[1]) => AsyncIterable<number> | unknown,
  ) {
    const [tx, rx] = mpsc.unbounded<number>();
    const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
    const start = timer.now().millis;
    function* feed(): Coroutine<void> {
      let at = 0;
      for (const [when, value] of plan) {
        yield* timer.sleep(when - at);
        at = when;
        tx.send(value);
      }
      tx.drop();
    }
    const out: string[] = [];
    executor.spawn(feed());
    executor.spawn(function* (): Coroutine<void> {
      const stream = wrap(rx) as Parameters<typeof next>[0];
      for (;;) {
        try {
          const item = yield* next(stream);
          if (item === STREAM_END) return;
          out.push(`${item}@${timer.now().millis - start}`);
        } catch (error) {
          assert.ok(error instanceof ElapsedError);
          out.push(`elapsed@${timer.now().millis - start}`);
        }
      }
    }());
    await within("virtual stream", 10_000, executor.run());
    return out;
  }
  assert.deepEqual(await collect([[0, 1], [10, 2], [20, 3], [250, 4]], (rx) => throttle(rx, timer, 100)), [
    "1@0",
    "2@100",
    "3@200",
    "4@300",
  ]);
  assert.deepEqual(await collect([[0, 1], [10, 2], [20, 3], [200, 4], [300, 5]], (rx) => debounce(rx, timer, 50)), [
    "3@70",
    "4@250",
    "5@300",
  ]);
  assert.deepEqual(await collect([[0, 1], [120, 2], [130, 3]], (rx) => timeoutEach(rx, timer, 50)), [
    "1@0",
    "elapsed@50",
    "elapsed@100",
    "2@120",
    "3@130",
  ]);
});

test("timer: the guide's ticks example, interval resets, intervalAt in the past (burst and skip), timeoutAt", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const seen: number[] = [];
  for await (const tick of toAsyncIterable(take(ticks(clock.timer.interval(100)), 3))) {
    seen.push(tick.millis);
    clock.advance(100);
  }
  assert.deepEqual(seen, [0, 100, 200]);
  const cx = new CountingContext().cx;
  const at = new VirtualClock({ start: Instant.fromMillis(0) });
  const interval = at.timer.interval(100);
  assert.equal((interval.pollTick(cx) as Instant).millis, 0);
  interval.resetAfter(30);
  assert.equal(interval.nextTick.millis, 30);
  at.advance(30);
  assert.equal((interval.pollTick(cx) as Instant).millis, 30);
  assert.equal(interval.nextTick.millis, 130);
  interval.resetAt(Instant.fromMillis(500));
  assert.equal(interval.nextTick.millis, 500);
  interval.reset();
  assert.equal(interval.nextTick.millis, 130);
  interval.resetImmediately();
  assert.equal((interval.pollTick(cx) as Instant).millis, 30);
  const late = new VirtualClock({ start: Instant.fromMillis(1_000) });
  const burst = late.timer.intervalAt(Instant.fromMillis(0), 300);
  assert.deepEqual(
    [0, 1, 2, 3, 4].map(() => {
      const tick = burst.pollTick(cx);
      return tick === PENDING ? "pending" : tick.millis;
    }),
    [0, 300, 600, 900, "pending"],
  );
  const skip = late.timer.intervalAt(Instant.fromMillis(0), 300, { missedTick: "skip" });
  assert.equal((skip.pollTick(cx) as Instant).millis, 0);
  assert.equal(skip.pollTick(cx), PENDING);
  assert.equal(skip.nextTick.millis, 1_200);
  const deadline = new VirtualClock({ start: Instant.fromMillis(0) });
  const bounded = deadline.timer.timeoutAt(deadline.timer.sleep(100), Instant.fromMillis(50));
  assert.equal(bounded.poll(cx), PENDING);
  deadline.advance(50);
  assert.throws(() => bounded.poll(cx), ElapsedError);
});

test("timer: sleep.reset moves a waiting sleep; sleep/timeout with a signal or token fail with its reason and deregister", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const timer = clock.timer;
  const cx = new CountingContext().cx;
  const sleep = timer.sleep(100);
  assert.equal(sleep.poll(cx), PENDING);
  sleep.reset(Instant.fromMillis(10));
  clock.advance(10);
  assert.notEqual(sleep.poll(cx), PENDING);
  assert.equal(sleep.isElapsed, true);
  const controller = new AbortController();
  const cancellable = timer.sleep(1_000, { signal: controller.signal });
  assert.equal(cancellable.poll(cx), PENDING);
  assert.equal(timer.pendingCount, 1);
  controller.abort(new Error("stop"));
  assert.throws(() => cancellable.poll(cx), /stop/);
  assert.equal(timer.pendingCount, 0, "the aborted sleep deregistered");
  const token = new CancellationToken();
  const bounded = timer.timeout(timer.sleep(1_000), 2_000, { signal: token });
  assert.equal(bounded.poll(cx), PENDING);
  token.cancel("token");
  assert.throws(() => bounded.poll(cx), (e) => e === "token");
  assert.equal(timer.pendingCount, 0);
  assert.throws(() => timer.sleep(5, { signal: 5 as never }), invalid("5"));

  const reactor = await TimerReactor.start();
  try {
    const real = reactor.timer.sleep(10_000);
    const started = Instant.now();
    const executor = new LocalExecutor();
    const woken = executor.spawn(function* (): Coroutine<number> {
      yield* real;
      return started.elapsed();
    }());
    setTimeout(() => real.reset(Instant.now().add(20)), 20);
    await within("reset sleep", 10_000, executor.run());
    const elapsed = await woken;
    assert.ok(elapsed >= 40 && elapsed < 5_000, `woken at the new deadline (${elapsed} ms)`);
  } finally {
    reactor.close();
  }
});

test("timer hostile input: durations and instants out of range are RangeErrors naming the value", () => {
  const timer = new VirtualClock().timer;
  for (const bad of [-1, Number.NaN, Infinity, 2 ** 41]) {
    const named = (e: unknown) => e instanceof RangeError && e.message.includes(String(bad));
    assert.throws(() => timer.sleep(bad), named);
    assert.throws(() => timer.interval(bad), named);
    assert.throws(() => timer.timeout(ready(1), bad), named);
    assert.throws(() => throttle(fromIterable([1]), timer, bad), named);
    assert.throws(() => debounce(fromIterable([1]), timer, bad), named);
    assert.throws(() => timeoutEach(fromIterable([1]), timer, bad), named);
    assert.throws(() => timer.interval(10).resetAfter(bad), named);
  }
  assert.throws(() => timer.interval(0), RangeError);
  assert.throws(() => timer.sleep(1).reset(5 as never), RangeError);
  assert.throws(() => timer.timeoutAt(ready(1), 5 as never), RangeError);
  assert.throws(() => timer.intervalAt(5 as never, 10), RangeError);
  assert.throws(() => ticks(5 as never), invalid("5"));
  assert.throws(
    () => timer.interval(5, { missedTick: "bogus" as never }),
    (e) => e instanceof RangeError && e.message.includes("bogus"),
  );
});

// ---- codec ----

test("codec: the README example, structured-clone semantics (cycles, sparse arrays, errors with cause), refusals with a path", () => {
  const encoder = new ValueEncoder();
  const length = encoder.encode({ id: 7, tags: ["a", "b"] }, "message", "value");
  assert.equal(length, 32);
  assert.deepEqual(decodeValue(encoder.bytes.slice()), { id: 7, tags: ["a", "b"] });
  const roundTrip = (value: unknown) => {
    const n = encoder.encode(value, "message", "value");
    return decodeValue(encoder.bytes.slice(0, n));
  };
  const cycle: { self?: unknown; list: unknown[] } = { list: [] };
  cycle.self = cycle;
  cycle.list.push(cycle);
  const back = roundTrip(cycle) as typeof cycle;
  assert.equal(back.self, back);
  assert.equal(back.list[0], back);
  assert.deepEqual(roundTrip([1, , 3]), [1, , 3]);
  assert.ok(Object.is(roundTrip(-0), -0));
  const error = roundTrip(new TypeError("bad", { cause: new Error("inner") })) as TypeError;
  assert.ok(error instanceof TypeError);
  assert.equal((error.cause as Error).message, "inner");
  assert.deepEqual(roundTrip(new Uint8Array([1, 2, 3, 4]).subarray(1, 3)), new Uint8Array([2, 3]));
  assert.throws(
    () => encoder.encode({ items: [1, 2, 3, Symbol("s")] }, "message", "value"),
    (e) => e instanceof UncloneableValueError && e.path === "value.items[3]",
  );
  assert.throws(() => encoder.encode(new (class Point {})(), "message", "value"), UncloneableValueError);
  assert.throws(() => encoder.encode(new SharedArrayBuffer(8), "message", "value"), UncloneableValueError);
});

test("codec: damaged encodings (20,000 seeded mutations and cuts) decode or throw CorruptValueError, nothing else", () => {
  const encoder = new ValueEncoder();
  const n = encoder.encode(
    { a: [1, "two", 3n, new Map([[1, { x: 2 }]])], b: new Date(5), c: new Float64Array(4), d: new Set(["s"]) },
    "m",
    "v",
  );
  const good = encoder.bytes.slice(0, n);
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const other: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const bytes = good.slice();
    for (let k = 0, changes = 1 + (random() % 3); k < changes; k++) bytes[random() % bytes.length] = random() & 0xff;
    const input = random() % 4 === 0 ? bytes.subarray(0, random() % bytes.length) : bytes;
    try {
      decodeValue(input);
    } catch (error) {
      if (!(error instanceof CorruptValueError)) other.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  assert.deepEqual(other.slice(0, 5), []);
  assert.throws(() => decodeValue(new Uint8Array(0)), (e) => e instanceof CorruptValueError && e.offset === 0);
});

test("codec: SharedBuffer.allocate / SharedHeap.alloc refuse bad lengths and keep the heap usable", () => {
  // Was (found by the README checks): allocate(heap, NaN) gave a 0-byte buffer, 1.5 a 1-byte one,
  // -1 a bare RangeError; and allocate(heap, 2^31) or heap.alloc(2^31) overflowed the heap's
  // offsets: later allocations returned negative offsets or threw RangeError forever.
  const isInvalidArgument = (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";
  for (const bad of [-1, Number.NaN, 1.5, 2 ** 31]) {
    const heap = SharedHeap.create(4 << 20);
    assert.throws(
      () => SharedBuffer.allocate(heap.buffer, bad),
      (e) => isInvalidArgument(e) && String((e as Error).message).includes(String(bad)),
      `allocate(${bad})`,
    );
    assert.throws(
      () => heap.alloc(bad),
      (e) => isInvalidArgument(e) && String((e as Error).message).includes(String(bad)),
      `heap.alloc(${bad})`,
    );
    const after = SharedBuffer.allocate(heap.buffer, 16);
    assert.ok(after.locate().header > 0, "the heap still allocates");
    assert.ok(heap.alloc(16) > 0);
  }
  assert.throws(() => SharedHeap.create(-1), isInvalidArgument);
  assert.throws(() => SharedBuffer.allocate(new SharedArrayBuffer(1 << 16), 16), isInvalidArgument);
  assert.throws(
    () => new SharedHeap(5 as never),
    (e) => isInvalidArgument(e) && !/[Mm]utex/.test((e as Error).message),
  );
});

test("codec: new ValueEncoder(NaN) is refused (was: the next encode that must grow looped forever)", async () => {
  // Was, on Node 22/24, Deno and Bun: new ValueEncoder(NaN) was accepted, and encoding a value
  // larger than the (zero-sized) scratch buffer never returned. Run in a child process so a hang
  // is bounded.
  const run = await runChild("encoder-nan.ts", 10_000);
  assert.equal(run.timedOut, false, "the encode returned (or the constructor threw) within 10 s");
  assert.match(run.stdout, /refused: .*INVALID_ARGUMENT|refused: .*NaN/);
  for (const bad of [Infinity, 2 ** 40, -1, 1.5, "8"]) {
    assert.throws(
      () => new ValueEncoder(bad as never),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT",
    );
  }
  assert.throws(() => decodeValue(5 as never), (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT");
});
