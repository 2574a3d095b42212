import { test } from "node:test";
import { assertNoPublicConstructor } from "@spindle/test-support";
import { SharedBuffer } from "./mod.ts";

test("a JavaScript new of a class whose constructor the codec keeps is INVALID_ARGUMENT naming the class", () => {
  assertNoPublicConstructor({ SharedBuffer });
});
