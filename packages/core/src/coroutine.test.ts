import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  type Coroutine,
  fromGenerator,
  Future,
  isCoroutine,
  PENDING,
  pollFn,
  ready,
  SpindleError,
  Waker,
  yieldNow,
} from "./mod.ts";
import { Context } from "./context.ts";

function* addThree(a: number): Coroutine<number> {
  const b: number = yield* ready(1);
  const c: number = yield* ready(2);
  return a + b + c;
}

function* failing(): Coroutine<never> {
  yield* yieldNow();
  throw new TypeError("bad input: 7");
}

function* catching(): Coroutine<string> {
  try {
    yield* failing();
    return "unreachable";
  } catch (error) {
    return (error as Error).message;
  }
}

test("yield* passes each future's output back into the generator", () => {
  assert.equal(blockOn(addThree(10)), 13);
});

test("an error from an awaited future is thrown into the generator at the yield*", () => {
  function* catchesPollError(): Coroutine<string> {
    try {
      yield* pollFn(() => {
        throw new RangeError("from poll");
      });
    } catch (error) {
      return `caught ${(error as Error).message}`;
    }
    return "not caught";
  }
  assert.equal(blockOn(catchesPollError()), "caught from poll");
  assert.equal(blockOn(catching()), "bad input: 7");
});

test("the same error object reaches the caller", () => {
  const error = new Error("same");
  function* throws(): Coroutine<void> {
    yield* yieldNow();
    throw error;
  }
  assert.throws(() => blockOn(throws()), (e: unknown) => e === error);
});

test("yielding something that is not a future throws NOT_A_FUTURE into the generator", () => {
  function* wrong(): Generator<unknown, string, unknown> {
    try {
      yield 5;
    } catch (error) {
      return (error as SpindleError).code;
    }
    return "no error";
  }
  assert.equal(blockOn(fromGenerator(wrong() as Coroutine<string>)), "NOT_A_FUTURE");
});

test("polling a finished coroutine throws FUTURE_COMPLETED", () => {
  const future = fromGenerator(addThree(0));
  const cx = Context.noop();
  assert.equal(future.poll(cx), 3);
  assert.throws(() => future.poll(cx), (e: unknown) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED");
});

test("dropping a suspended coroutine drops its awaited future and runs finally blocks", () => {
  const log: string[] = [];
  class Tracked extends Future<number> {
    poll(): typeof PENDING {
      return PENDING;
    }
    override [Symbol.dispose](): void {
      log.push("awaited future dropped");
    }
  }
  function* body(): Coroutine<void> {
    try {
      yield* new Tracked();
    } finally {
      log.push("finally ran");
    }
  }
  const future = fromGenerator(body());
  assert.equal(future.poll(Context.noop()), PENDING);
  future[Symbol.dispose]();
  assert.deepEqual(log, ["awaited future dropped", "finally ran"]);
});

test("isCoroutine accepts generator objects only, not futures or other iterables", () => {
  assert.equal(isCoroutine(addThree(1)), true);
  assert.equal(isCoroutine(ready(1)), false);
  assert.equal(isCoroutine([1, 2]), false);
  assert.equal(isCoroutine(new Map().values()), false);
  assert.equal(isCoroutine(null), false);
  assert.equal(isCoroutine({ next() {}, throw() {} }), false);
  // A future that iterates itself for `yield*` (as sync's channel futures do) is still a future.
  const selfIterating = Object.assign(ready(1), {
    next() {},
    throw() {},
    [Symbol.iterator]() {
      return this;
    },
  });
  assert.equal(isCoroutine(selfIterating), false);
});

test("coroutines suspended in yield* at once each get their own future's output, resumed in any order", () => {
  // Every `yield*` of a thread shares one iterator (future.ts): this pins that a suspended
  // `yield*` keeps nothing there that another one could overwrite.
  const outputs = ["a", "b", "c"];
  const wakers: (() => void)[] = [];
  const ready = [false, false, false];
  const gated = (i: number) =>
    pollFn((cx) => {
      if (ready[i]) return outputs[i] as string;
      const waker = cx.waker.clone();
      wakers[i] = () => waker.wake();
      return PENDING;
    });
  function* inner(i: number): Coroutine<string> {
    const got: string = yield* gated(i);
    return `${got}${i}`;
  }
  function* outer(i: number): Coroutine<string> {
    const got: string = yield* inner(i); // a generator between the task and the future's yield*
    return got.toUpperCase();
  }
  const coroutines = [outer(0), outer(1), outer(2)].map((c) => fromGenerator(c));
  const cx = new Context(Waker.noop());
  for (const c of coroutines) assert.equal(c.poll(cx), PENDING);
  const results: string[] = [];
  for (const i of [2, 0, 1]) {
    ready[i] = true;
    results.push(coroutines[i]!.poll(cx) as string);
  }
  assert.deepEqual(results, ["C2", "A0", "B1"]);
  assert.equal(wakers.length, 3);
});
