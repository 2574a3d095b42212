import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { assertArgumentsTyped, unprintableValues } from "@spindle/test-support";
import * as errors from "./errors.ts";

test("work-stealing's errors refuse arguments they cannot write into their message with INVALID_ARGUMENT naming them", () => {
  assertArgumentsTyped([
    ["new WorkerLostError(): job", "string", (bad) => new errors.WorkerLostError(bad, 0, 1)],
    ["new WorkerLostError(): worker", "number", (bad) => new errors.WorkerLostError("fib", bad, 1)],
    ["new WorkerLostError(): exitCode", "number", (bad) => new errors.WorkerLostError("fib", 0, bad)],
    ["new JobAbortedError(): job", "string", (bad) => new errors.JobAbortedError(bad, "reason")],
    ["new JobTimeoutError(): job", "string", (bad) => new errors.JobTimeoutError(bad, 5)],
    ["new JobTimeoutError(): timeoutMs", "number", (bad) => new errors.JobTimeoutError("fib", bad)],
    ["new QueueFullError(): job", "string", (bad) => new errors.QueueFullError(bad, 5)],
    ["new QueueFullError(): limit", "number", (bad) => new errors.QueueFullError("fib", bad)],
    ["new HeapFullError(): job", "string", (bad) => new errors.HeapFullError(bad, "result", 1, 2)],
    ["new HeapFullError(): bytes", "number", (bad) => new errors.HeapFullError("fib", "result", bad, 2)],
    ["new HeapFullError(): limit", "number", (bad) => new errors.HeapFullError("fib", "result", 1, bad)],
    ["new OutcomeWriteError(): job", "string", (bad) => new errors.OutcomeWriteError(bad, "result")],
    ["new JobModuleError(): module", "string", (bad) => new errors.JobModuleError(bad, "has no default export")],
    ["new JobModuleError(): problem", "string", (bad) => new errors.JobModuleError("file:///jobs.ts", bad)],
    ["new RuntimeShutdownError(): job", "string", (bad) => new errors.RuntimeShutdownError(bad)],
    ["new RuntimeShutdownError(): operation", "string", (bad) => new errors.RuntimeShutdownError("alloc", bad)],
    ["new RuntimeShutdownError(): by", "string", (bad) => new errors.RuntimeShutdownError("fib", undefined, bad)],
    ["new UnsupportedOptionError(): option", "string", (bad) => new errors.UnsupportedOptionError(bad, "why")],
    [
      "new UnsupportedOptionError(): why",
      "string",
      (bad) => new errors.UnsupportedOptionError("resourceLimits", bad),
    ],
    [
      "new UnknownJobError(): known's names",
      "string",
      (bad) => new errors.UnknownJobError("fib", ["square", bad]),
    ],
  ]);
});

test("an outcome that is none of result, error and reason, and job names that are no list, are INVALID_ARGUMENT", () => {
  const invalid = (shown: string) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.endsWith(`got ${shown}`);
  for (const [bad, shown] of unprintableValues()) {
    assert.throws(() => new errors.OutcomeWriteError("fib", bad as never), invalid(shown));
    assert.throws(() => new errors.HeapFullError("fib", bad as never, 1, 2), invalid(shown));
  }
  assert.throws(() => new errors.UnknownJobError("fib", null as never), invalid("null"));
  assert.throws(() => new errors.UnknownJobError("fib", 5 as never), invalid("5"));
  assert.equal(
    new errors.UnknownJobError(Symbol("s"), ["square"]).message,
    'no job named Symbol(s) in the job module (it defines "square")',
  );
});

test("an OutcomeWriteError whose cause cannot be read says so instead of throwing it", () => {
  const cause = new Proxy(new Error("x"), {
    get() {
      throw new Error("trap");
    },
  });
  const error = new errors.OutcomeWriteError("fib", "result", { cause });
  assert.equal(error.message, `job "fib"'s result could not be written (its cause, an object, could not be read)`);
  assert.equal(error.cause, cause);
  assert.equal(
    new errors.OutcomeWriteError("fib", "error", { cause: new RangeError("no room") }).message,
    `job "fib"'s error could not be written: RangeError: no room`,
  );
});
