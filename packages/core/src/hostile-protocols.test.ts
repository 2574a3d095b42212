// Thenables and iterators that break their protocol (a `then` that calls back twice or throws, a
// `next()` that gives no iterator result, a throwing `done` getter): each is a failure with a
// reason, as the language's own `await` and `for…of` make it, never a hang, a crash of the
// process or an engine `TypeError` that names neither the function nor the value.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  asCompleted,
  collect,
  fromAsyncIterable,
  fromIterable,
  fromPromise,
  joinAll,
  race,
  ready,
  SpindleError,
  TaskScope,
  toPromise,
} from "@spindle/core";

const iteratorOf = (next: () => unknown): Iterable<never> => ({ [Symbol.iterator]: () => ({ next }) as never });
const asyncIteratorOf = (next: () => unknown): AsyncIterable<never> => ({
  [Symbol.asyncIterator]: () => ({ next }) as never,
});
const throwingDone = () => ({
  get done(): boolean {
    throw new Error("done getter");
  },
});

function isInvalid(pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && pattern.test(error.message);
}

test("fromPromise(): a thenable's first call back counts, as a promise's resolve functions do", async () => {
  const twice = { then: (resolve: (v: number) => void) => (resolve(1), resolve(2)) } as unknown as PromiseLike<number>;
  const thenRejects = {
    then: (resolve: (v: number) => void, reject: (e: unknown) => void) => (resolve(1), reject(new Error("late"))),
  } as unknown as PromiseLike<number>;
  assert.equal(await toPromise(fromPromise(twice)), 1);
  assert.equal(await toPromise(fromPromise(thenRejects)), 1);
  assert.equal(await toPromise(fromPromise(() => twice)), 1);
});

test("fromPromise(): a thenable whose then() throws rejects with that error, unless it called back first", async () => {
  const thrown = new Error("then threw");
  await assert.rejects(
    toPromise(fromPromise({
      then: () => {
        throw thrown;
      },
    })),
    (e) => e === thrown,
  );
  const resolvedThenThrew = {
    then(resolve: (v: number) => void) {
      resolve(7);
      throw thrown;
    },
  } as unknown as PromiseLike<number>;
  assert.equal(await toPromise(fromPromise(resolvedThenThrew)), 7);
});

test("fromPromise(factory): what the factory returns is read once, a throwing then getter is INVALID_ARGUMENT", async () => {
  const bad = {
    get then(): never {
      throw new Error("getter");
    },
  };
  await assert.rejects(
    toPromise(fromPromise(() => bad as never)),
    (e) => isInvalid(/the function must return a promise/)(e) && (e as Error).cause instanceof Error,
  );
});

test("fromIterable(): a next() giving no iterator result is INVALID_ARGUMENT naming it, not an endless stream", async () => {
  // Before: `5.done` is undefined, so 5 read as an item `undefined`, forever (collect() never ended).
  for (const bad of [5, null, "x"]) {
    await assert.rejects(toPromise(collect(fromIterable(iteratorOf(() => bad)))), isInvalid(/next\(\) gave/));
  }
  const nonIterator = { [Symbol.iterator]: () => null } as unknown as Iterable<number>;
  await assert.rejects(toPromise(collect(fromIterable(nonIterator))), isInvalid(/must return an iterator, got null/));
  // A getter that throws fails the stream with its own error, as `for…of` does.
  await assert.rejects(toPromise(collect(fromIterable(iteratorOf(throwingDone)))), /done getter/);
});

test("fromIterable(): an iterator result counts as done when `done` is truthy, as in for…of", async () => {
  let calls = 0;
  const items = iteratorOf(() => (++calls <= 2 ? { done: 0, value: calls } : { done: 1 }));
  assert.deepEqual(await toPromise(collect(fromIterable(items))), [1, 2]);
});

test("fromAsyncIterable(): a bad result or a throwing getter fails the stream; no unhandled rejection, no hang", async () => {
  // Before: a throwing `done` getter threw inside the promise callback, an unhandled rejection that
  // ended the Node process, and the stream waited forever; a result of 5 was an endless stream.
  await assert.rejects(
    toPromise(collect(fromAsyncIterable(asyncIteratorOf(() => Promise.resolve(throwingDone()))))),
    /done getter/,
  );
  await assert.rejects(
    toPromise(collect(fromAsyncIterable(asyncIteratorOf(() => Promise.resolve(null))))),
    isInvalid(/next\(\) gave null/),
  );
  await assert.rejects(
    toPromise(collect(fromAsyncIterable(asyncIteratorOf(() => 5)))),
    isInvalid(/next\(\) gave 5/),
  );
  const nonIterator = { [Symbol.asyncIterator]: () => 5 } as unknown as AsyncIterable<number>;
  await assert.rejects(toPromise(collect(fromAsyncIterable(nonIterator))), isInvalid(/must return an iterator, got 5/));
});

test("joinAll, race, asCompleted, spawnAll: an iterable whose iteration fails is INVALID_ARGUMENT, its error as cause", () => {
  const broken: [string, Iterable<never>][] = [
    ["a TypeError", iteratorOf(() => 5)],
    ["an Error: done getter", iteratorOf(throwingDone)],
  ];
  const takers: [string, (it: Iterable<never>) => unknown][] = [
    ["joinAll() needs an iterable of futures", (it) => joinAll(it)],
    ["race() needs an iterable of futures", (it) => race(it)],
    ["asCompleted() needs an iterable of futures", (it) => asCompleted(it)],
    ["TaskScope.spawnAll() needs an iterable", (it) => new TaskScope().spawnAll(it)],
  ];
  for (const [needs, take] of takers) {
    for (const [thrown, iterable] of broken) {
      assert.throws(
        () => take(iterable),
        (e) =>
          isInvalid(new RegExp(`^${needs.replace(/[()]/g, "\\$&")}, got an object whose iteration threw ${thrown}`))(
            e,
          ) &&
          (e as Error).cause instanceof Error,
        needs,
      );
    }
  }
  // A good iterable that is no array still works.
  assert.ok(race(new Set([ready(1)])));
});
