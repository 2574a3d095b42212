// docs/guides/core.md:164
import { sharedWaker, WakeTable, Waker } from "@spindle/core";

const table = WakeTable.forThisThread();
const handle = table.register(Waker.noop()); // { buffer: SharedArrayBuffer, slot: number }
// worker.postMessage(handle) — and in the worker:
sharedWaker(handle).wake();
console.log(table.drain()); // 1: the owner wakes the stored waker
table.unregister(handle);
