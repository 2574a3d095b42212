/**
 * A worker thread for the async-channel ports (peer-async-channel.test.ts), one of
 * easy_parallel's closures:
 *   - "send": sends 0 .. count-1 with `sendBlocking`, drops its end; posts "sent".
 *   - "recv": receives `count` values with `recvBlocking` (each must be below `bound`), then one
 *     more receive when `thenEnd` (which must be STREAM_END), drops its end; posts the values.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SharedReceiver, type SharedReceiverHandle, SharedSender, type SharedSenderHandle } from "@spindle/sync";

export interface AsyncChannelPeerData {
  readonly op: "send" | "recv";
  readonly tx?: SharedSenderHandle<number>;
  readonly rx?: SharedReceiverHandle<number>;
  readonly count: number;
  readonly thenEnd?: boolean;
}

const data = workerData as AsyncChannelPeerData;
if (data.op === "send") {
  const tx = SharedSender.from(data.tx!);
  for (let i = 0; i < data.count; i++) tx.sendBlocking(i);
  tx.drop();
  parentPort!.postMessage("sent");
} else {
  const rx = SharedReceiver.from(data.rx!);
  const values: number[] = [];
  for (let i = 0; i < data.count; i++) {
    const value = rx.recvBlocking();
    if (typeof value !== "number") throw new Error(`receive ${i} of ${data.count} gave ${String(value)}`);
    values.push(value);
  }
  if (data.thenEnd && typeof rx.recvBlocking() !== "symbol") throw new Error("the channel did not end");
  rx.drop();
  parentPort!.postMessage(values);
}
