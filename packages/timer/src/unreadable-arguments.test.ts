// Arguments that throw when read (a revoked Proxy, a throwing trap): each is INVALID_ARGUMENT naming
// what it was for, with the engine's error as cause, not the engine's TypeError or the trap's error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertUnreadableRefused, type Taker } from "@spindle/test-support";
import { fromIterable, pending, SpindleError } from "@spindle/core";
import { throttle, ticks, Timer, TimerStateError, VirtualClock } from "./mod.ts";

test("a timer argument that throws when read is INVALID_ARGUMENT with its error as cause", () => {
  const clock = new VirtualClock();
  const { timer } = clock;
  const takers: Taker[] = [
    ["expected an Instant", (v) => timer.sleepUntil(v)],
    ["expected an Instant", (v) => new VirtualClock({ start: v })],
    ["new VirtualClock() needs options it can read", (v) => new VirtualClock(v)],
    ["sleep() needs options it can read", (v) => timer.sleep(1, v)],
    ["sleep() needs options.signal to be an AbortSignal or a CancellationToken", (v) => timer.sleep(1, { signal: v })],
    ["timeout() needs options it can read", (v) => timer.timeout(pending(), 1, v)],
    ["interval() needs options it can read", (v) => timer.interval(1, v)],
    ["ticks() needs an Interval", (v) => ticks(v)],
    ["throttle() needs a stream", (v) => throttle(v, timer, 1)],
    ["throttle() needs a Timer", (v) => throttle(fromIterable([1]), v, 1)],
    ["Timer.fromShared() needs what Timer.share() returned", (v) => Timer.fromShared(v)],
  ];
  assertUnreadableRefused(takers, (error) => error instanceof SpindleError || error instanceof RangeError);
  clock.advance(10);
});

test("Timer.fromShared of a Proxy of a SharedArrayBuffer is a TimerStateError naming it, not the engine's TypeError", () => {
  // The Proxy passes instanceof SharedArrayBuffer; its byteLength getter then threw a bare TypeError.
  assert.throws(
    () => Timer.fromShared({ buffer: new Proxy(new SharedArrayBuffer(64), {}), channel: "a-proxy" }),
    (e: unknown) => e instanceof TimerStateError && e.code === "INVALID_ARGUMENT" && e.field === "buffer",
  );
});
