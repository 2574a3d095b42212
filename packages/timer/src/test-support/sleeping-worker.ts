/**
 * Test worker: receives a shared timer, then for each `{ ms }` message blocks this thread in
 * `blockOn(timer.sleep(ms))` (parked on its futex; only the timer thread can wake it) and replies
 * `{ sleptMs }`, or `{ error: { name, reason, cause } }` when the sleep failed (`cause`: its
 * cause's name, when it has one; with `{ ms, causeMessage: true }` also `causeMessage` and
 * `causeStack`).
 */
import { parentPort, workerData } from "node:worker_threads";
import { blockOn } from "@spindle/core";
import { Instant, type SharedTimer, Timer, TimerClosedError } from "../mod.ts";

const timer = Timer.fromShared(workerData as SharedTimer);
parentPort!.on("message", ({ ms, causeMessage }: { ms: number; causeMessage?: true }) => {
  const start = Instant.now();
  try {
    blockOn(timer.sleep(ms));
    parentPort!.postMessage({ sleptMs: Instant.now().since(start) });
  } catch (error) {
    const reason = error instanceof TimerClosedError ? error.reason : undefined;
    const cause = (error as Error).cause as Error | undefined;
    parentPort!.postMessage({
      error: {
        name: (error as Error).name,
        reason,
        ...(cause === undefined ? {} : { cause: cause.name }),
        ...(causeMessage && cause !== undefined ? { causeMessage: cause.message, causeStack: cause.stack } : {}),
      },
    });
  }
});
parentPort!.postMessage({ ready: true });
