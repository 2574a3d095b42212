// async-lock's tests/common/mod.rs `check_yields_when_contended`, for the ported peer tests.
import assert from "node:assert/strict";
import { type Future, PENDING } from "@spindle/core";
import { countingWaker } from "@spindle/test-support";

/** The acquisition waits while `contending` is held, is woken when it is released, then is ready. */
export function checkYieldsWhenContended<T>(contending: Disposable, acquire: Future<T>): T {
  const { cx, woken } = countingWaker();
  assert.equal(acquire.poll(cx), PENDING);
  contending[Symbol.dispose]();
  assert.ok(woken() > 0, "the waiting acquisition was woken");
  const output = acquire.poll(cx);
  assert.notEqual(output, PENDING);
  return output as T;
}
