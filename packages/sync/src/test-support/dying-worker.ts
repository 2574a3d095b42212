// A worker for the thread-death tests (thread-death.test.ts): it takes something in a shared
// primitive (permits, channel ends, a ring slot half written or half read) and then dies the way
// it is told, without giving it back.
import process from "node:process";
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

/** How the worker dies: `process.exit(3)`, an uncaught error, or blocked until its parent terminates it. */
export type Death = "exit" | "throw" | "terminate";

export type DyingData =
  | { op: "permits"; death: Death; semaphore: SharedSemaphoreHandle; permits: number }
  | { op: "sender"; death: Death; tx: SharedSenderHandle<number>; values: number[] }
  | { op: "receiver"; death: Death; rx: SharedReceiverHandle<number> }
  | { op: "mid-write"; death: Death; tx: SharedSenderHandle<string>; values: string[] }
  | { op: "mid-read"; death: Death; rx: SharedReceiverHandle<unknown> }
  | { op: "mid-close"; death: Death; tx: SharedSenderHandle<number> }
  | { op: "notified"; death: "terminate"; notify: SharedNotifyHandle };

const data = workerData as DyingData;

/** Tells the parent what it holds, then dies of `data.death`. */
function die(holding: unknown): never {
  parentPort!.postMessage(holding);
  if (data.death === "exit") process.exit(3);
  if (data.death === "throw") throw new Error("injected death");
  // Blocked for good; the parent terminates this thread once it has the message.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  throw new Error("unreachable");
}

/**
 * Dies inside the ring's copy of a slot's bytes: `set` on the send side (after the slot was
 * claimed, before it is published), `subarray` on the receive side (after the slot was claimed, before
 * it is freed). Only the next call on a shared buffer dies. The ring calls `set` for a message of
 * more than 96 bytes (a shorter one is copied by a loop) and the decoder `subarray` for anything but
 * a lone number or short ASCII string (read in place): the tests send such values.
 */
function dieInside(method: "set" | "subarray", holding: unknown): void {
  const original = Uint8Array.prototype[method] as (...args: unknown[]) => unknown;
  Uint8Array.prototype[method] = function (this: Uint8Array, ...args: unknown[]) {
    if (this.buffer instanceof SharedArrayBuffer) die(holding);
    return original.apply(this, args);
  } as never;
}

switch (data.op) {
  case "permits": {
    const permit = SharedSemaphore.from(data.semaphore).tryAcquire(data.permits);
    die({ permits: permit?.permits ?? 0 });
    break;
  }
  case "sender": {
    const tx = SharedSender.from(data.tx);
    for (const v of data.values) tx.sendBlocking(v);
    die({ sent: data.values });
    break;
  }
  case "receiver":
    SharedReceiver.from(data.rx);
    die({ receiver: true });
    break;
  case "mid-write": {
    const tx = SharedSender.from(data.tx);
    for (const v of data.values.slice(0, -1)) tx.sendBlocking(v);
    dieInside("set", { sent: data.values.slice(0, -1), dyingWith: data.values.at(-1) });
    tx.trySend(data.values.at(-1)!);
    break;
  }
  case "mid-read": {
    const rx = SharedReceiver.from(data.rx);
    dieInside("subarray", { reading: true });
    rx.tryRecv();
    break;
  }
  case "mid-close": {
    const tx = SharedSender.from(data.tx);
    // Dies at the first Atomics.store into shared memory after close() set the closed mark: the
    // one that tells receivers (the CLOSED word of shared-ring.ts).
    type Store = (array: Int32Array, index: number, value: number) => number;
    const store: Store = Atomics.store;
    (Atomics as unknown as { store: Store }).store = (array, index, value) => {
      if (array.buffer instanceof SharedArrayBuffer) die({ closing: true });
      return store(array, index, value);
    };
    tx.close();
    break;
  }
  case "notified":
    // Counted as a waiter and blocked in Atomics.wait until the parent terminates this thread.
    parentPort!.postMessage({ waiting: true });
    SharedNotify.from(data.notify).notifiedBlocking();
    break;
}
