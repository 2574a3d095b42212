/**
 * sleep-two-tasks: the first timer scenario. Two tasks on one executor sleep on the timer
 * thread: t1 sleeps 150 ms and then 30 ms more, t2 sleeps 10 ms. The executor knows nothing about
 * time; it only polls the tasks that the timer thread wakes when their deadlines pass, so t2
 * finishes first although it was spawned second. (The 140 ms between the two deadlines are room
 * for a loaded machine: a timer thread that gets no CPU until both have passed wakes both at once,
 * and the executor then polls them in the order it was woken in. A 50 ms sleep was once overtaken
 * so on a 2-vCPU machine at load 11.)
 *
 * The lines name the requested durations, so the output does not depend on how late the wake-ups
 * came. Every sleep is also timed with `Instant`: one that returned before its duration (which the
 * timer promises never happens) prints a line saying so instead, and the example exits with 1.
 */
import process from "node:process";
import { type Coroutine, LocalExecutor } from "@spindle/core";
import { Instant, type Timer, TimerReactor } from "@spindle/timer";

/**
 * Slack for comparing elapsed times, in ms: a deadline is `now + ms` rounded to a double near
 * 1e11 ms, which may land a few nanoseconds short of `ms` after the instant read before it.
 */
const ROUNDING_MS = 0.001;

/**
 * Prints `line` if at least `ms` passed since `since` for every `[since, ms]` pair, else how early
 * `task` woke.
 */
function report(task: string, line: string, ...sleeps: ReadonlyArray<readonly [since: Instant, ms: number]>): void {
  for (const [since, ms] of sleeps) {
    const elapsed = since.elapsed();
    if (elapsed + ROUNDING_MS < ms) {
      console.log(`[${task}] EARLY: woke ${elapsed.toFixed(3)}ms after asking for ${ms}ms`);
      process.exitCode = 1;
      return;
    }
  }
  console.log(line);
}

function* t1(timer: Timer): Coroutine<void> {
  console.log("[t1] start");
  const start = Instant.now();
  yield* timer.sleep(150);
  report("t1", "[t1] after 150ms", [start, 150]);
  const second = Instant.now();
  yield* timer.sleep(30);
  report("t1", "[t1] after +30ms (≈180ms total)", [second, 30], [start, 180]);
}

function* t2(timer: Timer): Coroutine<void> {
  console.log("[t2] start");
  const start = Instant.now();
  yield* timer.sleep(10);
  report("t2", "[t2] after 10ms", [start, 10]);
}

const executor = new LocalExecutor();
const reactor = await TimerReactor.start(); // starts the timer thread
executor.spawn(t1(reactor.timer));
executor.spawn(t2(reactor.timer));
await executor.run(); // the timer thread wakes each task's waker at its deadline
reactor.close(); // stops and joins the timer thread
console.log("all done");
