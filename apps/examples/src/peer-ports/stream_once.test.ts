// Port of tokio-stream/tests/stream_once.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's once, written from the core README. The size_hint checks are left out:
// core streams have no size hint.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, next, once, STREAM_END } from "@spindle/core";

test("basic_usage", () => {
  const one = once(1);
  assert.equal(blockOn(next(one)), 1);
  assert.equal(blockOn(next(one)), STREAM_END);
});
