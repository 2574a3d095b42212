// docs/guides/timer.md:110
import { type Coroutine, LocalExecutor } from "@spindle/core";
import { VirtualClock } from "@spindle/timer";

const clock = new VirtualClock();
const start = clock.timer.now();
const idle = clock.timer.sleep(1_000);
function* watchdog(): Coroutine<number> {
  yield* idle;
  return clock.timer.now().since(start);
}
const executor = new LocalExecutor({ onIdle: clock.autoAdvance });
const fired = executor.spawn(watchdog());
idle.reset(start.add(2_500)); // activity: push the deadline back
await executor.run();
console.log(await fired, idle.isElapsed); // 2500 true
