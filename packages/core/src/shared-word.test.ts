// The shared-memory locks check the word they are built over: a typed error naming the bad value
// at construction instead of a bare RangeError (bad index) or a wait for ever (unshared memory)
// on first use.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Condvar, Mutex, SpindleError, spinWhileEquals } from "./mod.ts";

const shared = new Int32Array(new SharedArrayBuffer(8));
const bad = (what: string, value: string) => (error: unknown): boolean =>
  error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && error.message.includes(what) &&
  error.message.includes(value);

for (
  const [name, make] of [
    ["Mutex", (word: Int32Array, index: number) => new Mutex(word, index)],
    ["Condvar", (word: Int32Array, index: number) => new Condvar(word, index)],
  ] as const
) {
  test(`new ${name}() over a word outside its array, or not an integer index, is a typed error naming the index`, () => {
    assert.throws(() => make(shared, 2), bad(`new ${name}()`, "2"));
    assert.throws(() => make(shared, -1), bad(`new ${name}()`, "-1"));
    assert.throws(() => make(shared, 0.5), bad(`new ${name}()`, "0.5"));
    assert.throws(() => make(shared, "0" as never), bad(`new ${name}()`, '"0"'));
  });

  test(`new ${name}() over memory other threads cannot share is a typed error naming it`, () => {
    assert.throws(() => make(new Int32Array(2), 0), bad(`new ${name}()`, "Int32Array"));
    assert.throws(
      () => make(new Uint32Array(new SharedArrayBuffer(8)) as never, 0),
      bad(`new ${name}()`, "Uint32Array"),
    );
    assert.throws(() => make(null as never, 0), bad(`new ${name}()`, "null"));
  });

  test(`new ${name}() over a valid shared word is accepted at either end of the array`, () => {
    assert.doesNotThrow(() => make(shared, 0));
    assert.doesNotThrow(() => make(shared, 1));
  });
}

test("spinWhileEquals over a bad word or index is a typed error naming it, not the engine's TypeError", () => {
  assert.throws(() => spinWhileEquals(undefined as never, 0, 0), bad("spinWhileEquals()", "undefined"));
  assert.throws(() => spinWhileEquals(new Int32Array(new SharedArrayBuffer(8)), 5, 0), bad("spinWhileEquals()", "5"));
  assert.equal(spinWhileEquals(shared, 0, 1), true, "a word that differs still answers at once");
});
