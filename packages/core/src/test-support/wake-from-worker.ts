/**
 * Test worker: receives shared-waker handles and parker handles, and wakes them from this thread.
 * Messages: { kind: "wake", handle, delayMs, times } and { kind: "unpark", handle, delayMs }.
 */
import { parentPort } from "node:worker_threads";
import { type ParkerHandle, sharedWaker, type SharedWakerHandle, Unparker } from "../mod.ts";

type Message =
  | { kind: "wake"; handle: SharedWakerHandle; delayMs: number; times: number }
  | { kind: "wake-many"; handles: SharedWakerHandle[] }
  | { kind: "unpark"; handle: ParkerHandle; delayMs: number };

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

parentPort!.on("message", (message: Message) => {
  switch (message.kind) {
    case "wake":
      sleepSync(message.delayMs);
      for (let i = 0; i < message.times; i++) sharedWaker(message.handle).wake();
      break;
    case "wake-many":
      for (const handle of message.handles) sharedWaker(handle).wake();
      break;
    case "unpark":
      sleepSync(message.delayMs);
      new Unparker(message.handle).unpark();
      break;
  }
  parentPort!.postMessage("done");
});
