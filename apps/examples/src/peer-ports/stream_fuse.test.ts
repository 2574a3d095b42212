// Port of tokio-stream/tests/stream_fuse.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/core's fuse and @spindle/timer's ticks, written from the READMEs. The size_hint
// checks of basic_usage are left out: core streams have no size hint.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, fuse, next, type Poll, Stream, STREAM_END, type StreamEnd } from "@spindle/core";
import { Instant, ticks, VirtualClock } from "@spindle/timer";

/** A stream that alternates between an item (even states) and its end (odd ones). */
class Alternate extends Stream<number> {
  state = 0;
  pollNext(): Poll<number | StreamEnd> {
    const value = this.state++;
    return value % 2 === 0 ? value : STREAM_END;
  }
}

test("basic_usage", () => {
  const alternate = new Alternate();
  // the stream goes back and forth
  assert.equal(blockOn(next(alternate)), 0);
  assert.equal(blockOn(next(alternate)), STREAM_END);
  assert.equal(blockOn(next(alternate)), 2);
  assert.equal(blockOn(next(alternate)), STREAM_END);
  // however, once it is fused
  const stream = fuse(alternate);
  assert.ok(!stream.isTerminated);
  assert.equal(blockOn(next(stream)), 4);
  assert.ok(!stream.isTerminated);
  assert.equal(blockOn(next(stream)), STREAM_END);
  assert.ok(stream.isTerminated);
  // it ends on every poll after the first end
  assert.equal(blockOn(next(stream)), STREAM_END);
  assert.ok(stream.isTerminated);
});

test("interval_stream_is_never_terminated", () => {
  const clock = new VirtualClock({ start: Instant.fromMillis(0) });
  const stream = fuse(ticks(clock.timer.interval(1)));
  assert.ok(!stream.isTerminated);
  blockOn(next(stream));
  assert.ok(!stream.isTerminated, "an interval's ticks never end");
  stream[Symbol.dispose]();
});
