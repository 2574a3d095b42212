// Port of tokio-stream/tests/stream_pending.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's never (tokio-stream's pending; core's pending() is the future that never
// completes), written from the core README. The size_hint check is left out: core streams have
// no size hint.
import { test } from "node:test";
import { never, next } from "@spindle/core";
import { pending, spawn } from "./support.ts";

test("basic_usage", () => {
  const stream = never<number>();
  for (let i = 0; i < 2; i++) {
    const task = spawn(next(stream));
    pending(task.poll());
  }
});
