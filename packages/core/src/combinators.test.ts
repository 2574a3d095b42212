import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  Context,
  type Coroutine,
  drop,
  fromPromise,
  Future,
  join,
  joinAll,
  LocalExecutor,
  PENDING,
  pending,
  type Poll,
  pollFn,
  race,
  ready,
  select,
  SpindleError,
  toPromise,
  type Waker,
  yieldNow,
} from "./mod.ts";

/** A future that completes when `fire()` is called, counting its polls and drops. */
class Manual<T> extends Future<T> {
  polls = 0;
  drops = 0;
  #value: T | typeof PENDING = PENDING;
  #waker: Waker | null = null;

  poll(cx: Context): Poll<T> {
    this.polls++;
    if (this.#value !== PENDING) return this.#value;
    this.#waker?.drop();
    this.#waker = cx.waker.clone();
    return PENDING;
  }

  fire(value: T): void {
    this.#value = value;
    this.#waker?.wake();
    this.#waker = null;
  }

  override [Symbol.dispose](): void {
    this.drops++;
  }
}

test("join is typed as a tuple and keeps order", () => {
  const [n, s, b] = blockOn(join(ready(1), ready("two"), ready(true)));
  const check: [number, string, boolean] = [n, s, b];
  assert.deepEqual(check, [1, "two", true]);
});

test("joinAll polls only the child that was woken, not the others", async () => {
  const children = Array.from({ length: 100 }, () => new Manual<number>());
  const executor = new LocalExecutor();
  const handle = executor.spawn(joinAll(children));
  const run = executor.run();
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(children.every((c) => c.polls === 1));
  children[42]!.fire(42);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(children[42]!.polls, 2);
  assert.equal(children.filter((c) => c.polls === 1).length, 99);
  children.forEach((c, i) => i !== 42 && c.fire(i));
  await run;
  assert.deepEqual(await handle, Array.from({ length: 100 }, (_, i) => i));
  assert.ok(children.every((c) => c.polls === 2));
});

test("joinAll fails with the first error and drops the other children", () => {
  const other = new Manual<number>();
  const failing = pollFn<number>(() => {
    throw new Error("child failed");
  });
  assert.throws(() => blockOn(joinAll([other, failing])), /child failed/);
  assert.equal(other.drops, 1);
});

test("race returns the first output and drops the losers", () => {
  const losers = [new Manual<string>(), new Manual<string>()];
  assert.equal(blockOn(race<string>([losers[0]!, ready("winner"), losers[1]!])), "winner");
  assert.deepEqual(losers.map((l) => l.drops), [1, 1]);
  assert.throws(() => race([]), (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT");
});

test("race of futures with different outputs has their union as its output type, as Promise.race", () => {
  // Compile-time (the type-check fails otherwise): a string and a number were refused as two Ts.
  const mixed: Future<string | number | boolean> = race([pending<string>(), ready(42), pending<boolean>()]);
  assert.equal(blockOn(mixed), 42);
  function* text(): Coroutine<string> {
    yield* yieldNow();
    return "coroutine";
  }
  const withCoroutine: Future<string | number> = race([text(), pending<number>()]);
  assert.equal(blockOn(withCoroutine), "coroutine");
});

test("select hands back the unfinished future instead of dropping it", () => {
  const slow = new Manual<number>();
  const first = blockOn(select(slow, ready("fast")));
  assert.equal(first.index, 1);
  assert.equal(first.value, "fast");
  assert.equal(first.rest, slow);
  assert.equal(slow.drops, 0);
  drop(first.rest);
  assert.equal(slow.drops, 1);
});

/** A coroutine that completes `count` operations at once (each takes a unit of the budget), then returns `value`. */
function* busy<T>(count: number, value: T): Coroutine<T> {
  for (let i = 0; i < count; i++) yield* ready(i);
  return value;
}

test("select: a first future that uses the task's budget up each poll does not starve the second", async () => {
  // `a` completes 20,000 operations at once, 128 per task poll; `b` is ready the first time it
  // is polled with budget left. Polled first with none left every time, `b` lost to `a` (index 0).
  const executor = new LocalExecutor();
  const selected = executor.spawn(function* (): Coroutine<[number, unknown]> {
    const first = yield* select(busy(20_000, "a"), ready("b"));
    drop(first.rest);
    return [first.index, first.value];
  }());
  await executor.run();
  assert.deepEqual(await selected, [1, "b"]);
});

test("select: a first future that takes the budget's last unit and waits still lets the second register", async () => {
  // 128 operations leave no unit and no wake (the 129th would be refused); select then polls `b`
  // first in the next poll, which its own wake makes sure of: `b` registers and its fire is seen.
  const a = new Manual<string>();
  const b = new Manual<string>();
  const executor = new LocalExecutor();
  const selected = executor.spawn(function* (): Coroutine<number> {
    const first = yield* select(
      function* (): Coroutine<string> {
        yield* busy(128, null);
        return yield* a;
      }(),
      b,
    );
    drop(first.rest);
    return first.index;
  }());
  let bPolledBeforeFire = 0;
  executor.spawn(function* (): Coroutine<void> {
    for (let i = 0; i < 3; i++) yield* yieldNow();
    bPolledBeforeFire = b.polls;
    b.fire("b");
    a.fire("a"); // ends the select even when it lost its wake (then `b` was never polled before)
  }());
  await executor.run();
  assert.equal(bPolledBeforeFire, 1);
  assert.equal(await selected, 1);
});

test("a future that lost a select on one executor completes on a second one", async () => {
  // The seed's two-executor scenario: the future is first polled under blockOn's waker, then moved
  // to a LocalExecutor. It completes only because it replaces its stored waker on every poll.
  const timer = new Manual<string>();
  function* work(): Coroutine<string> {
    const value: string = yield* timer;
    return `got ${value}`;
  }
  const first = blockOn(select(work(), ready("ready future")));
  assert.equal(first.index, 1);
  const second = new LocalExecutor();
  const handle = second.spawn(first.rest);
  const run = second.run();
  setTimeout(() => timer.fire("the timer"), 5);
  await run;
  assert.equal(await handle, "got the timer");
});

test("fromPromise and toPromise bridge both ways, rejections included", async () => {
  function* twice(): Coroutine<number> {
    const n: number = yield* fromPromise(Promise.resolve(21));
    yield* yieldNow();
    return n * 2;
  }
  assert.equal(await toPromise(twice()), 42);
  const error = new Error("rejected");
  await assert.rejects(toPromise(fromPromise(Promise.reject(error))), (e: unknown) => e === error);
});

test("ready, yieldNow and pending behave as documented", () => {
  const cx = Context.noop();
  const r = ready(1);
  assert.equal(r.poll(cx), 1);
  assert.throws(() => r.poll(cx), (e: unknown) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
  const y = yieldNow();
  assert.equal(y.poll(cx), PENDING);
  assert.equal(y.poll(cx), undefined);
  assert.equal(pending().poll(cx), PENDING);
});

test("pollFn refuses a poll that is not a function, and an onDrop that is neither a function nor undefined, naming it", () => {
  const invalid = (shown: string) => (e: unknown): boolean =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes("pollFn()") &&
    e.message.includes(shown);
  assert.throws(() => pollFn(5 as never), invalid("got 5"));
  assert.throws(() => pollFn(null as never), invalid("got null"));
  // It used to throw a TypeError later, from inside the combinator or executor that dropped it.
  assert.throws(() => pollFn(() => 1, "cleanup" as never), invalid('got "cleanup"'));
});
