// A worker of the shared-sync checks: rebuilds the end named by `workerData.role` and acts on it.
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import { PENDING, STREAM_END } from "@spindle/core";
import { SharedNotify, SharedReceiver, SharedSemaphore, SharedSender } from "@spindle/sync";

const { role, handle, count } = workerData as { role: string; handle: never; count: number };
if (role === "send") {
  const tx = SharedSender.from<number>(handle);
  for (let i = 0; i < count; i++) tx.sendBlocking(i);
  parentPort!.postMessage("sent");
} else if (role === "recv-then-die") {
  const rx = SharedReceiver.from<number>(handle);
  parentPort!.postMessage(["got", rx.recvBlocking(5_000)]);
  process.exit(3); // dies while holding a receiver end
} else if (role === "hold-permit-then-die") {
  const semaphore = SharedSemaphore.from(handle);
  semaphore.acquireBlocking(1, 5_000);
  parentPort!.postMessage("holding");
  process.exit(4); // dies while holding a permit
} else if (role === "notify") {
  const notify = SharedNotify.from(handle);
  notify.notifyOne();
  parentPort!.postMessage("notified");
} else if (role === "recv-all") {
  // Receives until the end, then reports each value's count.
  const rx = SharedReceiver.from<number>(handle);
  const got: number[] = [];
  for (let v; (v = rx.recvBlocking(20_000)) !== STREAM_END;) {
    if (v === PENDING) throw new Error("no value within 20 s");
    got.push(v);
  }
  parentPort!.postMessage(got);
} else if (role === "send-tagged") {
  const tx = SharedSender.from<number>(handle);
  for (let i = 0; i < count; i++) tx.sendBlocking(workerData.tag * 1_000_000 + i);
  parentPort!.postMessage("sent");
} else if (role === "add-permits") {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  SharedSemaphore.from(handle).addPermits(count);
} else if (role === "wait-notify") {
  const notify = SharedNotify.from(handle);
  parentPort!.postMessage(["woken", notify.notifiedBlocking(10_000)]);
}
