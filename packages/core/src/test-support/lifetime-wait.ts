/**
 * Child-process script: the only pending work is a wait on another thread (a LocalExecutor task
 * woken through the WakeTable, then a Parker.parkAsync); the worker is unref'd, so only Spindle's
 * own keep-alive can hold the process open. Prints what happened.
 */
import { LocalExecutor, Parker, PENDING, pollFn, type SharedWakerHandle, WakeTable } from "../mod.ts";
import { startWorker } from "@spindle/test-support";

const worker = startWorker(new URL("./wake-from-worker.ts", import.meta.url), null);
worker.unref();

let handle: SharedWakerHandle | null = null;
const executor = new LocalExecutor();
executor.spawn(
  pollFn((cx) => {
    const table = WakeTable.forThisThread();
    if (handle === null) {
      handle = table.register(cx.waker);
      worker.postMessage({ kind: "wake", handle, delayMs: 300, times: 1 });
      return PENDING;
    }
    table.unregister(handle);
    return undefined;
  }),
);
await executor.run();
console.log("task woken");

const parker = new Parker();
worker.postMessage({ kind: "unpark", handle: parker.handle, delayMs: 300 });
console.log(await parker.parkAsync() ? "parker unparked" : "parker timed out");
