// Port of tokio-stream/tests/stream_empty.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's empty, written from the core README. The size_hint checks are left out:
// core streams have no size hint.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, empty, next, STREAM_END } from "@spindle/core";

test("basic_usage", () => {
  const stream = empty<number>();
  for (let i = 0; i < 2; i++) assert.equal(blockOn(next(stream)), STREAM_END);
});
