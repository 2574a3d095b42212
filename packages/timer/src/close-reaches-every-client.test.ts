import assert from "node:assert/strict";
import { test } from "node:test";
import type { Worker } from "node:worker_threads";
import { type Coroutine, type Future, LocalExecutor } from "@spindle/core";
import { TimerClosedError, TimerReactor } from "./mod.ts";
import { SharedTimerState } from "./thread/shared-state.ts";
import { random, until, within, workerPool } from "@spindle/test-support";

type Failure = { name: string; reason?: string; cause?: string };
type WorkerMessage = { round: number; hello?: unknown; failures?: Failure[] };

const WORKERS = 3;
const SEEDS = 12;
/** Every sleep fails within this of close(): the thread waits for late introductions, never long. */
const BOUND_MS = 8_000;
const pool = workerPool(new URL("./test-support/attaching-worker.ts", import.meta.url), WORKERS);
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function* outcome(sleep: Future<void>): Coroutine<Failure> {
  try {
    yield* sleep;
    return { name: "completed" };
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    return {
      name: (error as Error).name,
      ...(error instanceof TimerClosedError ? { reason: error.reason } : {}),
      ...(cause === undefined ? {} : { cause: cause.name }),
    };
  }
}

test("close() fails every sleep of every thread with TimerClosedError in bounded time, however attaches and introductions interleave with it", async () => {
  // Each seed: three workers attach at random moments before or after close(), sleep parked in
  // blockOn or in a LocalExecutor, and half of them have their introduction delivered late (the
  // test relays it, up to 1.3 s after the close: a slow BroadcastChannel). Before the fix, close()
  // waited 1 s for the thread and then terminated it, so a client introduced later was never woken.
  const workers = await pool();
  const closedFor: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rnd = random(seed);
    const reactor = await TimerReactor.start({ driver: "thread" });
    const shared = reactor.timer.share();
    const channel = new BroadcastChannel(shared.channel);
    const relays: Promise<void>[] = [];
    const extras: (() => number)[] = [];
    const start = performance.now();
    const closeAt = 30 + rnd() * 120;
    let closedAt = Infinity;
    const replies = workers.map((worker: Worker, w) => {
      const relayAt = closeAt - 30 + rnd() * 1_300;
      const request = {
        round: seed,
        shared,
        delayMs: rnd() * (closeAt + 80),
        mode: rnd() < 0.5 ? "blockOn" : "executor",
        relayHello: rnd() < 0.5,
      };
      const reply = new Promise<{ failures: Failure[]; ms: number; extra: () => number }>((resolve) => {
        let replies = 0;
        const onMessage = (message: WorkerMessage): void => {
          if (message.round !== seed) return;
          if (message.hello !== undefined) {
            relays.push(delay(relayAt - (performance.now() - start)).then(() => channel.postMessage(message.hello)));
          } else {
            replies++;
            resolve({ failures: message.failures!, ms: performance.now() - closedAt, extra: () => replies - 1 });
          }
        };
        worker.on("message", onMessage);
      });
      worker.postMessage(request);
      return within(reply, BOUND_MS + 2_000, `seed ${seed}: worker ${w} (${JSON.stringify(request.mode)}) to reply`);
    });
    try {
      const executor = new LocalExecutor();
      const own = [
        executor.spawn(outcome(reactor.timer.sleep(60_000))),
        executor.spawn(outcome(reactor.timer.sleep(5))),
      ];
      const running = executor.run();
      await delay(closeAt);
      closedAt = performance.now();
      reactor.close();
      await within(running, BOUND_MS, `seed ${seed}: the main thread's sleeps to settle`);
      assert.deepEqual((await Promise.all(own))[0], { name: "TimerClosedError", reason: "disposed", cause: "Error" });
      for (const [w, reply] of (await Promise.all(replies)).entries()) {
        assert.ok(reply.ms <= BOUND_MS, `seed ${seed}: worker ${w} failed ${reply.ms.toFixed(0)} ms after close()`);
        for (const failure of reply.failures) {
          assert.deepEqual(failure, { name: "TimerClosedError", reason: "disposed", cause: "Error" }, `seed ${seed}`);
        }
        closedFor.push(`${reply.failures.length}`);
        extras.push(reply.extra);
      }
      await Promise.all(relays);
      await delay(50);
      assert.deepEqual(extras.map((extra) => extra()), workers.map(() => 0), `seed ${seed}: one reply per worker`);
    } finally {
      for (const worker of workers) worker.removeAllListeners("message");
      channel.close();
    }
  }
  assert.equal(closedFor.length, SEEDS * WORKERS);
});

test("a timer that closed as corrupted and is then disposed still wakes a client whose introduction was in flight", async () => {
  // The timer thread, closing for corruption, waits for the introduction of a client that armed
  // before; close() used to terminate it at once (the timer was already closed), so the client,
  // introduced later, was never woken.
  const [worker] = await pool();
  const reactor = await TimerReactor.start({ driver: "thread" });
  const shared = reactor.timer.share();
  const state = SharedTimerState.attach(shared.buffer);
  const channel = new BroadcastChannel(shared.channel);
  try {
    let onHello!: (hello: { index: number }) => void;
    let onReply!: (failures: Failure[]) => void;
    const hello = new Promise<{ index: number }>((resolve) => (onHello = resolve));
    const reply = new Promise<Failure[]>((resolve) => (onReply = resolve));
    worker!.on("message", (message: WorkerMessage) => {
      if (message.round !== -1) return;
      if (message.hello !== undefined) onHello(message.hello as { index: number });
      else onReply(message.failures!);
    });
    worker!.postMessage({ round: -1, shared, delayMs: 0, mode: "blockOn", relayHello: true });
    const { index } = await hello;
    await until(() => state.deadline(index) !== Infinity, "the worker to arm its sleep");
    state.close("corrupted"); // as a thread that found corruption does
    state.notifyThread();
    reactor.close();
    await delay(300);
    channel.postMessage(await hello); // delivered late
    assert.deepEqual(await within(reply, BOUND_MS, "the worker's sleep to fail"), [
      { name: "TimerClosedError", reason: "corrupted", cause: "Error" },
    ]);
  } finally {
    worker!.removeAllListeners("message");
    channel.close();
  }
});
