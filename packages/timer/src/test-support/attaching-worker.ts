/**
 * Test worker for the close stress test. For each `{ round, shared, delayMs, mode, relayHello }`
 * it waits `delayMs`, attaches to the shared timer (`Timer.fromShared`) and sleeps 60 s: parked in
 * `blockOn` (`mode: "blockOn"`), or two sleeps in a `LocalExecutor` (`"executor"`). It replies
 * `{ round, failures }`, one `{ name, reason, cause }` per sleep (`cause`: its cause's name).
 *
 * With `relayHello`, the introduction that `Timer.fromShared` posts on the timer's channel is sent
 * to the parent instead (`{ round, hello }`), which posts it on the channel when it chooses: a
 * delivery as late as the test wants.
 */
import { parentPort } from "node:worker_threads";
import { blockOn, type Coroutine, type Future, LocalExecutor } from "@spindle/core";
import { type SharedTimer, Timer, TimerClosedError } from "../mod.ts";

interface Round {
  readonly round: number;
  readonly shared: SharedTimer;
  readonly delayMs: number;
  readonly mode: "blockOn" | "executor";
  readonly relayHello: boolean;
}

let relay: { round: number } | null = null;
const Channel = globalThis.BroadcastChannel;
// Only Timer.fromShared makes a BroadcastChannel in this worker.
globalThis.BroadcastChannel = class extends Channel {
  override postMessage(message: unknown): void {
    if (relay === null) super.postMessage(message);
    else parentPort!.postMessage({ round: relay.round, hello: message });
  }
} as typeof BroadcastChannel;

function describeFailure(error: unknown): { name: string; reason?: string; cause?: string } {
  const cause = (error as Error).cause as Error | undefined;
  return {
    name: (error as Error).name,
    ...(error instanceof TimerClosedError ? { reason: error.reason } : {}),
    ...(cause === undefined ? {} : { cause: cause.name }),
  };
}

function* outcome(sleep: Future<void>): Coroutine<unknown> {
  try {
    yield* sleep;
    return { name: "completed" };
  } catch (error) {
    return describeFailure(error);
  }
}

parentPort!.on("message", ({ round, shared, delayMs, mode, relayHello }: Round) => {
  setTimeout(async () => {
    relay = relayHello ? { round } : null;
    const timer = Timer.fromShared(shared);
    relay = null;
    let failures: unknown[];
    if (mode === "blockOn") {
      try {
        blockOn(timer.sleep(60_000));
        failures = [{ name: "completed" }];
      } catch (error) {
        failures = [describeFailure(error)];
      }
    } else {
      const executor = new LocalExecutor();
      const sleeps = [executor.spawn(outcome(timer.sleep(60_000))), executor.spawn(outcome(timer.sleep(30_000)))];
      await executor.run();
      failures = await Promise.all(sleeps);
    }
    parentPort!.postMessage({ round, failures });
  }, delayMs);
});
parentPort!.postMessage("ready");
