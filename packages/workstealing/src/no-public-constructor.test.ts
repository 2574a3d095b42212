import { test } from "node:test";
import { assertNoPublicConstructor } from "@spindle/test-support";
import { JobHandle, Runtime, SharedBuffer } from "./mod.ts";

test("a JavaScript new of a class whose constructor the runtime keeps is INVALID_ARGUMENT naming the class", () => {
  assertNoPublicConstructor({ JobHandle, Runtime, SharedBuffer });
});
