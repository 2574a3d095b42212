import { test } from "node:test";
import { assertNoPublicConstructor } from "@spindle/test-support";
import { Instant, Interval, Sleep, Timer, TimerReactor } from "./mod.ts";

test("a JavaScript new of a class whose constructor the timer keeps is INVALID_ARGUMENT naming the class", () => {
  assertNoPublicConstructor({ Instant, Interval, Sleep, Timer, TimerReactor });
});
