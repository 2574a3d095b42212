/**
 * One stage of the full-ring stress test (shared-full-ring-stress.test.ts): a pipeline of threads,
 * each channel between two stages with one sender and one receiver, as the sync benchmark's flood.
 * Nothing waits with a timeout, and no other sender can announce itself on a channel's counter in
 * a sender's place, so a wake-up lost while a stage waits hangs the test.
 *
 * The first stage sends 0, 1, 2... `count - 1`; a middle stage receives each value and sends it on;
 * the last one receives. A stage receives with `recvBlocking()` or with `yield* rx.recv()` (a wait
 * in `Atomics.waitAsync`, as the benchmark's main thread), and sends with `sendBlocking()` after a
 * `trySend` that counts the sends that found the ring full (those block, and once a slot is freed
 * look for room for a batch before they send: shared-wait.ts). A receiving stage pauses up to
 * 20 µs after some values and up to 200 µs after each burst of up to twice the capacity, so that
 * the ring before it fills and its sender blocks, then sees frees come one by one, with gaps.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type Coroutine, LocalExecutor, STREAM_END } from "@spindle/core";
import { SharedReceiver, type SharedReceiverHandle, SharedSender, type SharedSenderHandle } from "../mod.ts";
import { random } from "./harness.ts";

export interface FullRingData {
  readonly stage: number;
  readonly seed: number;
  readonly capacity: number;
  /** Values the first stage sends (the others pass on what they receive). */
  readonly count: number;
  /** Whether this stage receives with `recv()` futures rather than `recvBlocking()`. */
  readonly awaits: boolean;
  /** Absent on the first stage. */
  readonly rx?: SharedReceiverHandle<number>;
  /** Absent on the last stage. */
  readonly tx?: SharedSenderHandle<number>;
}

export interface FullRingReport {
  readonly stage: number;
  /** Sends that found the ring full and blocked. */
  readonly fullRing: number;
  /** The last stage: the values received, in order. */
  readonly received: number[];
}

const data = workerData as FullRingData;
const rand = random(data.seed);

/** Spins for up to `maxUs` µs (at random): the other stages run meanwhile, or wait. */
function pause(maxUs: number): void {
  const until = performance.now() + (rand() * maxUs) / 1000;
  while (performance.now() < until);
}

function* stage(report: { fullRing: number; received: number[] }): Coroutine<void> {
  const rx = data.rx === undefined ? undefined : SharedReceiver.from(data.rx);
  const tx = data.tx === undefined ? undefined : SharedSender.from(data.tx);
  for (let s = 0, burst = 0;; s++) {
    let value: number;
    if (rx === undefined) {
      if (s === data.count) break;
      value = s;
      if (rand() < 0.01) pause(20);
    } else {
      const got = data.awaits ? yield* rx.recv() : rx.recvBlocking();
      if (got === STREAM_END) break;
      value = got as number;
      if (rand() < 0.3) pause(20);
      if (--burst <= 0) {
        pause(200);
        burst = 1 + Math.floor(rand() * 2 * data.capacity);
      }
    }
    if (tx === undefined) report.received.push(value);
    else if (!tx.trySend(value)) {
      report.fullRing++;
      tx.sendBlocking(value);
    }
  }
  tx?.drop(); // the channel's only sender: the next stage sees the end once it drained it
  rx?.drop();
}

const report = { stage: data.stage, fullRing: 0, received: [] as number[] };
const executor = new LocalExecutor();
executor.spawn(stage(report));
await executor.run();
parentPort!.postMessage(report satisfies FullRingReport);
