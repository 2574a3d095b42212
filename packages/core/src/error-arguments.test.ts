import assert from "node:assert/strict";
import { test } from "node:test";
import { assertArgumentsTyped } from "@spindle/test-support";
import { checkSignal } from "./cancellation-token.ts";
import { checkDeadThreadId } from "./dead-thread.ts";
import {
  CancelledError,
  checkInstance,
  checkIterable,
  checkOptions,
  checkTypeOf,
  isInstance,
  readErrorOptions,
  SpindleError,
  unreadableError,
} from "./errors.ts";
import { checkSharedWord } from "./shared-word.ts";
import { checkChunkMax, checkStream } from "./stream.ts";
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

test("the argument-check helpers refuse a label they cannot write into their message, on good and bad values alike", () => {
  const word = new Int32Array(new SharedArrayBuffer(4));
  assertArgumentsTyped([
    ["checkTypeOf(): name", "string", (bad) => checkTypeOf("fib", "string", bad)],
    ["checkInstance(): needs", "string", (bad) => checkInstance(new Uint8Array(1), Uint8Array, bad)],
    ["isInstance(): needs", "string", (bad) => isInstance("text", Uint8Array, bad)],
    ["checkIterable(): needs", "string", (bad) => checkIterable([1], bad)],
    ["checkOptions(): what", "string", (bad) => checkOptions({}, bad)],
    ["readErrorOptions(): what", "string", (bad) => readErrorOptions(undefined, bad)],
    ["unreadableError(): needs", "string", (bad) => unreadableError({}, bad, new Error("read"))],
    ["checkSignal(): what", "string", (bad) => checkSignal(new AbortController().signal, bad)],
    ["checkDeadThreadId(): what", "string", (bad) => checkDeadThreadId(1_000_000, bad)],
    ["checkSharedWord(): what", "string", (bad) => checkSharedWord(word, 0, bad)],
    ["checkChunkMax(): what", "string", (bad) => checkChunkMax(1, bad)],
    ["checkStream(): what", "string", (bad) => checkStream({ pollNext: () => null }, bad)],
  ]);
  assert.throws(
    () => checkTypeOf(1, "bigint" as never, "n"),
    (e) => e instanceof SpindleError && e.message === 'checkTypeOf(): type must be "string" or "number", got "bigint"',
  );
  assert.equal(checkChunkMax(3), 3, "the default label");
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
