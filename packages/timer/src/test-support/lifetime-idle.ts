/**
 * Child-process script: starts the timer thread, sleeps, registers a 10 s sleep that a timeout
 * drops after 5 ms, and never disposes the reactor. Nothing is pending afterwards, so the process
 * must exit on its own, long before the 10 s sleep's deadline.
 */
import { blockOn } from "@spindle/core";
import { ElapsedError, TimerReactor } from "../mod.ts";

const reactor = await TimerReactor.start({ driver: "thread" });
blockOn(reactor.timer.sleep(5));
try {
  blockOn(reactor.timer.timeout(reactor.timer.sleep(10_000), 5));
} catch (error) {
  if (!(error instanceof ElapsedError)) throw error;
  console.log("idle after the timeout dropped its 10 s sleep");
}
