/**
 * A worker thread for the shared-channel tests (shared-channel.test.ts): rebuilds the ends it is
 * given and runs one scenario.
 *   - "echo": receives from `rx` with `recvBlocking` and sends each value back on `tx` with
 *     `sendBlocking`, until STREAM_END; then posts "ended".
 *   - "send-later": waits `delayMs`, then sends `value` with `sendBlocking`; posts "sent".
 *   - "close-later": waits `delayMs`, then closes the channel; posts "closed".
 *   - "recv-later": waits `delayMs`, then receives one value with `recvBlocking`; posts it.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SharedReceiver, type SharedReceiverHandle, SharedSender, type SharedSenderHandle } from "../mod.ts";

export interface PeerData {
  readonly op: "echo" | "send-later" | "close-later" | "recv-later";
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
}
