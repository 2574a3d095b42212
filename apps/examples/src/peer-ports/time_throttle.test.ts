// Port of tokio-stream/tests/time_throttle.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/timer's throttle, written from the timer README; tokio's paused clock is a
// VirtualClock moved by `advance`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Poll, Stream } from "@spindle/core";
import { Instant, throttle, VirtualClock } from "@spindle/timer";
import { pending, ready, spawnForStream } from "./support.ts";

/** futures::stream::repeat(()): always ready. */
class Repeat extends Stream<null> {
  pollNext(): Poll<null> {
    return null;
  }
}

test("usage", () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const stream = throttle(new Repeat(), clock.timer, 100);
  const task = spawnForStream();
  ready(task.pollNext(stream));
  pending(task.pollNext(stream));
  clock.advance(90);
  pending(task.pollNext(stream));
  clock.advance(101);
  assert.ok(task.isWoken());
  ready(task.pollNext(stream));
});
