/**
 * executor-handoff: the two-executor scenario. A future is polled once by a first executor, where it
 * loses a `select` against a ready future; then it is moved to a second executor. A worker thread
 * plays the I/O driver and wakes the future's stored waker 50 ms later. The future completes on the
 * second executor only because it replaces its stored waker on every poll: the first executor is
 * gone, and waking it would wake nobody.
 */
import { Worker } from "node:worker_threads";
import {
  blockOn,
  type Context,
  Future,
  LocalExecutor,
  PENDING,
  type Poll,
  ready,
  select,
  type SharedWakerHandle,
  WakeTable,
} from "@spindle/core";

const driver = new Worker(new URL("./support/wake-after.ts", import.meta.url));

/** Completes once the worker has woken it; asks the worker on its first poll. */
class WokenByWorker extends Future<string> {
  #slot: SharedWakerHandle | null = null;
  #fired = new Int32Array(new SharedArrayBuffer(4));

  poll(cx: Context): Poll<string> {
    const table = WakeTable.forThisThread();
    if (Atomics.load(this.#fired, 0) === 1) {
      if (this.#slot !== null) table.unregister(this.#slot);
      return "woken by the worker";
    }
    if (this.#slot === null) {
      this.#slot = table.register(cx.waker);
      driver.postMessage({ handle: this.#slot, fired: this.#fired.buffer, delayMs: 50 });
    } else {
      table.update(this.#slot, cx.waker); // the rule that makes the hand-off work
    }
    return PENDING;
  }
}

const first = blockOn(select(new WokenByWorker(), ready("the ready future")));
console.log(`first executor: select was won by ${first.value}; the other future is still pending`);

const second = new LocalExecutor();
const handle = second.spawn(first.rest);
await second.run();
console.log(`second executor: ${await handle}`);
await driver.terminate();
