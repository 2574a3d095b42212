// Port of tokio-stream/tests/chunks_timeout.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/timer's chunksTimeout, written from the timer README. tokio's paused clock is a
// VirtualClock moved by `advance`; `chunk_stream.next().await` (which lets paused time jump to
// the next deadline) is a `next()` run on an executor whose virtual clock jumps when it is idle;
// `stream::iter(a).chain(stream::iter(b).then(sleep))` is the `SleepThenItems` stream below.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LocalExecutor, next, type Stream, type StreamEnd, toPromise } from "@spindle/core";
import { chunksTimeout, Instant, TimerReactor, VirtualClock } from "@spindle/timer";
import { pending, SleepThenItems, spawnForStream } from "./support.ts";

/** `stream.next().await` under a paused tokio clock: the clock jumps while nothing else can run. */
async function nextPaused<T>(clock: VirtualClock, stream: Stream<T>): Promise<T | StreamEnd> {
  const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
  const item = executor.spawn(next(stream));
  await executor.run();
  return await item;
}

test("usage", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const source = new SleepThenItems(clock.timer, [[0, 1], [0, 2], [0, 3], [3000, 4]]);
  const chunkStream = chunksTimeout(source, clock.timer, 4, 2000);
  const task = spawnForStream();
  pending(task.pollNext(chunkStream));
  clock.advance(2000);
  assert.deepEqual(await nextPaused(clock, chunkStream), [1, 2, 3]);
  pending(task.pollNext(chunkStream));
  clock.advance(2000);
  assert.deepEqual(await nextPaused(clock, chunkStream), [4]);
});

test("full_chunk_with_timeout", async () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const source = new SleepThenItems(clock.timer, [[0, 1], [0, 2], [1000, 3], [3000, 4]]);
  const chunkStream = chunksTimeout(source, clock.timer, 3, 2000);
  const task = spawnForStream();
  pending(task.pollNext(chunkStream));
  clock.advance(2000);
  assert.deepEqual(await nextPaused(clock, chunkStream), [1, 2, 3]);
  pending(task.pollNext(chunkStream));
  clock.advance(2000);
  assert.deepEqual(await nextPaused(clock, chunkStream), [4]);
});

// Upstream this test is #[ignore]d (it takes 5 s of real time). Ported on the timer thread with
// the times scaled down (2 s -> 100 ms, 5 s -> 600 ms), keeping a gap that a loaded machine's
// stalls do not close.
test("real_time", async () => {
  const reactor = await TimerReactor.start();
  try {
    const source = new SleepThenItems(reactor.timer, [[0, 1], [0, 2], [0, 3], [0, 4], [600, 5]]);
    const chunkStream = chunksTimeout(source, reactor.timer, 3, 100);
    assert.deepEqual(await toPromise(next(chunkStream)), [1, 2, 3]);
    assert.deepEqual(await toPromise(next(chunkStream)), [4]);
    assert.deepEqual(await toPromise(next(chunkStream)), [5]);
  } finally {
    reactor.close();
  }
});
