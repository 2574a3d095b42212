import { test } from "node:test";
import { assertNoPublicConstructor } from "@spindle/test-support";
import { Waker, WakeTable } from "./mod.ts";

test("a JavaScript new of a class whose constructor core keeps is INVALID_ARGUMENT naming the class", () => {
  assertNoPublicConstructor({ Waker, WakeTable });
});
