import { test } from "node:test";
import { assertNoPublicConstructor } from "@spindle/test-support";
import { Reactor, UdpSocket } from "./mod.ts";

test("a JavaScript new of a class whose constructor reactor-net keeps is INVALID_ARGUMENT naming the class", () => {
  assertNoPublicConstructor({ Reactor, UdpSocket });
});
