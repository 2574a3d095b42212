import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { assertArgumentsTyped, unprintableValues } from "@spindle/test-support";
import { ElapsedError, TimerClosedError, TimerStateError, TimerThreadStartError } from "./errors.ts";

test("the timer's errors refuse arguments they cannot write into their message with INVALID_ARGUMENT naming them", () => {
  assertArgumentsTyped([
    ["new ElapsedError(): timeoutMs", "number", (bad) => new ElapsedError(bad)],
    ["new TimerStateError(): field", "string", (bad) => new TimerStateError(bad, 1, "a buffer", true)],
    ["new TimerStateError(): expected", "string", (bad) => new TimerStateError("buffer", 1, bad, true)],
  ]);
  for (const [bad, shown] of unprintableValues()) {
    assert.throws(
      () => new TimerClosedError(bad as never),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.endsWith(`got ${shown}`),
    );
    assert.ok(new TimerStateError("buffer", bad, "a buffer", true).message.includes(`buffer is ${shown}`));
  }
});

test("a TimerThreadStartError of any cause says what it can of it and keeps it", () => {
  for (const [cause] of unprintableValues()) {
    const error = new TimerThreadStartError(cause);
    assert.ok(error.message.startsWith("the timer thread could not start: "), error.message);
    assert.equal(error.cause, cause);
  }
  assert.equal(
    new TimerThreadStartError("this host lacks Atomics.wait").message,
    "the timer thread could not start: this host lacks Atomics.wait",
  );
  assert.equal(
    new TimerThreadStartError(new Error("no module")).message,
    "the timer thread could not start: no module",
  );
});
