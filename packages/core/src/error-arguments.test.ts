import assert from "node:assert/strict";
import { test } from "node:test";
import { assertArgumentsTyped } from "@spindle/test-support";
import { CancelledError, checkTypeOf, readErrorOptions, SpindleError } from "./errors.ts";
import { PermissionDeniedError } from "./permission.ts";

test("core's errors refuse arguments they cannot write into their message with INVALID_ARGUMENT naming them", () => {
  assertArgumentsTyped([
    ["new SpindleError(): code", "string", (bad) => new SpindleError(bad, "m")],
    ["new SpindleError(): message", "string", (bad) => new SpindleError("INVALID_ARGUMENT", bad)],
    ["new CancelledError(): what", "string", (bad) => new CancelledError(bad)],
    ["new PermissionDeniedError(): operation", "string", (bad) => new PermissionDeniedError(bad, "--allow-net")],
    ["new PermissionDeniedError(): flag", "string", (bad) => new PermissionDeniedError("binding", bad)],
    ["checked: n", "number", (bad) => checkTypeOf(bad, "number", "checked: n")],
  ]);
  assert.equal(checkTypeOf("fib", "string", "job"), "fib");
});

test("readErrorOptions reads the cause once and refuses options it cannot read", () => {
  const trap = () => {
    throw new Error("trap");
  };
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  for (const bad of [new Proxy({}, { has: trap }), proxy]) {
    assert.throws(
      () => new SpindleError("INVALID_ARGUMENT", "m", bad as never),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.cause instanceof Error,
    );
  }
  assert.throws(
    () => new CancelledError("the task", 5 as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.endsWith("got 5"),
  );
  let reads = 0;
  const counted = {
    get cause() {
      reads++;
      return "why";
    },
  };
  assert.deepEqual(readErrorOptions(counted, "new MyError()"), { cause: "why" });
  assert.equal(reads, 1);
  assert.equal(readErrorOptions({}, "new MyError()"), undefined);
  assert.equal(new CancelledError("the task", { cause: 0 }).cause, 0);
});
