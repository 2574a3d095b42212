// packages/timer/README.md:8
import { type Coroutine, LocalExecutor } from "@spindle/core";
import { Instant, type Timer, TimerReactor } from "@spindle/timer";

function* task(timer: Timer, name: string, sleeps: number[], log: string[]): Coroutine<void> {
  log.push(`${name} start`);
  let total = 0;
  for (const ms of sleeps) {
    const before = Instant.now();
    yield* timer.sleep(ms);
    if (before.elapsed() < ms) throw new Error("a sleep never returns early");
    total += ms;
    log.push(`${name} after ${total} ms`);
  }
}

const reactor = await TimerReactor.start(); // the timer thread
const log: string[] = [];
const executor = new LocalExecutor();
executor.spawn(task(reactor.timer, "t1", [50, 30], log));
executor.spawn(task(reactor.timer, "t2", [10], log));
await executor.run();
reactor.close();
console.log(log.join("\n"));
// t1 start
// t2 start
// t2 after 10 ms
// t1 after 50 ms
// t1 after 80 ms
