/**
 * Child-process script: the only pending work is a 300 ms sleep on the timer thread (an unref'd
 * worker), so only the sleep's registration can hold the process open until it fires.
 */
import { type Coroutine, LocalExecutor } from "@spindle/core";
import { Instant, TimerReactor } from "../mod.ts";

const reactor = await TimerReactor.start({ driver: "thread" });
const start = Instant.now();
function* nap(): Coroutine<void> {
  yield* reactor.timer.sleep(300);
  console.log(`slept ${start.elapsed() >= 300 ? "at least" : "LESS than"} 300 ms`);
}
const executor = new LocalExecutor();
executor.spawn(nap());
void executor.run();
