import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { HOST_RUNTIME } from "./mod.ts";

test("HOST_RUNTIME names the runtime that process.versions names", () => {
  const expected = process.versions.bun !== undefined ? "Bun" : process.versions.deno !== undefined ? "Deno" : "Node";
  assert.equal(HOST_RUNTIME, expected);
});
