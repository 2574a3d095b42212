import assert from "node:assert/strict";
import { test } from "node:test";
import { Context, fold, forEach, fromIterable, PENDING, pollFn, SpindleError } from "./mod.ts";

const completed = (what: string) => (error: unknown) =>
  error instanceof SpindleError && error.code === "FUTURE_COMPLETED" && error.message.startsWith(what);

test("a pollFn future that returned its output throws FUTURE_COMPLETED when polled again, without calling fn", () => {
  const cx = Context.noop();
  let calls = 0;
  const future = pollFn(() => ++calls === 2 ? "done" : PENDING);
  assert.equal(future.poll(cx), PENDING);
  assert.equal(future.poll(cx), "done");
  assert.throws(() => future.poll(cx), completed("pollFn()"));
  assert.equal(calls, 2, "fn is not called after the future completed");
});

test("fold and forEach polled after completion name themselves", () => {
  const cx = Context.noop();
  const folded = fold(fromIterable([1, 2]), 0, (sum, n) => sum + n);
  assert.equal(folded.poll(cx), 3);
  assert.throws(() => folded.poll(cx), completed("fold()"));
  const each = forEach(fromIterable([1]), () => {});
  assert.equal(each.poll(cx), undefined);
  assert.throws(() => each.poll(cx), completed("forEach()"), "it said fold()");
});
