import { test } from "node:test";
import { assertArgumentsTyped } from "@spindle/test-support";
import { NetError } from "./errors.ts";

test("NetError refuses a code or message it cannot write with INVALID_ARGUMENT naming them", () => {
  assertArgumentsTyped([
    ["new NetError(): code", "string", (bad) => new NetError(bad, "message")],
    ["new NetError(): message", "string", (bad) => new NetError("CLOSED", bad)],
  ]);
});
