// Port of tokio-stream/tests/stream_chunks_timeout.rs (tokio-rs/tokio
// ea91b33ca57ff0581b38e735cc108f831bccbdaa) onto @spindle/timer's chunksTimeout, written from the
// timer README. tokio chunks `&mut inner` and keeps `inner`; `intoRemainder()` hands the source
// back the same way (README). tokio's paused clock is a VirtualClock moved by `advance`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LocalExecutor, next } from "@spindle/core";
import { chunksTimeout, Instant, VirtualClock } from "@spindle/timer";
import { pending, SleepThenItems, spawnForStream } from "./support.ts";

test("stream_chunks_remainder", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const inner = new SleepThenItems(clock.timer, [[0, 1], [0, 2], [0, 3], [0, 4], [1000, 5]]);
  const chunked = chunksTimeout(inner, clock.timer, 10, 20);
  const task = spawnForStream();
  pending(task.pollNext(chunked));
  const remainder = chunked.intoRemainder();
  assert.deepEqual(remainder, [1, 2, 3, 4]);
  clock.advance(2000);
  // `inner.next().await` under the paused clock.
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  const item = executor.spawn(next(inner));
  await executor.run();
  assert.equal(await item, 5);
});
