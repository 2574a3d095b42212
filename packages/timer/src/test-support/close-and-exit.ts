/**
 * Child-process script: what crashed Node 22 and 24 at exit now and then. Starts the timer
 * thread, creates a sleep that is never polled and one polled once (which registers this thread's
 * `WakeTable` slot, so its `Atomics.waitAsync` listener is pending), closes the reactor (which
 * joins and terminates the thread) and lets the process exit.
 */
import { Context } from "@spindle/core";
import { TimerReactor } from "../mod.ts";

const reactor = await TimerReactor.start({ driver: "thread" });
reactor.timer.sleep(10); // never polled
reactor.timer.sleep(10_000).poll(Context.noop());
reactor.close();
console.log(`closed: ${reactor.closeReason}`);
