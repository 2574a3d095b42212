/**
 * Test worker for sync/condvar.test.ts: a consumer that waits on the condition variable for items
 * and takes them all each time it wakes, or a producer that adds items one at a time and notifies.
 * Both check under the mutex that they are alone inside. Words of `buffer`: [LOCK, SEQ, ITEMS,
 * INSIDE]. Posts its report when done.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { Condvar, Mutex } from "../mod.ts";

export const LOCK = 0;
export const SEQ = 1;
export const ITEMS = 2;
export const INSIDE = 3;
export const CONDVAR_WORDS = 4;

export type CondvarMessage =
  | { readonly role: "consumer"; readonly buffer: SharedArrayBuffer; readonly total: number; readonly waitMs: number }
  | { readonly role: "producer"; readonly buffer: SharedArrayBuffer; readonly n: number };

/** What a worker posts. */
export interface CondvarReport {
  /** Items the consumer took (the producer's: items added). */
  readonly items: number;
  /** Times another thread was found inside the mutex. */
  readonly overlaps: number;
  /** The consumer's waits that ran out their whole `waitMs` with nothing to take: lost wake-ups. */
  readonly timedOut: number;
}

function consume(words: Int32Array, total: number, waitMs: number): CondvarReport {
  const mutex = new Mutex(words, LOCK);
  const condvar = new Condvar(words, SEQ);
  let items = 0;
  let overlaps = 0;
  let timedOut = 0;
  mutex.lock();
  while (items < total) {
    if (Atomics.add(words, INSIDE, 1) !== 0) overlaps++;
    const ready = words[ITEMS] as number;
    words[ITEMS] = 0;
    items += ready;
    Atomics.sub(words, INSIDE, 1);
    if (ready === 0) {
      const start = performance.now();
      condvar.wait(mutex, waitMs);
      // A wait that ran its whole course with still nothing to take was not woken by a notify.
      if (performance.now() - start >= waitMs - 1 && words[ITEMS] === 0) timedOut++;
    }
  }
  mutex.unlock();
  return { items, overlaps, timedOut };
}

function produce(words: Int32Array, n: number): CondvarReport {
  const mutex = new Mutex(words, LOCK);
  const condvar = new Condvar(words, SEQ);
  let overlaps = 0;
  for (let i = 0; i < n; i++) {
    mutex.lock();
    if (Atomics.add(words, INSIDE, 1) !== 0) overlaps++;
    words[ITEMS] = (words[ITEMS] as number) + 1;
    Atomics.sub(words, INSIDE, 1);
    mutex.unlock();
    condvar.notifyOne();
  }
  return { items: n, overlaps, timedOut: 0 };
}

if (!isMainThread) {
  parentPort!.on("message", (message: CondvarMessage) => {
    const words = new Int32Array(message.buffer);
    parentPort!.postMessage(
      message.role === "consumer" ? consume(words, message.total, message.waitMs) : produce(words, message.n),
    );
  });
  parentPort!.postMessage("ready");
}
