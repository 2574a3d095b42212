/**
 * Test worker for owned-mutex.test.ts: takes the lock in word 0 of `workerData.buffer` as owner 2
 * (waiting for whoever holds it), posts the word it then reads, and unlocks.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { OwnedMutex } from "../owned-mutex.ts";

if (!isMainThread) {
  const word = new Int32Array((workerData as { buffer: SharedArrayBuffer }).buffer);
  const mutex = new OwnedMutex(word, 0, 2);
  mutex.lock();
  parentPort!.postMessage(Atomics.load(word, 0) & 0x3fff_ffff);
  mutex.unlock();
}
