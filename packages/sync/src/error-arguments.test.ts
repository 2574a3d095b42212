import { test } from "node:test";
import { assertArgumentsTyped } from "@spindle/test-support";
import { ClosedError, LaggedError, SendError } from "./errors.ts";
import { ValueTooLargeError } from "./shared-ring.ts";

test("sync's errors refuse arguments they cannot write into their message with INVALID_ARGUMENT naming them", () => {
  assertArgumentsTyped([
    ["new ClosedError(): what", "string", (bad) => new ClosedError(bad, "detail")],
    ["new ClosedError(): detail", "string", (bad) => new ClosedError("channel", bad)],
    ["new ClosedError(): what", "string", (bad) => new SendError(1, bad)],
    ["new SendError(): why", "string", (bad) => new SendError(1, "channel", bad)],
    ["new LaggedError(): missed", "number", (bad) => new LaggedError(bad)],
    ["new ValueTooLargeError(): size", "number", (bad) => new ValueTooLargeError(bad, 256)],
    ["new ValueTooLargeError(): slotBytes", "number", (bad) => new ValueTooLargeError(300, bad)],
  ]);
});
