// Run as a child process by thread-death.test.ts: starts a timer thread that dies (argv: "exit" or
// "throw") once this thread's sleep is armed, while this thread, its creator, is parked in blockOn
// and so cannot receive the thread's exit event. Prints how the sleep ended, as JSON.
import process from "node:process";
import { blockOn } from "@spindle/core";
import { TimerClosedError, TimerReactor } from "../mod.ts";
import { nextThreadFault } from "../thread/reactor-workers.ts";

const kind = process.argv.at(-1) === "throw" ? "throw" : "exit";
nextThreadFault.fault = { kind, code: 7, whenArmed: 0 };
const reactor = await TimerReactor.start({ driver: "thread" });
const start = performance.now();
let outcome: Record<string, unknown>;
try {
  blockOn(reactor.timer.sleep(60_000));
  outcome = { slept: true };
} catch (error) {
  outcome = {
    name: (error as Error).name,
    reason: error instanceof TimerClosedError ? error.reason : undefined,
    cause: error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined,
  };
}
outcome.ms = Math.round(performance.now() - start);
console.log(JSON.stringify(outcome));
reactor.close();
