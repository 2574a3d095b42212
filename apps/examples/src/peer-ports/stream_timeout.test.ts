// Port of tokio-stream/tests/stream_timeout.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/timer's timeoutEach, written from the timer README; tokio's paused clock is a
// VirtualClock moved by `advance`. tokio's `Some(Err(Elapsed))` item is a thrown ElapsedError
// here (the stream goes on after it, README); `None` is STREAM_END.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Context, PENDING, type Poll, Stream, STREAM_END, type StreamEnd } from "@spindle/core";
import { ElapsedError, Instant, type Sleep, timeoutEach, type Timer, VirtualClock } from "@spindle/timer";
import { pending, ready, spawnForStream } from "./support.ts";

/** tokio's `stream::iter(from..=to).then(maybe_sleep)`: even items come after a 200 ms sleep. */
class MaybeSleep extends Stream<number> {
  readonly #timer: Timer;
  readonly #items: number[];
  #next = 0;
  #sleep: Sleep | null = null;

  constructor(timer: Timer, items: number[]) {
    super();
    this.#timer = timer;
    this.#items = items;
  }

  pollNext(cx: Context): Poll<number | StreamEnd> {
    if (this.#next >= this.#items.length) return STREAM_END;
    const item = this.#items[this.#next]!;
    if (item % 2 === 0) {
      this.#sleep ??= this.#timer.sleep(200);
      if (this.#sleep.poll(cx) === PENDING) return PENDING;
      this.#sleep = null;
    }
    this.#next++;
    return item;
  }

  override [Symbol.dispose](): void {
    this.#sleep?.[Symbol.dispose]();
  }
}

function setup(items: number[], ms: number) {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const stream = timeoutEach(new MaybeSleep(clock.timer, items), clock.timer, ms);
  const task = spawnForStream();
  return {
    clock,
    poll: () => task.pollNext(stream),
    elapsed: () => assert.throws(() => task.pollNext(stream), ElapsedError),
  };
}

test("basic_usage", () => {
  const { clock, poll, elapsed } = setup([1, 2, 3, 4], 100);
  assert.equal(ready(poll()), 1);
  pending(poll());
  clock.advance(150);
  elapsed();
  pending(poll());
  clock.advance(100);
  assert.equal(ready(poll()), 2);
  assert.equal(ready(poll()), 3);
  pending(poll());
  clock.advance(60);
  pending(poll()); // nothing ready yet
  clock.advance(60);
  elapsed(); // timeout!
  clock.advance(120);
  assert.equal(ready(poll()), 4);
  assert.equal(ready(poll()), STREAM_END);
});

test("return_elapsed_errors_only_once", () => {
  const { clock, poll, elapsed } = setup([1, 2, 3], 50);
  assert.equal(ready(poll()), 1);
  pending(poll());
  clock.advance(51);
  elapsed(); // timeout!
  clock.advance(50);
  pending(poll());
  clock.advance(100);
  assert.equal(ready(poll()), 2);
  assert.equal(ready(poll()), 3);
  assert.equal(ready(poll()), STREAM_END);
});

test("no_timeouts", () => {
  const { poll } = setup([1, 3, 5], 100);
  assert.equal(ready(poll()), 1);
  assert.equal(ready(poll()), 3);
  assert.equal(ready(poll()), 5);
  assert.equal(ready(poll()), STREAM_END);
});
