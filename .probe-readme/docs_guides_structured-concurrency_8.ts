// docs/guides/structured-concurrency.md:377
import { take, toAsyncIterable } from "@spindle/core";
import { Instant, ticks, VirtualClock } from "@spindle/timer";

const clock = new VirtualClock({ start: Instant.fromMillis(0) });
const seen: number[] = [];
for await (const tick of toAsyncIterable(take(ticks(clock.timer.interval(100)), 3))) {
  seen.push(tick.millis);
  clock.advance(100);
}
console.log(seen); // [ 0, 100, 200 ]
