/**
 * A worker thread for the shared-channel tests (shared-channel.test.ts): rebuilds the ends it is
 * given and runs one scenario.
 *   - "echo": receives from `rx` with `recvBlocking` and sends each value back on `tx` with
 *     `sendBlocking`, until STREAM_END; then posts "ended".
 *   - "send-later": waits `delayMs`, then sends `value` with `sendBlocking`; posts "sent".
 *   - "close-later": waits `delayMs`, then closes the channel; posts "closed".
 *   - "recv-later": waits `delayMs`, then receives one value with `recvBlocking`; posts it.
 *   - "semaphore": `rounds` times takes one permit of `semaphore` with `acquireBlocking`, counts
 *     itself in `inside[0]` while holding it (the most seen at once goes to `inside[1]`), gives
 *     it back; posts "done".
 *   - "notify-wait": blocks in `notifiedBlocking` on `notify`; posts "notified".
 *   - "notify-later": waits `delayMs`, then calls `notifyOne` on `notify`; posts "notified one".
 */
import { parentPort, workerData } from "node:worker_threads";
import {
  SharedNotify,
  type SharedNotifyHandle,
  SharedReceiver,
  type SharedReceiverHandle,
  SharedSemaphore,
  type SharedSemaphoreHandle,
  SharedSender,
  type SharedSenderHandle,
} from "../mod.ts";

export interface PeerData {
  readonly op: "echo" | "send-later" | "close-later" | "recv-later" | "semaphore" | "notify-wait" | "notify-later";
  readonly semaphore?: SharedSemaphoreHandle;
  readonly notify?: SharedNotifyHandle;
  readonly inside?: Int32Array;
  readonly rounds?: number;
  readonly tx?: SharedSenderHandle<unknown>;
  readonly rx?: SharedReceiverHandle<unknown>;
  readonly delayMs?: number;
  readonly value?: unknown;
}

const data = workerData as PeerData;
const nap = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

switch (data.op) {
  case "echo": {
    const rx = SharedReceiver.from(data.rx!);
    const tx = SharedSender.from(data.tx!);
    for (;;) {
      const value = rx.recvBlocking();
      if (typeof value === "symbol") break;
      tx.sendBlocking(value);
    }
    parentPort!.postMessage("ended");
    break;
  }
  case "send-later":
    nap(data.delayMs ?? 0);
    SharedSender.from(data.tx!).sendBlocking(data.value);
    parentPort!.postMessage("sent");
    break;
  case "close-later":
    nap(data.delayMs ?? 0);
    SharedSender.from(data.tx!).close();
    parentPort!.postMessage("closed");
    break;
  case "recv-later":
    nap(data.delayMs ?? 0);
    parentPort!.postMessage(SharedReceiver.from(data.rx!).recvBlocking());
    break;
  case "semaphore": {
    const semaphore = SharedSemaphore.from(data.semaphore!);
    const inside = data.inside!;
    for (let i = 0; i < data.rounds!; i++) {
      const permit = semaphore.acquireBlocking()!;
      const now = Atomics.add(inside, 0, 1) + 1;
      for (let seen = Atomics.load(inside, 1); now > seen; seen = Atomics.load(inside, 1)) {
        if (Atomics.compareExchange(inside, 1, seen, now) === seen) break;
      }
      if (i % 16 === 0) nap(0.05);
      Atomics.sub(inside, 0, 1);
      permit.release();
    }
    parentPort!.postMessage("done");
    break;
  }
  case "notify-wait":
    SharedNotify.from(data.notify!).notifiedBlocking();
    parentPort!.postMessage("notified");
    break;
  case "notify-later":
    nap(data.delayMs ?? 0);
    SharedNotify.from(data.notify!).notifyOne();
    parentPort!.postMessage("notified one");
    break;
}
