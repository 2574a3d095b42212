/**
 * One thread of shared-channel-linearizable.test.ts. `side: "receive"`: `count` times, a blocking
 * send, then a `tryRecv` that must find a value (this thread's own send put one there, and every
 * other thread takes only after it sent). `side: "send"` (the channel starts full): `count` times,
 * a blocking receive, then a `trySend` that must find room. Posts the iterations whose try-call
 * answered wrong.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PENDING, STREAM_END } from "@spindle/core";
import { SharedReceiver, type SharedReceiverHandle, SharedSender, type SharedSenderHandle } from "../mod.ts";

export interface LinearizableData {
  readonly side: "receive" | "send";
  readonly count: number;
  readonly tx: SharedSenderHandle<number>;
  readonly rx: SharedReceiverHandle<number>;
}

const data = workerData as LinearizableData;
const tx = SharedSender.from(data.tx);
const rx = SharedReceiver.from(data.rx);
const wrong: number[] = [];
for (let i = 0; i < data.count; i++) {
  if (data.side === "receive") {
    tx.sendBlocking(i);
    const got = rx.tryRecv();
    if (got === PENDING || got === STREAM_END) wrong.push(i);
  } else {
    if (rx.recvBlocking() === STREAM_END) throw new Error("closed");
    if (!tx.trySend(i)) wrong.push(i);
  }
}
tx.drop();
rx.drop();
parentPort!.postMessage(wrong);
