/**
 * A worker thread for shared-channel-ends.test.ts: opens the end it is given, uses it, then drops
 * it, counting the drop in `dropped[0]` just before (so that the main thread can tell whether an
 * end it observes came before or after every drop).
 *   - "produce": sends `{ p: index, s }` for s = 0 .. count - 1 with `sendBlocking`; the last one
 *     only after `gate[0]` becomes 1 when `gated`; then drops the sender; posts "dropped".
 *   - "hold-receiver": opens the receiver, waits for `gate[0]` to become 1, drops it; posts
 *     "dropped".
 */
import { parentPort, workerData } from "node:worker_threads";
import { SharedReceiver, type SharedReceiverHandle, SharedSender, type SharedSenderHandle } from "../mod.ts";

export interface EndsData {
  readonly op: "produce" | "hold-receiver";
  readonly index: number;
  readonly count: number;
  readonly gated: boolean;
  /** [0]: 1 once the gated step may go on. */
  readonly gate: Int32Array;
  /** [0]: how many ends were dropped (incremented just before each drop). */
  readonly dropped: Int32Array;
  readonly tx?: SharedSenderHandle<EndsMessage>;
  readonly rx?: SharedReceiverHandle<EndsMessage>;
}

export interface EndsMessage {
  readonly p: number;
  readonly s: number;
}

const data = workerData as EndsData;
const waitGate = () => {
  while (Atomics.load(data.gate, 0) === 0) Atomics.wait(data.gate, 0, 0, 50);
};

if (data.op === "produce") {
  const tx = SharedSender.from(data.tx!);
  for (let s = 0; s < data.count; s++) {
    if (data.gated && s === data.count - 1) waitGate();
    tx.sendBlocking({ p: data.index, s });
  }
  Atomics.add(data.dropped, 0, 1);
  tx.drop();
} else {
  const rx = SharedReceiver.from(data.rx!);
  waitGate();
  Atomics.add(data.dropped, 0, 1);
  rx.drop();
}
parentPort!.postMessage("dropped");
